"""OS accounts read from real hosts: a real sshd whose /etc/passwd, group, shadow, sudoers,
sudoers.d and lastlog the test controls (bound in a private mount namespace of that sshd only,
whether or not this machine has sudo), and this workstation through the local runner."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from erpconsole.config import HostConfig
from erpconsole.services.access.models import AccessPolicy, Account, SourceExtract
from erpconsole.services.access.os_read import read_os_accounts
from erpconsole.services.models import LOCAL_HOST
from erpconsole.services.secrets import SecretStore
from tests.conftest import require
from tests.workstation import show_to_local_runner

pytestmark = pytest.mark.integration

NOW = time.time()
TODAY = int(NOW // 86400)
ROOT_LOGIN = int(NOW) - 3 * 86400
ALICE_LOGIN = int(NOW) - 40 * 86400
LASTLOG_RECORD = 292  # int32 time, char line[32], char host[256]
UTMP_RECORD = 384


def passwd_text(homes: Path) -> str:
    return (
        "root:x:0:0:root:/root:/bin/bash\n"
        "toor:x:0:0:Second root,,,:/root:/bin/sh\n"
        "sshd:x:100:65534::/run/sshd:/usr/sbin/nologin\n"  # sshd's own privilege separation user
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        f"alice:x:1001:1001:Alice Admin,,,:{homes}/alice:/bin/bash\n"
        f"bob:x:1002:1002:Bob Normal:{homes}/bob:/bin/sh\n"
        f"carol:x:1003:1003:Carol Locked:{homes}/carol:/bin/bash\n"
        "svc:x:1004:1004:Batch service:/nonexistent:/usr/sbin/nologin"  # no final newline
    )


GROUP = ("root:x:0:\nsudo:x:27:alice\nnogroup:x:65534:\nalice:x:1001:\nbob:x:1002:\n"
         "carol:x:1003:\nsvc:x:1004:\n")
SHADOW = (
    f"root:*:{TODAY - 10}:0:99999:7:::\n"
    f"toor:$6$saltsalt$Qk1x0mfT3i1XQ2w:{TODAY - 10}:0:99999:7:::\n"
    f"sshd:!:{TODAY - 500}::::::\n"
    f"nobody:*:{TODAY - 500}:0:99999:7:::\n"
    f"alice:$y$j9T$Y2xdQm$Ab4kLm9:{TODAY - 100}:0:90:7:::\n"
    f"bob:$y$j9T$abc$def:{TODAY - 5}:0:99999:7:::\n"
    f"carol:!$y$j9T$abc$def:{TODAY - 5}:0:99999:7:::\n"
    f"svc:*:{TODAY - 500}::::::\n"
)

SUDOERS = ("Defaults\tenv_reset\n# members of sudo may run anything\n"
           "%sudo\tALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n")
SUDOERS_D = {"90-batch": "svc ALL=(root) NOPASSWD: /usr/bin/systemctl restart odoo\n",
             "bob.disabled": "bob ALL=(ALL) ALL\n",  # sudo skips a name with a dot, and ~
             "backup~": "carol ALL=(ALL) ALL\n"}


def lastlog_bytes(records: dict[int, tuple[int, str, str]]) -> bytes:
    """/var/log/lastlog: one fixed record per UID at uid * 292 (a sparse file on the host)."""
    buf = bytearray(LASTLOG_RECORD * (max(records) + 1))
    for uid, (ts, line, host) in records.items():
        buf[uid * LASTLOG_RECORD:(uid + 1) * LASTLOG_RECORD] = struct.pack(
            "<i32s256s", ts, line.encode(), host.encode())
    return bytes(buf)


def utmp(kind: int, pid: int, line: str, user: str, host: str, ts: int) -> bytes:
    """One struct utmp of glibc on x86_64 / aarch64 (384 bytes)."""
    return struct.pack("<hxxi32s4s32s256shhiii16s20s", kind, pid, line.encode(),
                       line[-4:].encode(), user.encode(), host.encode(), 0, 0, 0, ts, 0,
                       b"", b"")


@pytest.fixture
def host_files(tmp_path: Path) -> dict[str, Path]:
    """The fixture's /etc files and homes (alice has two keys and a comment)."""
    root = tmp_path / "os"
    homes = root / "homes"
    (homes / "alice" / ".ssh").mkdir(parents=True)
    (homes / "bob").mkdir()
    (homes / "alice" / ".ssh" / "authorized_keys").write_text(
        "# laptop and phone\n\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA1 alice@laptop\r\n"
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA2 alice@phone\n")
    files = {"/etc/passwd": passwd_text(homes), "/etc/group": GROUP, "/etc/shadow": SHADOW}
    out: dict[str, Path] = {}
    for target, text in files.items():
        path = root / Path(target).name
        path.write_text(text)
        path.chmod(0o644)  # whatever the umask: everyone reads passwd and group
        out[target] = path
    out["/etc/shadow"].chmod(0o640)
    out["/etc/sudoers"] = root / "sudoers"
    out["/etc/sudoers"].write_text(SUDOERS)
    out["/etc/sudoers"].chmod(0o440)  # as sudo installs it: root alone reads it
    out["/etc/sudoers.d"] = root / "sudoers.d"
    out["/etc/sudoers.d"].mkdir(mode=0o755)
    out["/etc/sudoers.d"].chmod(0o755)
    for name, text in SUDOERS_D.items():
        (out["/etc/sudoers.d"] / name).write_text(text)
        (out["/etc/sudoers.d"] / name).chmod(0o440)
    lastlog = root / "lastlog"
    lastlog.write_bytes(lastlog_bytes({0: (ROOT_LOGIN, "pts/0", "10.0.0.1"),
                                       1001: (ALICE_LOGIN, "pts/3", "192.0.2.7")}))
    out["/var/log/lastlog"] = lastlog
    return out


@pytest.fixture
def public_dir() -> Iterator[Path]:
    """A folder every user may read: sshd reads a user's authorized keys as that user."""
    folder = Path(tempfile.mkdtemp(prefix="erpconsole-os-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def os_host(sshd, host_files, tmp_path: Path, client_keys) -> Callable[..., HostConfig]:
    """``os_host(user=, mounts=, extra_config=, trusted=)``: a started sshd
    showing the fixture files, and the HostConfig to reach it."""
    require(shutil.which("unshare") is not None,
            "unshare (to show the fixture's account files to sshd)")
    def start(user: str = "root", mounts: dict[str, Path] | None = None,
              extra_config: str = "", trusted: bool = True) -> HostConfig:
        server = sshd(mounts={**host_files, **(mounts or {})}, extra_config=extra_config)
        user_file = tmp_path / f"user_known_hosts{server.port}"
        user_file.write_text(server.known_hosts_line if trusted else "")
        return HostConfig(name="erp-app-1", address="127.0.0.1", port=server.port, user=user,
                          key_file=str(client_keys.plain), known_hosts=str(user_file))

    return start


def read(host: HostConfig | None, tmp_path: Path, **options
         ) -> tuple[dict[str, Account], SourceExtract]:
    options.setdefault("timeout_s", 10.0)
    accounts, extract = read_os_accounts(host, AccessPolicy(), SecretStore(),
                                         known_hosts_path=tmp_path / "own_known_hosts", **options)
    by_name = {a.name: a for a in accounts}
    assert len(by_name) == len(accounts)
    assert extract.rows == len(accounts) and extract.source == "os" and extract.kind == "linux"
    assert "cat /etc/passwd" in extract.query and extract.duration_s >= 0
    return by_name, extract


def fact(account: Account, name: str) -> str | None:
    return dict(account.facts).get(name)


def test_accounts_read_over_ssh(os_host, tmp_path):
    require(shutil.which("lastlog") is not None, "lastlog (shadow-utils, Debian's login)")
    host = os_host()
    accounts, extract = read(host, tmp_path)
    assert extract.ok, extract.error
    assert set(accounts) == {"root", "toor", "alice", "bob", "carol", "svc"}  # not sshd, nobody
    assert "2 system accounts left out" in extract.note
    assert "last logins from lastlog" in extract.note
    assert "shadow" not in extract.note  # read as root: nothing is missing
    toor = accounts["toor"]
    assert toor.superuser and "UID 0" in toor.privileges and toor.system == host.name
    assert toor.display_name == "Second root" and toor.last_login == ROOT_LOGIN
    alice = accounts["alice"]
    assert alice.privileges == ("GROUP sudo", "SUDO") and not alice.superuser
    assert fact(alice, "sudo rule") == "%sudo\tALL=(ALL:ALL) ALL"
    assert fact(alice, "authorized keys") == "2" and fact(alice, "groups") == "alice, sudo"
    assert alice.last_login == ALICE_LOGIN and fact(alice, "last login from") == "192.0.2.7"
    assert alice.password_expired and alice.password_never_expires is False
    assert "sudoers not readable" not in extract.note
    bob = accounts["bob"]
    assert bob.privileges == () and fact(bob, "sudo rule") is None and bob.active and bob.password_never_expires is True
    assert bob.last_login is None and bob.login_tracked
    assert fact(bob, "authorized keys") == "0"
    assert accounts["carol"].locked and not accounts["carol"].active
    svc = accounts["svc"]
    assert not svc.can_login and fact(svc, "authorized keys") == "0"
    assert svc.privileges == ("SUDO",) and "systemctl restart odoo" in fact(svc, "sudo rule")
    assert accounts["carol"].privileges == ()
    assert accounts["root"].last_login == ROOT_LOGIN


def test_last_is_used_where_lastlog_is_missing(os_host, tmp_path):
    require(shutil.which("last") is not None, "util-linux last")
    wtmp = tmp_path / "wtmp"
    wtmp.write_bytes(b"".join([
        utmp(2, 0, "~", "reboot", "6.1.0-26-amd64", ALICE_LOGIN - 3600),
        utmp(7, 100, "pts/0", "alice", "192.0.2.9", ALICE_LOGIN - 60),
        utmp(8, 100, "pts/0", "", "", ALICE_LOGIN),
        utmp(7, 101, "pts/1", "alice", "192.0.2.7", ALICE_LOGIN),
    ]))
    # A file that is no program makes `command -v lastlog` fail, as on a distribution without it.
    hidden = {os.path.realpath(found): Path("/dev/null")
              for found in map(shutil.which, ("lastlog", "lastlog2")) if found}
    host = os_host(mounts={**hidden, "/var/log/wtmp": wtmp})
    accounts, extract = read(host, tmp_path)
    assert extract.ok, extract.error
    assert "last logins from last (wtmp" in extract.note
    assert accounts["alice"].last_login == ALICE_LOGIN
    assert fact(accounts["alice"], "last login from") == "192.0.2.7"
    assert accounts["root"].last_login is None and accounts["root"].login_tracked


def test_a_normal_user_reads_what_it_may_and_says_what_is_missing(os_host, tmp_path,
                                                                   public_dir, client_keys):
    keys = public_dir / "authorized_keys"
    keys.write_text(client_keys.authorized_keys())
    keys.chmod(0o644)
    host = os_host(user="bob", extra_config=f"Match User bob\n  AuthorizedKeysFile {keys}\n")
    accounts, extract = read(host, tmp_path)
    assert extract.ok, extract.error
    assert "/etc/shadow not readable" in extract.note
    assert "add the monitor user to the shadow group" in extract.note
    assert ("sudoers not readable (/etc/sudoers, /etc/sudoers.d/90-batch): SUDO rules not "
            "checked") in extract.note
    carol = accounts["carol"]
    assert fact(carol, "password") == "not readable" and carol.password_never_expires is None
    assert not carol.locked  # unknown without shadow: not claimed
    assert accounts["toor"].superuser and accounts["alice"].privileges == ("GROUP sudo",)
    assert accounts["svc"].privileges == ()  # its rule is in a file bob may not read
    assert fact(accounts["alice"], "authorized keys") == "not readable"


def _fake_shell(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def test_garbage_instead_of_the_listing_is_refused(os_host, tmp_path, host_files):
    html = _fake_shell(tmp_path, "html-shell", (
        "printf '<html><body><h1>502 Bad Gateway</h1>\\n"
        "root:x:0:0:root:/root:/bin/bash\\nmallory:x:0:0::/:/bin/sh\\n</body></html>\\n'\n"))
    passwd = tmp_path / "passwd-html"
    passwd.write_text(host_files["/etc/passwd"].read_text().replace(
        "root:x:0:0:root:/root:/bin/bash", f"root:x:0:0:root:/root:{html}"))
    host = os_host(mounts={"/etc/passwd": passwd})
    accounts, extract = read(host, tmp_path)
    assert accounts == {} and extract.rows == 0
    assert "cut short or is not its output" in extract.error


def test_a_login_banner_is_not_an_account(os_host, tmp_path, host_files):
    banner = _fake_shell(tmp_path, "banner-shell", (
        "echo 'Welcome to ACME ERP. Authorised use only.'\n"
        "echo 'mallory:x:0:0::/:/bin/sh'\n"
        'exec /bin/sh "$@"\n'))
    passwd = tmp_path / "passwd-banner"
    passwd.write_text(host_files["/etc/passwd"].read_text().replace(
        "root:x:0:0:root:/root:/bin/bash", f"root:x:0:0:root:/root:{banner}"))
    accounts, extract = read(os_host(mounts={"/etc/passwd": passwd}), tmp_path)
    assert extract.ok, extract.error
    assert "mallory" not in accounts and "Welcome" not in accounts and "root" in accounts


def test_a_hung_host_is_a_timeout_sentence_within_the_time(os_host, tmp_path, host_files):
    hang = _fake_shell(tmp_path, "hung-shell", "sleep 30\n")
    passwd = tmp_path / "passwd-hang"
    passwd.write_text(host_files["/etc/passwd"].read_text().replace(
        "root:x:0:0:root:/root:/bin/bash", f"root:x:0:0:root:/root:{hang}"))
    host = os_host(mounts={"/etc/passwd": passwd})
    start = time.monotonic()
    accounts, extract = read(host, tmp_path, timeout_s=1.0)
    assert time.monotonic() - start < 2.0
    assert accounts == {}
    assert "did not finish listing its accounts within" in extract.error


def test_unreachable_port_is_an_error_sentence(tmp_path, client_keys):
    from tests.integration.sshd import free_port

    host = HostConfig(name="gone", address="127.0.0.1", port=free_port(), user="root",
                      key_file=str(client_keys.plain), known_hosts=str(tmp_path / "none"))
    start = time.monotonic()
    accounts, extract = read(host, tmp_path, timeout_s=3.0)
    assert time.monotonic() - start < 3.0
    assert accounts == {} and extract.system == "gone"
    assert "connection refused" in extract.error and "is sshd running" in extract.error


def test_silent_port_is_an_error_sentence_within_the_time(tmp_path, client_keys):
    """A port that accepts but never speaks SSH (a hung sshd, a wrong service)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)  # the kernel completes the TCP handshake; nothing ever answers
        host = HostConfig(name="mute", address="127.0.0.1", port=listener.getsockname()[1],
                          user="root", key_file=str(client_keys.plain),
                          known_hosts=str(tmp_path / "none"))
        start = time.monotonic()
        accounts, extract = read(host, tmp_path, timeout_s=2.0)
        assert time.monotonic() - start < 2.5
    assert accounts == {}
    assert "accepted the connection but" in extract.error


def test_unknown_host_key_is_refused_not_trusted(os_host, tmp_path):
    host = os_host(trusted=False)
    accounts, extract = read(host, tmp_path)
    assert accounts == {}
    assert extract.error.startswith("unknown host key for 127.0.0.1:")
    assert "SHA256:" in extract.error and "trust it if it matches" in extract.error
    own = tmp_path / "own_known_hosts"
    assert not own.exists() or str(host.port) not in own.read_text()
    assert read(host, tmp_path)[1].error.startswith("unknown host key")  # still refused


def test_changed_host_key_is_refused(os_host, tmp_path, client_keys):
    from tests.integration.sshd import public_line

    kind, b64 = public_line(client_keys.other)  # another key on file for this address
    host = os_host(trusted=False)
    Path(host.known_hosts).write_text(f"[127.0.0.1]:{host.port} {kind} {b64}\n")
    accounts, extract = read(host, tmp_path)
    assert accounts == {}
    assert extract.error.startswith("host key changed for 127.0.0.1:")
    assert "no connection made" in extract.error


def test_refused_login_is_an_error_sentence(os_host, tmp_path, client_keys):
    host = os_host()
    wrong = dataclasses.replace(host, key_file=str(client_keys.other))
    accounts, extract = read(wrong, tmp_path)
    assert accounts == {}
    assert extract.error.startswith("login refused for root@127.0.0.1")


def test_this_workstation_through_the_local_runner(tmp_path, monkeypatch):
    """The real local runner and script, on accounts the test gave this workstation (root,
    alice with sudo, bob, and sshd left out), not whatever users this machine has."""
    show_to_local_runner(monkeypatch, tmp_path, admin=True)
    accounts, extract = read(None, tmp_path)
    assert extract.ok, extract.error
    assert extract.system == LOCAL_HOST and extract.rows == 3
    assert set(accounts) == {"root", "alice", "bob"}
    assert "1 system account left out" in extract.note
    root = accounts["root"]
    assert root.superuser and "UID 0" in root.privileges and fact(root, "UID") == "0"
    assert all(a.system == LOCAL_HOST and a.key == f"os/{LOCAL_HOST}/{a.name}"
               for a in accounts.values())
    assert accounts["alice"].privileges == ("GROUP sudo", "SUDO")
    assert accounts["bob"].privileges == () and not accounts["bob"].superuser
    assert all(a.last_login is None and a.login_tracked for a in accounts.values())
    assert "shadow" not in extract.note  # read as root, which the namespace needs
    assert all(fact(a, "password") != "not readable" for a in accounts.values())
