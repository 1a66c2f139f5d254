"""This workstation with accounts a test wrote: root, bob and, if asked, alice with sudo, in
/etc files shown to a command (the CLI, the local account listing) in a private mount namespace.
What the access review finds here is then the same on every machine, whatever its users."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from erpconsole.services.access import os_read
from tests import mount_namespace
from tests.conftest import require

# root (an approved superuser), bob (a person, no privilege) and, with ``admin``, alice in the
# sudo group that sudoers lets run anything (a "privileged" warning). No one has logged in.
PASSWD = "root:x:0:0:root:{folder}/root:/bin/bash\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\n"
PEOPLE = {"alice": 1001, "bob": 1002}


def workstation_files(folder: Path, admin: bool) -> dict[str, Path]:
    """{path here: the test's file}: this workstation's accounts as the listing reads them."""
    folder.mkdir(parents=True, exist_ok=True)
    people = {n: uid for n, uid in PEOPLE.items() if admin or n != "alice"}
    texts = {
        "passwd": PASSWD.format(folder=folder)
                  + "".join(f"{n}:x:{u}:{u}::{folder}/{n}:/bin/bash\n" for n, u in people.items()),
        "group": "root:x:0:\nsudo:x:27:" + ("alice" if admin else "") + "\n"
                 + "".join(f"{n}:x:{u}:\n" for n, u in people.items()),
        "shadow": "".join(f"{n}:*:19000:0:99999:7:::\n" for n in ("root", "sshd", *people)),
        "sudoers": "%sudo\tALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n",
        "lastlog": "", "wtmp": "",
    }
    mounts: dict[str, Path] = {}
    for name, text in texts.items():
        (folder / name).write_text(text)
        (folder / name).chmod(0o640 if name in ("shadow", "sudoers") else 0o644)
        mounts[f"/var/log/{name}" if name in ("lastlog", "wtmp") else f"/etc/{name}"] = folder / name
    (folder / "sudoers.d").mkdir(exist_ok=True)
    mounts["/etc/sudoers.d"] = folder / "sudoers.d"
    return mounts


def in_workstation(command: list[str], folder: Path, admin: bool = False) -> list[str]:
    """``command`` run on this workstation with the accounts above (files under ``folder``)."""
    require(mount_namespace.available(),
            "unshare, as root or in a user namespace (to show the test's own accounts)")
    mounts = workstation_files(folder / "etc", admin)
    return mount_namespace.namespace_command(command, mounts, folder)


def show_to_local_runner(patch: pytest.MonkeyPatch, folder: Path, admin: bool = False) -> None:
    """The real account listing script in the real local runner, in a namespace of its own
    where this workstation has the accounts above."""
    real_run_local = os_read.run_local

    def run_local(command: str, timeout_s: float, **options) -> str:
        private = in_workstation(["/bin/sh", "-c", command], folder, admin)
        return real_run_local(shlex.join(private), timeout_s, **options)

    patch.setattr(os_read, "run_local", run_local)
