"""The copy step of a drill of a dump folder on another host: ``RemoteDump.fetch`` (paramiko
SFTP, pipelined 32 KiB reads, SHA-256 while copying) of one file of about 200 MB from a real
OpenSSH sshd on this machine, beside OpenSSH's own ``sftp`` fetching the same file with the same
key in the same run. Reports both throughputs and the console's overhead; the median of
``--repeat`` alternating rounds, OpenSSH first. Loopback: the figure is CPU (cipher, hashing,
Python), not network, so it bounds what the copy adds on a fast LAN.

    .venv/bin/python benchmarks/drill_fetch.py [--size-mb 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from erpconsole.config import HostConfig  # noqa: E402
from erpconsole.services.backups.drill_fetch import RemoteDump  # noqa: E402
from erpconsole.services.backups.models import DUMP, DUMPDIR, Backup, BackupSetConfig  # noqa: E402
from erpconsole.services.secrets import SecretStore  # noqa: E402
from tests.integration.sshd import ClientKeys, Sshd  # noqa: E402


def _dump(folder: Path, size_mb: int) -> Path:
    """Incompressible bytes (a compressed dump looks like this to the cipher and the hash)."""
    path = folder / "erp.dump"
    with path.open("wb") as f:
        for _ in range(size_mb):
            f.write(os.urandom(1 << 20))
    return path


def _by_hand(server: Sshd, keys: ClientKeys, known: Path, remote: Path, out: Path) -> float:
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(["sftp", "-q", "-P", str(server.port), "-i", str(keys.plain),
                    "-o", f"UserKnownHostsFile={known}", "-o", "BatchMode=yes",
                    f"root@127.0.0.1:{remote}", str(out)], check=True, capture_output=True,
                   timeout=600)
    return time.perf_counter() - started


def _console(host: HostConfig, backup: Backup, cfg: BackupSetConfig, known: Path) -> float:
    dump = RemoteDump(cfg, backup, (host,), SecretStore(), known, None, 3600.0)
    started = time.perf_counter()
    try:
        dump.fetch(lambda _text, _fraction: None)
        return time.perf_counter() - started
    finally:
        dump.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="erpc_bench_fetch_"))
    server = None
    try:
        keys = ClientKeys.create(work / "keys")
        server = Sshd(work / "sshd", keys, extra_config="Subsystem sftp internal-sftp").start()
        known = work / "known_hosts"
        known.write_text(server.known_hosts_line)
        dump = _dump(work, args.size_mb)
        size = dump.stat().st_size
        digest = hashlib.sha256(dump.read_bytes()).hexdigest()
        host = HostConfig(name="bench-host", address="127.0.0.1", port=server.port, user="root",
                          key_file=str(keys.plain), known_hosts=str(known))
        cfg = BackupSetConfig(name="bench", tool=DUMPDIR, repo=str(work), host="bench-host")
        backup = Backup("bench", dump.name, DUMP, time.time(), location=str(dump),
                        size_bytes=size, checksum=digest)
        hand, console = [], []
        for _ in range(args.repeat):
            hand.append(_by_hand(server, keys, known, dump, work / "by-hand.dump"))
            console.append(_console(host, backup, cfg, known))
        h, c = statistics.median(hand), statistics.median(console)
        mb = size / 1e6
        print(json.dumps({
            "size_mb": round(mb, 1), "rounds": args.repeat,
            "openssh_sftp_s": round(h, 2), "openssh_mb_s": round(mb / h, 1),
            "console_fetch_s": round(c, 2), "console_mb_s": round(mb / c, 1),
            "overhead_percent": round((c - h) / h * 100, 1),
            "cpus": os.cpu_count(),
        }))
    finally:
        if server is not None:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
