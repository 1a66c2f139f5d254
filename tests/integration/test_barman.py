"""The Barman source against the real Barman (Debian 12: 3.4): a throwaway PostgreSQL 15
cluster of its own, streamed to a Barman home in a temporary folder (backup_method = postgres,
streaming_archiver with a replication slot), one real backup, read and verified; copies of the
Barman home with a damaged file and a lost WAL file; Barman's own refusals."""

from __future__ import annotations

import calendar
import json
import pwd
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from erpconsole.services.backups.drill_barman import BarmanCluster
from erpconsole.services.backups.models import FULL, Backup, BackupSetConfig
from erpconsole.services.backups.factory import source_for
from erpconsole.services.secrets import SecretStore
from tests.conftest import require
from tests.integration.sshd import free_port

pytestmark = pytest.mark.integration

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SERVER = "pg"


@dataclass(frozen=True)
class Barman:
    cfg: BackupSetConfig
    conf: Path
    home: Path
    backup_id: str
    made_from: float  # the backup finished between these two times
    made_until: float
    source_url: str  # the throwaway cluster the backup was taken of


def _as_postgres(*argv: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=True, capture_output=True,
                   timeout=120)


def _barman(conf: Path, *args: str, timeout: float = 180) -> str:
    run = subprocess.run(["barman", "-c", str(conf), *args], capture_output=True, text=True,
                         timeout=timeout, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, f"barman {' '.join(args)}: {run.stdout} {run.stderr}"
    return run.stdout


def _write_conf(path: Path, home: Path, port: int) -> None:
    """Barman runs as root here: barman_user = root keeps it from switching to `barman`,
    which could not reach the temporary folder."""
    path.write_text(f"""[barman]
barman_user = root
barman_home = {home}
log_file = {home.parent / 'barman.log'}
log_level = INFO

[{SERVER}]
description = throwaway test cluster
conninfo = host=127.0.0.1 port={port} user=postgres dbname=postgres
streaming_conninfo = host=127.0.0.1 port={port} user=postgres
backup_method = postgres
streaming_archiver = on
slot_name = barman_test
path_prefix = {PG_BIN}
""")


def _switch_wal(conf: Path) -> None:
    """Until receive-wal (started by cron in the background) streams, a switched WAL file
    may never reach the archive: ask again."""
    for _attempt in range(6):
        run = subprocess.run(["barman", "-c", str(conf), "switch-wal", "--force", "--archive",
                              "--archive-timeout", "20", SERVER], capture_output=True, text=True,
                             timeout=60)
        if run.returncode == 0:
            return
        _barman(conf, "cron")
    raise AssertionError(f"no WAL file reached the Barman archive: {run.stdout} {run.stderr}")


@pytest.fixture(scope="module")
def barman() -> Iterator[Barman]:
    require(shutil.which("barman") is not None, "barman (apt install barman)")
    require(os.geteuid() == 0 and (PG_BIN / "initdb").exists(), "root and PostgreSQL 15")
    work = Path(tempfile.mkdtemp(prefix="erpc_barman_"))
    os.chmod(work, 0o755)
    shutil.chown(work, "postgres", "postgres")
    port, data, home, conf = free_port(), work / "data", work / "home", work / "barman.conf"
    _as_postgres(str(PG_BIN / "initdb"), "-A", "trust", "-U", "postgres", "-D", str(data))
    with (data / "postgresql.conf").open("a") as f:
        f.write(f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = "
                f"'{work}'\nwal_level = replica\nmax_wal_senders = 5\n"
                "max_replication_slots = 5\n")
    with (data / "pg_hba.conf").open("a") as f:
        f.write("host replication all 127.0.0.1/32 trust\n")
    home.mkdir()
    _write_conf(conf, home, port)
    _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(work / "pg.log"), "-w",
                 "start")
    try:
        _as_postgres(str(PG_BIN / "psql"), "-h", str(work), "-p", str(port), "-qc",
                     "CREATE TABLE partners AS SELECT g AS id FROM generate_series(1, 300) g")
        # A tablespace outside the data directory: a drill must recover it into its scratch
        # folder, never back to this live path.
        (work / "ts").mkdir()
        shutil.chown(work / "ts", "postgres", "postgres")
        for sql in (f"CREATE TABLESPACE erp_ts LOCATION '{work / 'ts'}'",
                    "CREATE TABLE orders TABLESPACE erp_ts AS SELECT g AS id FROM "
                    "generate_series(1, 40) g"):
            _as_postgres(str(PG_BIN / "psql"), "-h", str(work), "-p", str(port), "-qc", sql)
        _barman(conf, "receive-wal", "--create-slot", SERVER)
        _barman(conf, "cron")
        _switch_wal(conf)
        made_from = time.time()
        # No --name: Barman 3.4 sets the name after it saved backup.info, so it is lost.
        _barman(conf, "backup", "--wait", "--wait-timeout", "120", SERVER)
        made_until = time.time()
        _switch_wal(conf)  # a WAL file after the backup's: a lost one is then FAILED
        listed = json.loads(_barman(conf, "-f", "json", "list-backups", SERVER))
        backup_id = listed[SERVER][0]["backup_id"]
        cfg = BackupSetConfig("pg-barman", "barman", str(conf), stanza=SERVER)
        yield Barman(cfg, conf, home, backup_id, made_from, made_until,
                     f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
    finally:
        subprocess.run(["barman", "-c", str(conf), "receive-wal", "--stop", SERVER],
                       capture_output=True, timeout=60)
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D",
                        str(data), "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(work, ignore_errors=True)


def read(cfg: BackupSetConfig):
    return source_for(cfg).read(cfg, SecretStore(), None, {})


def _show(conf: Path, backup_id: str) -> dict:
    return json.loads(_barman(conf, "-f", "json", "show-backup", SERVER, backup_id))[SERVER]


def _copy(barman: Barman, tmp_path: Path) -> tuple[BackupSetConfig, Path]:
    """The Barman home copied (catalogue and WAL archive, not the live streaming folder) under
    a configuration of its own, to be damaged without touching the original."""
    home = tmp_path / "barman_home"  # tmp_path / "home" is the test's HOME
    shutil.copytree(barman.home, home, ignore=shutil.ignore_patterns("streaming", "incoming",
                                                                      "*.lock"))
    for sub in ("streaming", "incoming"):
        (home / SERVER / sub).mkdir(exist_ok=True)
    conf = tmp_path / "barman.conf"
    text = barman.conf.read_text().replace(f"barman_home = {barman.home}",
                                           f"barman_home = {home}")
    conf.write_text(text.replace("streaming_archiver = on", "streaming_archiver = off"))
    return BackupSetConfig("pg-barman", "barman", str(conf), stanza=SERVER), home / SERVER


def test_a_real_backup_is_listed_with_its_size_and_time(barman):
    status = read(barman.cfg)
    assert status.error == "" and status.note == "", status.error
    assert status.query == f"barman -c {barman.conf} -f json list-backups {SERVER}"
    (backup,) = status.backups
    shown = _show(barman.conf, barman.backup_id)["base_backup_information"]
    assert backup.id == barman.backup_id and backup.ok and backup.error == ""
    assert backup.kind == FULL and backup.location == SERVER
    assert backup.size_bytes == shown["disk_usage_with_wals_bytes"] > 10_000_000
    assert backup.finished == float(shown["end_time_timestamp"])
    assert int(barman.made_from) - 1 <= backup.finished <= barman.made_until + 1
    facts = dict(backup.facts)
    assert facts["status"] == "DONE" and facts["WAL size"].isdigit()
    assert "retention" not in facts  # Barman's "-": no retention policy


def test_a_real_backup_is_verified(barman):
    (backup,) = read(barman.cfg).backups
    result = source_for(barman.cfg).verify(barman.cfg, backup)
    assert result.ok, result.message
    assert result.method == "barman check-backup, verify-backup"
    assert result.message == (f"barman: backup {barman.backup_id} has all its WAL files, and "
                              "pg_verifybackup found every file intact")
    assert read(barman.cfg).backups[0].ok  # check-backup left it DONE


def test_a_damaged_data_file_fails_verification(barman, tmp_path):
    cfg, server = _copy(barman, tmp_path)
    (backup,) = read(cfg).backups
    files = server / "base" / barman.backup_id / "data" / "base"
    victim = next(p for p in sorted(files.rglob("*")) if p.is_file() and p.stat().st_size > 8192)
    with victim.open("r+b") as f:
        f.seek(100)
        f.write(b"garbage")
    result = source_for(cfg).verify(cfg, backup)
    assert not result.ok
    assert result.message.startswith(f"barman verify-backup: backup {barman.backup_id} failed "
                                     "the check of its files: verify backup failure"), \
        result.message
    assert "checksum mismatch for file" in result.message
    assert str(victim.relative_to(files.parent)) in result.message


def test_a_lost_wal_file_fails_the_backup(barman, tmp_path):
    cfg, server = _copy(barman, tmp_path)
    (backup,) = read(cfg).backups
    begin_wal = _show(Path(cfg.repo), barman.backup_id)["base_backup_information"]["begin_wal"]
    (server / "wals" / begin_wal[:16] / begin_wal).unlink()
    result = source_for(cfg).verify(cfg, backup)
    assert not result.ok
    assert result.message == (f"barman check-backup: backup {barman.backup_id} is FAILED: At "
                              "least one WAL file is missing. The first missing WAL file is "
                              f"{begin_wal}")
    (failed,) = read(cfg).backups  # Barman recorded it: the listing shows it failed
    assert not failed.ok and failed.error.startswith("Barman status FAILED: the backup did not "
                                                     "complete")
    # Barman drops the end time of a failed backup: it is placed by its ID (UTC)
    assert failed.size_bytes is None
    assert failed.finished == calendar.timegm(time.strptime(barman.backup_id, "%Y%m%dT%H%M%S"))


def test_unknown_server_and_backup_are_refused_clearly(barman):
    nope = BackupSetConfig("pg-barman", "barman", str(barman.conf), stanza="nope")
    assert read(nope).error == ("Barman refused: Unknown server 'nope'; check `stanza` (the "
                                "Barman server name) and `repo` (the Barman configuration file) "
                                "of the set")
    (backup,) = read(barman.cfg).backups
    gone = replace(backup, id="20990101T000000")
    result = source_for(barman.cfg).verify(barman.cfg, gone)
    assert not result.ok and result.message.startswith(
        "Barman refused: Unknown backup '20990101T000000' for server 'pg'"), result.message


def test_a_configuration_barman_cannot_read(barman, tmp_path):
    missing = BackupSetConfig("pg-barman", "barman", str(tmp_path / "none.conf"), stanza=SERVER)
    assert read(missing).error == (
        f"Barman cannot start on this workstation: Configuration file '{tmp_path / 'none.conf'}' "
        "does not exist; check `stanza` (the Barman server name) and `repo` (the Barman "
        "configuration file) of the set")
    server_file = tmp_path / "pg.conf"  # a server file of barman.d, not the main one
    text = barman.conf.read_text()
    server_file.write_text(text[text.index(f"[{SERVER}]"):])
    cfg = BackupSetConfig("pg-barman", "barman", str(server_file), stanza=SERVER)
    assert read(cfg).error.startswith("Barman cannot start on this workstation: No section: "
                                      "'barman'; check")


def test_barman_missing_from_path(monkeypatch, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    cfg = BackupSetConfig("pg-barman", "barman", "/etc/barman.conf", stanza=SERVER)
    assert read(cfg).error == "barman is not installed on this workstation: apt install barman"
    backup = Backup("pg-barman", "20261123T010002", FULL, time.time())
    result = source_for(cfg).verify(cfg, backup)
    assert not result.ok
    assert result.message == "barman is not installed on this workstation: apt install barman"


# --- the restore drill's cluster (drill_barman) ------------------------------------------------


def _drill(cfg: BackupSetConfig, backup: Backup) -> tuple[int, Path]:
    """`barman recover` into a scratch folder, a throwaway server on it, the rows counted;
    (rows, the scratch folder), which drop() has removed."""
    cluster = BarmanCluster(cfg, backup, "postgres", None, 600.0)
    try:
        cluster.restore()
        cluster.start()
        engine, conn = cluster.connect()
        try:
            rows = conn.exec_driver_sql("SELECT count(*) FROM partners").scalar_one()
        finally:
            conn.close()
            engine.dispose()
    finally:
        cluster.drop()
    return rows, cluster.root


def _servers_on(root: Path) -> list[str]:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [ln for ln in out.splitlines() if str(root) in ln]


def test_barman_recover_starts_a_throwaway_server_that_holds_the_rows(barman):
    (backup,) = read(barman.cfg).backups
    rows, root = _drill(barman.cfg, backup)
    assert rows == 300
    assert not root.exists() and _servers_on(root) == []


def test_barman_recover_as_its_own_barman_user(barman):
    """Barman run as root switches to barman_user: the scratch folder is handed to it."""
    require(_has_user("barman"), "the barman account (apt install barman)")
    work = Path(tempfile.mkdtemp(prefix="erpc_barman_user_"))
    try:
        os.chmod(work, 0o755)
        cfg, _server = _copy(barman, work)
        conf = Path(cfg.repo)
        conf.write_text(conf.read_text().replace("barman_user = root", "barman_user = barman")
                        .replace(f"log_file = {barman.home.parent / 'barman.log'}",
                                 f"log_file = {work / 'barman.log'}"))
        subprocess.run(["chown", "-R", "barman:barman", str(work)], check=True, timeout=60)
        (backup,) = read(cfg).backups
        rows, root = _drill(cfg, backup)
        assert rows == 300 and not root.exists()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def test_restore_drill_of_a_barman_backup_measures_and_checks_it(barman, monkeypatch):
    """The drill as the Backups page starts it: recover, throwaway server, row counts against
    the source cluster, a sanity query; recorded in the audit trail; nothing left behind."""
    from erpconsole.config import DatabaseConfig, Inventory
    from erpconsole.services.backups.drill import run_drill

    cfg = replace(barman.cfg, database="src", key_tables=("partners", "orders"),
                  sanity_queries=("SELECT 1 FROM partners WHERE id = 300",))
    inventory = Inventory(databases=(DatabaseConfig("src", barman.source_url),))
    (backup,) = read(cfg).backups
    phases: list[str] = []
    # A scratch parent of this test's own (postgres must reach it: not under pytest's 0700 tmp).
    parent = Path(tempfile.mkdtemp(prefix="erpc_barman_drill_"))
    os.chmod(parent, 0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(parent))
    live = barman.home.parent / "ts"  # the source cluster's own tablespace folder
    before = _tree(live)
    try:
        result = run_drill(cfg, backup, inventory, progress=lambda text, _f: phases.append(text))
        left = list(parent.iterdir())
    finally:
        shutil.rmtree(parent, ignore_errors=True)
    assert result.ok, result.message
    assert [(c.expected, c.got, c.ok) for c in result.checks] == [
        ("300", "300", True), ("40", "40", True), ("at least one row", "a row", True)]
    assert f"restoring backup {backup.id} with Barman" in phases
    assert result.target.startswith(str(parent / "erpconsole_drill_"))
    assert result.data_age_s is not None and result.data_age_s >= 0
    assert left == [] and _servers_on(parent) == []
    assert _tree(live) == before  # recovered into the scratch folder, not over the live one


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}
