"""Real OpenSSH servers on 127.0.0.1 for tests and benchmarks (no pytest import here).

Each ``Sshd`` is one "host": its own port, host key, config and pid file in a temporary folder.
A ``ClientKeys`` pair (a plain and an encrypted ed25519 key) is authorized on every server.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SSHD = "/usr/sbin/sshd"
KEYGEN = shutil.which("ssh-keygen") or "/usr/bin/ssh-keygen"
PASSPHRASE = "correct horse battery staple"


def available() -> bool:
    return os.path.exists(SSHD) and os.access(SSHD, os.X_OK) and os.path.exists(KEYGEN)


def keygen(path: Path, passphrase: str = "", comment: str = "erpconsole-test") -> Path:
    """An ed25519 key pair at ``path`` and ``path.pub``."""
    subprocess.run([KEYGEN, "-q", "-t", "ed25519", "-N", passphrase, "-C", comment, "-f",
                    str(path)], check=True, stdin=subprocess.DEVNULL)
    return path


def public_line(path: Path) -> tuple[str, str]:
    """(type, base64) of a ``.pub`` file."""
    kind, b64 = Path(f"{path}.pub").read_text().split()[:2]
    return kind, b64


@dataclass
class ClientKeys:
    plain: Path
    encrypted: Path
    other: Path  # not authorized anywhere: a wrong key

    @classmethod
    def create(cls, folder: Path) -> ClientKeys:
        folder.mkdir(parents=True, exist_ok=True)
        return cls(keygen(folder / "id_plain"), keygen(folder / "id_encrypted", PASSPHRASE),
                   keygen(folder / "id_other"))

    def authorized_keys(self) -> str:
        return "".join(" ".join(public_line(p)) + "\n" for p in (self.plain, self.encrypted))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class Sshd:
    """``start()``/``kill()``/``start()`` again on the same port; ``stop()`` at the end."""

    def __init__(self, folder: Path, keys: ClientKeys, port: int | None = None,
                 max_sessions: int = 10, max_startups: str = "10:30:100",
                 extra_config: str = "", mounts: dict[str, Path] | None = None,
                 skel: Path | None = None,
                 address: str = "127.0.0.1", prefix: tuple[str, ...] = ()) -> None:
        self.folder = folder
        # Where it listens, and what its command runs under (``ip netns exec NS``: a server
        # inside a network namespace, reached over the link the test made to it).
        self.address, self.prefix = address, tuple(prefix)
        # {path on this machine: file shown there}: bound in a private mount namespace of
        # sshd's own, so a test controls /etc/passwd and the like without touching the host's.
        self.mounts = dict(mounts or {})
        self.keys = keys
        self.port = port or free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.host_key = keygen(folder / "ssh_host_ed25519_key", comment="host")
        self.host_key_type, self.host_key_b64 = public_line(self.host_key)
        (folder / "authorized_keys").write_text(keys.authorized_keys())
        self.config = folder / "sshd_config"
        self.pid_file = folder / "sshd.pid"
        self.log_file = folder / "sshd.log"
        self.home = folder / "home"  # the sessions' HOME: see _config_text
        self.home.mkdir(exist_ok=True)
        # skel: an ordinary account's start-up files (Debian's /etc/skel: .bashrc, .profile,
        # .bash_logout) in that HOME, for figures as a real monitoring account would see them.
        for f in sorted(skel.iterdir()) if skel is not None else ():
            if f.is_file():
                shutil.copyfile(f, self.home / f.name)
        self.config.write_text(self._config_text(max_sessions, max_startups, extra_config))
        self.proc: subprocess.Popen | None = None

    def _config_text(self, max_sessions: int, max_startups: str, extra: str) -> str:
        return f"""\
ListenAddress {self.address}
Port {self.port}
HostKey {self.host_key}
PidFile {self.pid_file}
AuthorizedKeysFile {self.folder / "authorized_keys"}
UsePAM no
PermitRootLogin yes
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PrintMotd no
MaxSessions {max_sessions}
MaxStartups {max_startups}
MaxAuthTries 10
LogLevel VERBOSE
# sshd runs every command through the account's shell, and Debian's bash then reads
# ~/.bashrc: the test machine's root has pyenv init there (~200 ms, dozens of forks per
# session), which a monitoring account would not. An empty HOME keeps the figures the
# console's own and the tests independent of root's dotfiles.
SetEnv HOME={self.home}
{extra}
"""

    @property
    def known_hosts_line(self) -> str:
        return f"[{self.address}]:{self.port} {self.host_key_type} {self.host_key_b64}\n"

    def start(self, timeout: float = 10.0) -> Sshd:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation directory
        log = open(self.log_file, "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited with {self.proc.returncode}: {self.log_tail()}")
            if port_open(self.port, self.address):
                return self
            time.sleep(0.02)
        self.kill()
        raise RuntimeError(f"sshd did not listen on port {self.port}: {self.log_tail()}")

    def command(self) -> list[str]:
        cmd = [*self.prefix, SSHD, "-D", "-e", "-f", str(self.config)]
        if not self.mounts:
            return cmd
        # Imported here: benchmarks/ssh_poll.py loads this file alone, without mounts.
        from tests.mount_namespace import namespace_command

        return namespace_command(cmd, self.mounts, self.folder)

    def kill(self) -> None:
        """Like a crashed host: the listener and every session process die at once."""
        if self.proc is None:
            return
        try:
            procs = [psutil.Process(self.proc.pid)]
            procs += procs[0].children(recursive=True)
        except psutil.NoSuchProcess:
            procs = []
        for p in procs:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        # Only the listener is our child; its orphaned session processes are reaped by init.
        self.proc.wait(5)
        self.proc = None
        deadline = time.monotonic() + 5
        while port_open(self.port, self.address) and time.monotonic() < deadline:
            time.sleep(0.02)

    stop = kill

    def log_tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""
