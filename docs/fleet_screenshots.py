"""Screenshots of the console watching a small fleet: loopback sshd hosts started with the
test launcher (two trusted, one whose key is not yet trusted) and a host that is down.
Every picture is made by `erpconsole screenshot` from the real window.

    .venv/bin/python docs/fleet_screenshots.py        (needs /usr/sbin/sshd; make test installs it)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

# What this script draws into docs/screenshots/ (tests/test_readme_pictures.py reads it).
PICTURES = ("fleet-hosts.png", "fleet-overview.png")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.integration.sshd import ClientKeys, Sshd, free_port  # noqa: E402

OUT = REPO / "docs" / "screenshots"


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="erpconsole-fleet-"))
    keys = ClientKeys.create(work / "keys")
    hosts = {name: Sshd(work / name, keys).start() for name in ("erp-app-1", "erp-db-1", "erp-report")}
    known = work / "known_hosts"
    known.write_text("".join(hosts[n].known_hosts_line for n in ("erp-app-1", "erp-db-1")))
    inventory = work / "inventory.toml"
    entries = [
        f'[[hosts]]\nname = "{name}"\naddress = "127.0.0.1"\nport = {sshd.port}\nuser = "root"\n'
        f'key_file = "{keys.plain}"\nknown_hosts = "{known}"\ninterval_s = 2\ntags = ["prod"]\n'
        for name, sshd in hosts.items()
    ]
    entries.append(f'[[hosts]]\nname = "erp-branch-office"\naddress = "127.0.0.1"\nport = {free_port()}\n'
                   f'user = "root"\nkey_file = "{keys.plain}"\ninterval_s = 2\n')
    inventory.write_text("[local]\nenabled = true\n\n" + "\n".join(entries))
    env = {**os.environ, "XDG_CONFIG_HOME": str(work / "config"), "XDG_DATA_HOME": str(work / "data"),
           "XDG_STATE_HOME": str(work / "state")}
    exe = str(REPO / ".venv" / "bin" / "erpconsole")
    try:
        for page in ("hosts", "overview"):
            subprocess.run([exe, "screenshot", str(OUT / f"fleet-{page}.png"), "--page", page,
                            "--after", "12", "--inventory", str(inventory)], check=True, env=env)
    finally:
        for sshd in hosts.values():
            sshd.kill()


if __name__ == "__main__":
    main()
