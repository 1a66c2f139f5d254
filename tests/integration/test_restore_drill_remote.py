"""Restore drills of a dump folder on another host: a real sshd (with SFTP) serves a folder of
real pg_dump output, the set is listed over SSH as the Backups page lists it, and run_drill
copies the newest dump here, restores it into a scratch database of the real PostgreSQL,
checks it and drops it. Nothing may be left behind: no scratch database, no copied dump."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from erpconsole.config import DatabaseConfig, HostConfig, Inventory
from erpconsole.services.backups.drill import SCRATCH_PREFIX, run_drill
from erpconsole.services.backups.drill_fetch import SHARE
from erpconsole.services.backups.models import DUMPDIR, BackupSetConfig
from erpconsole.services.backups.factory import source_for
from erpconsole.services.secrets import SecretStore
from tests.conftest import require
from tests.dbservers import PG_ADMIN
from tests.integration import sshd as sshd_mod

pytestmark = pytest.mark.integration

SANE = "SELECT 1 FROM partners WHERE name = 'Acme'"
HOST = "erp-db-1"


def _sql(url: str, *statements: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))
    engine.dispose()


def _pg_dump(url: str, out: Path, *options: str) -> None:
    subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-Fc", *options, "-f",
                    str(out), make_url(url).database], check=True, timeout=120)


def _pg_scratch(pg_admin) -> set[str]:
    with pg_admin.connect() as conn:
        return {r[0] for r in conn.execute(text(
            "SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": SCRATCH_PREFIX + "%"})}


@pytest.fixture
def remote(sshd, client_keys, tmp_path, pg_database, monkeypatch):
    """A database with rows, its pg_dump in a folder served by a real sshd, the set with
    ``host``, and the scratch folder (TMPDIR) where the drill may put its copy."""
    require(shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None,
            "pg_dump / pg_restore")
    server = sshd(extra_config="Subsystem sftp internal-sftp")
    user_known = tmp_path / "user_known_hosts"
    user_known.write_text(server.known_hosts_line)
    host = HostConfig(name=HOST, address="127.0.0.1", port=server.port, user="root",
                      key_file=str(client_keys.plain), known_hosts=str(user_known))
    url = pg_database()
    _sql(url, "CREATE TABLE partners (id int PRIMARY KEY, name varchar(40) NOT NULL)",
         "CREATE TABLE orders (id int PRIMARY KEY, partner_id int NOT NULL, total numeric(10,2))",
         "INSERT INTO partners VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech')",
         "INSERT INTO orders SELECT g, 1 + g % 3, g * 1.5 FROM generate_series(1, 250) g")
    folder = tmp_path / "on-the-host"
    folder.mkdir()
    _pg_dump(url, folder / "erp.dump")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    cfg = BackupSetConfig(name="erp-dumps", tool=DUMPDIR, repo=str(folder), pattern="*.dump",
                          host=HOST, database="erp", drill_target=PG_ADMIN,
                          key_tables=("partners", "orders"), sanity_queries=(SANE,))
    inventory = Inventory(hosts=(host,), databases=(DatabaseConfig("erp", url),))
    return SimpleNamespace(server=server, host=host, url=url, folder=folder, scratch=scratch,
                           cfg=cfg, inventory=inventory, user_known=user_known,
                           own_known=tmp_path / "own_known_hosts")


def _newest(r):
    """The newest dump as the Backups page lists it: over SSH, with its host-side SHA-256."""
    status = source_for(r.cfg).read(r.cfg, SecretStore(), r.own_known, {HOST: r.host},
                                    timeout_s=20)
    assert status.error == "", status.error
    return status.backups[-1]


def _drill(r, backup, **kw):
    return run_drill(r.cfg, backup, r.inventory, SecretStore(), known_hosts_path=r.own_known, **kw)


def _left_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_remote_pg_dump_is_fetched_restored_checked_and_nothing_is_left(pg_admin, remote):
    backup = _newest(remote)
    assert backup.id == "erp.dump" and backup.checksum
    phases: list[tuple[str, float]] = []
    during_restore: list[list[str]] = []

    def progress(text: str, fraction: float) -> None:
        phases.append((text, fraction))
        if text.startswith("restoring"):
            during_restore.append(_left_in(remote.scratch))

    before = _pg_scratch(pg_admin)
    result = _drill(remote, backup, progress=progress)
    assert result.ok, result.message
    assert [(c.expected, c.got, c.ok) for c in result.checks] == [
        ("3", "3", True), ("250", "250", True), ("at least one row", "a row", True)]
    assert result.message.startswith("restored erp.dump in ")
    assert f"(fetched from {HOST} in " in result.message
    # The restore read the copy in a scratch folder of its own, not the host's file.
    assert during_restore and len(during_restore[0]) == 2
    assert during_restore[0][0].startswith(SCRATCH_PREFIX)
    assert during_restore[0][1].endswith("/erp.dump")
    fetching = [(t, f) for t, f in phases if t.startswith(f"fetching erp.dump from {HOST}: ")]
    size_mb = f"{backup.size_bytes / 1e6:.1f} MB"
    assert fetching[0][0].endswith(f"0.0 MB of {size_mb}")
    assert fetching[-1][0].endswith(f"{size_mb} of {size_mb}") and fetching[-1][1] == SHARE
    fractions = [f for _t, f in phases]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    # Nothing left: the copy, its folder and the scratch database are gone.
    assert _left_in(remote.scratch) == []
    assert _pg_scratch(pg_admin) == before
    assert result.target.rsplit("/", 1)[1].startswith(SCRATCH_PREFIX)


def test_changed_or_unknown_host_key_is_refused(pg_admin, remote, tmp_path):
    backup = _newest(remote)
    other = sshd_mod.keygen(tmp_path / "other_host_key", comment="impostor")
    kind, b64 = sshd_mod.public_line(other)
    remote.user_known.write_text(f"[127.0.0.1]:{remote.server.port} {kind} {b64}\n")
    before = _pg_scratch(pg_admin)
    result = _drill(remote, backup)
    assert not result.ok
    assert result.message.startswith(f"the dump could not be fetched from {HOST}: host key "
                                     "changed for "), result.message
    assert "man in the middle" in result.message and result.target == ""
    remote.user_known.write_text("")
    result = _drill(remote, backup)
    assert not result.ok and "unknown host key for " in result.message, result.message
    assert "trust it if it matches" in result.message
    assert _left_in(remote.scratch) == [] and _pg_scratch(pg_admin) == before
    assert not remote.own_known.exists() or remote.own_known.read_text() == ""


def test_dump_removed_on_the_host_after_listing_says_so(pg_admin, remote):
    backup = _newest(remote)
    (remote.folder / "erp.dump").unlink()
    before = _pg_scratch(pg_admin)
    result = _drill(remote, backup)
    assert not result.ok
    assert result.message == (
        f"the dump {remote.folder / 'erp.dump'} is no longer on {HOST}: it was removed or "
        "rotated since the list was read; refresh the list and pick another backup")
    assert result.target == "" and result.checks == ()
    assert _left_in(remote.scratch) == [] and _pg_scratch(pg_admin) == before


def test_dump_replaced_on_the_host_after_listing_is_not_restored(pg_admin, remote):
    backup = _newest(remote)
    path = remote.folder / "erp.dump"
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF  # same size, other content: only the SHA-256 tells
    path.write_bytes(bytes(data))
    result = _drill(remote, backup)
    assert not result.ok and result.target == ""
    assert f"but {HOST} listed {backup.checksum}" in result.message, result.message
    assert _left_in(remote.scratch) == []


def _big_dump(remote) -> None:
    """An uncompressed dump of ~10 MB: several batches of the copy."""
    _sql(remote.url, "CREATE TABLE lines AS SELECT g AS id, md5(g::text) || md5((g + 1)::text) "
         "AS memo FROM generate_series(1, 130000) g")
    (remote.folder / "erp.dump").unlink()
    _pg_dump(remote.url, remote.folder / "erp.dump", "-Z0")


def test_cancel_during_the_fetch_leaves_nothing(pg_admin, remote):
    _big_dump(remote)
    backup = _newest(remote)
    assert backup.size_bytes > 8_000_000
    cancel = threading.Event()
    phases: list[tuple[str, float]] = []

    def progress(text: str, fraction: float) -> None:
        phases.append((text, fraction))
        if text.startswith("fetching") and fraction > 0:
            cancel.set()  # after the first batch arrived

    before = _pg_scratch(pg_admin)
    result = _drill(remote, backup, progress=progress, cancel=cancel)
    assert not result.ok and result.message == "cancelled before the restore started"
    fetched = [f for t, f in phases if t.startswith("fetching")]
    assert 0 < fetched[-1] < SHARE  # stopped part-way, between two batches
    assert not any(t.startswith(("creating", "restoring")) for t, _f in phases)
    assert _left_in(remote.scratch) == [] and _pg_scratch(pg_admin) == before


def test_cancel_while_a_silent_host_holds_the_login_ends_at_once(pg_admin, remote):
    """A host that takes the connection and never says a word (a hung sshd): cancel must end
    the drill now, not when the login's own timeouts run out."""
    import dataclasses
    import socket
    import time

    backup = _newest(remote)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(silent.accept()[0]), daemon=True).start()
    host = dataclasses.replace(remote.host, port=silent.getsockname()[1])
    remote.inventory = dataclasses.replace(remote.inventory, hosts=(host,))
    cancel = threading.Event()

    def progress(text: str, _fraction: float) -> None:
        if text.startswith("connecting"):
            threading.Timer(0.5, cancel.set).start()

    started = time.monotonic()
    try:
        result = _drill(remote, backup, progress=progress, cancel=cancel)
    finally:
        silent.close()
        for conn in held:
            conn.close()
    took = time.monotonic() - started
    assert not result.ok and result.message == "cancelled before the restore started", result.message
    assert took < 8, took  # the banner wait alone is 10 s: cancel cut it short
    assert _left_in(remote.scratch) == []


@pytest.fixture
def small_disk(remote, tmp_path, monkeypatch):
    """A 12 MB tmpfs as TMPDIR (root can mount one here; elsewhere the tests skip)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)],
                          capture_output=True)
    require(done.returncode == 0, "mounting a tmpfs (root)")
    monkeypatch.setattr(tempfile, "tempdir", str(mount))
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_too_little_room_here_is_refused_before_copying(remote, small_disk):
    _big_dump(remote)
    (remote.folder / "erp.dump").write_bytes((remote.folder / "erp.dump").read_bytes() * 2)
    backup = _newest(remote)
    result = _drill(remote, backup)
    assert not result.ok
    assert result.message.startswith(f"erp.dump needs {backup.size_bytes / 1e6:.1f} MB but "
                                      "only "), result.message
    assert f"are free in {small_disk} on this workstation" in result.message
    assert _left_in(small_disk) == []


def test_a_disk_that_fills_up_during_the_copy_ends_clearly(remote, small_disk):
    _big_dump(remote)
    backup = _newest(remote)
    assert backup.size_bytes < 11_000_000

    def progress(text: str, fraction: float) -> None:
        if text.startswith("fetching") and fraction == 0:  # another writer takes the room
            filler = small_disk / "filler"
            free = shutil.disk_usage(small_disk).free
            filler.write_bytes(b"\0" * (free - 1_000_000))

    result = _drill(remote, backup, progress=progress)
    assert not result.ok
    assert result.message.startswith(f"the disk of {small_disk} on this workstation filled up "
                                     "while erp.dump was copied there"), result.message
    assert _left_in(small_disk) == ["filler"]


def test_a_host_without_sftp_is_named_with_the_fix(remote, sshd, client_keys, tmp_path):
    backup = _newest(remote)
    plain = sshd()  # no Subsystem line: the listing works over SSH, a copy cannot
    known = tmp_path / "plain_known_hosts"
    known.write_text(plain.known_hosts_line)
    host = HostConfig(name=HOST, address="127.0.0.1", port=plain.port, user="root",
                      key_file=str(client_keys.plain), known_hosts=str(known))
    remote.inventory = Inventory(hosts=(host,), databases=remote.inventory.databases)
    result = _drill(remote, backup)
    assert not result.ok and result.message.startswith(
        f"{HOST} did not open an SFTP channel ("), result.message
    assert "Subsystem sftp internal-sftp" in result.message
    assert _left_in(remote.scratch) == []


def test_a_refused_login_says_what_to_do(remote, client_keys):
    backup = _newest(remote)
    wrong = HostConfig(name=HOST, address="127.0.0.1", port=remote.server.port, user="root",
                       key_file=str(client_keys.other), known_hosts=str(remote.user_known))
    remote.inventory = Inventory(hosts=(wrong,), databases=remote.inventory.databases)
    result = _drill(remote, backup)
    assert not result.ok and result.message.startswith(
        f"the dump could not be fetched from {HOST}: login refused for root@127.0.0.1"
    ), result.message
    assert "erpconsole secret set" in result.message and _left_in(remote.scratch) == []


def test_the_backups_service_drills_with_the_consoles_own_known_hosts(pg_admin, remote):
    """As the Backups page runs it: the host key is known only to the console's own known_hosts
    file (no per-host file), which the service must hand down to the copy."""
    import dataclasses

    from erpconsole.services.backups.service import BackupService

    remote.own_known.write_text(remote.server.known_hosts_line)
    host = dataclasses.replace(remote.host, known_hosts=None)
    inventory = dataclasses.replace(remote.inventory, hosts=(host,), backups=(remote.cfg,))
    service = BackupService(inventory, SecretStore(), known_hosts_path=remote.own_known)
    result = service.drill(remote.cfg.name, "erp.dump")
    assert result.ok, result.message
    assert f"(fetched from {HOST} in " in result.message
    assert _left_in(remote.scratch) == []


def test_a_target_it_cannot_restore_into_is_refused_before_anything_is_copied(remote):
    import dataclasses

    backup = _newest(remote)
    remote.cfg = dataclasses.replace(remote.cfg, drill_target="sqlite:///scratch.db")
    phases: list[str] = []
    result = _drill(remote, backup, progress=lambda text, _f: phases.append(text))
    assert not result.ok and "neither PostgreSQL nor MariaDB" in result.message, result.message
    assert not any(p.startswith("fetching") for p in phases) and _left_in(remote.scratch) == []
