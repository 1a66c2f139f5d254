"""Backup sources against the real tools: a pgBackRest stanza with a real backup of the
machine's PostgreSQL 15 in a temporary repository, restic and borg repositories holding a real
pg_dump, a folder of real dumps (some cut short), read here and on a real sshd host."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from erpconsole.config import HostConfig
from erpconsole.services.backups.models import DUMP, DUMPDIR, FULL, SNAPSHOT, BackupSetConfig
from erpconsole.services.backups.factory import source_for
from erpconsole.services.secrets import SecretStore
from tests.conftest import require
from tests.dbservers import unique
from tests.integration.sshd import free_port

pytestmark = pytest.mark.integration

PGDATA = "/var/lib/postgresql/15/main"
PASSWORD = "correct horse; battery 'staple'"


def tool(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, name)
    return path


@pytest.fixture(scope="module")
def dumps(pg_admin, tmp_path_factory) -> Iterator[Path]:
    """Real dumps of a fresh database: custom format, plain gzip, MariaDB, and two cut short."""
    tool("pg_dump")
    folder = tmp_path_factory.mktemp("dumps")
    name = unique("erpc_backup")
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        pg = ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-d", name]
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-qc",
                        "CREATE TABLE res_partner AS SELECT g AS id, md5(g::text) AS name "
                        "FROM generate_series(1, 20000) g"], check=True, timeout=30)
        subprocess.run([*pg, "-Fc", "-f", str(folder / "erp.dump")], check=True, timeout=60)
        plain = subprocess.run([*pg], check=True, capture_output=True, timeout=60).stdout
    finally:
        with pg_admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    (folder / "erp.sql.gz").write_bytes(gzip.compress(plain))
    my = subprocess.run([tool("mariadb-dump"), "-h", "127.0.0.1", "-u", "root", "mysql", "db"],
                        check=True, capture_output=True, timeout=60).stdout
    (folder / "mysql.sql").write_bytes(my)
    gz = (folder / "erp.sql.gz").read_bytes()
    (folder / "cut.sql.gz").write_bytes(gz[: len(gz) // 2])
    custom = (folder / "erp.dump").read_bytes()
    (folder / "cut.dump").write_bytes(custom[:-500])  # the table of contents is whole
    (folder / "notes.txt").write_text("not a dump")
    return folder


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read(cfg: BackupSetConfig, hosts: dict | None = None, known: Path | None = None, **kw):
    return source_for(cfg).read(cfg, SecretStore(), known, hosts or {}, **kw)


# --- dump folder ----------------------------------------------------------------------------


def test_dumpdir_lists_real_dumps_with_their_checksums(dumps):
    cfg = BackupSetConfig("dumps", "dumpdir", str(dumps))
    status = read(cfg)
    assert status.error == "" and status.query.startswith(f"find -H {dumps} -maxdepth 1")
    by_id = {b.id: b for b in status.backups}
    # notes.txt matches no pattern
    assert set(by_id) == {"erp.dump", "erp.sql.gz", "cut.sql.gz", "cut.dump", "mysql.sql"}
    for name, backup in by_id.items():
        assert backup.kind == DUMP and backup.checksum == sha256(dumps / name)
        assert backup.size_bytes == (dumps / name).stat().st_size
        assert backup.finished == pytest.approx((dumps / name).stat().st_mtime, abs=0.01)
    finished = [b.finished for b in status.backups]
    assert finished == sorted(finished)


def test_dumpdir_verify_passes_whole_dumps_and_fails_cut_ones(dumps):
    cfg = BackupSetConfig("dumps", "dumpdir", str(dumps))
    source = source_for(cfg)
    by_id = {b.id: b for b in read(cfg).backups}
    good = source.verify(cfg, by_id["erp.sql.gz"])
    assert good.ok and good.method == "gzip -t" and by_id["erp.sql.gz"].checksum in good.message
    dump = source.verify(cfg, by_id["erp.dump"])
    assert dump.ok and dump.method == "pg_restore --list", dump.message
    cut_gz = source.verify(cfg, by_id["cut.sql.gz"])
    assert not cut_gz.ok and cut_gz.message.startswith("gzip -t failed: cut.sql.gz is not a "
                                                       "complete gzip file")
    cut_dump = source.verify(cfg, by_id["cut.dump"])
    assert not cut_dump.ok and "could not read every data block of cut.dump" in cut_dump.message
    plain = source.verify(cfg, by_id["mysql.sql"])
    assert plain.ok and plain.method == "sha256"


def test_dumpdir_verify_sees_a_changed_or_headless_file(dumps, tmp_path):
    head = tmp_path / "head.dump"
    head.write_bytes((dumps / "erp.dump").read_bytes()[:300])
    cfg = BackupSetConfig("d", "dumpdir", str(tmp_path))
    source = source_for(cfg)
    (backup,) = read(cfg).backups
    result = source.verify(cfg, backup)
    assert not result.ok and result.message.startswith("pg_restore --list failed: head.dump")
    head.write_bytes((dumps / "erp.dump").read_bytes())  # whole, but not the file listed
    changed = source.verify(cfg, backup)
    assert not changed.ok and changed.message.startswith("the file changed since it was listed")
    head.unlink()
    gone = source.verify(cfg, backup)
    assert not gone.ok and "head.dump is no longer in the folder" in gone.message


def test_dumpdir_missing_folder(tmp_path):
    cfg = BackupSetConfig("d", "dumpdir", str(tmp_path / "nowhere"))
    status = read(cfg)
    assert status.backups == () and status.error == (
        f"the folder {tmp_path / 'nowhere'} does not exist on this workstation: check `repo` "
        "of the set")


@pytest.fixture
def backup_host(sshd, tmp_path, client_keys):
    def start() -> HostConfig:
        server = sshd()
        user_file = tmp_path / f"user_known_hosts{server.port}"
        user_file.write_text(server.known_hosts_line)
        return HostConfig(name="erp-backup-1", address="127.0.0.1", port=server.port,
                          user="root", key_file=str(client_keys.plain),
                          known_hosts=str(user_file))
    return start


def test_dumpdir_read_over_ssh(dumps, backup_host, tmp_path):
    host = backup_host()
    cfg = BackupSetConfig("dumps", "dumpdir", str(dumps), host=host.name)
    status = read(cfg, {host.name: host}, tmp_path / "own_known_hosts", timeout_s=15)
    assert status.error == ""
    local = read(BackupSetConfig("dumps", "dumpdir", str(dumps)))
    assert [(b.id, b.checksum, b.size_bytes) for b in status.backups] == \
        [(b.id, b.checksum, b.size_bytes) for b in local.backups]
    gz = next(b for b in status.backups if b.id == "erp.sql.gz")
    result = source_for(cfg).verify(cfg, gz, SecretStore(), tmp_path / "own_known_hosts", {host.name: host})
    assert result.ok and result.method == "gzip -t", result.message


def test_unreachable_host_and_unknown_host(tmp_path):
    host = HostConfig(name="erp-gone", address="127.0.0.1", port=free_port(), user="root")
    cfg = BackupSetConfig("dumps", "dumpdir", "/srv/dumps", host="erp-gone")
    status = read(cfg, {"erp-gone": host}, tmp_path / "own", timeout_s=5)
    assert status.backups == () and "erp-gone" in status.error and status.query
    missing = read(BackupSetConfig("x", "dumpdir", "/srv", host="nope"))
    assert missing.error.startswith("the backup set names host nope, which is not in the "
                                    "inventory")


# --- restic ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def restic_folder(dumps, tmp_path_factory) -> Path:
    restic = tool("restic")
    repo = tmp_path_factory.mktemp("restic") / "repo"
    env = {**os.environ, "RESTIC_PASSWORD": PASSWORD}
    subprocess.run([restic, "-r", str(repo), "init", "-q"], env=env, check=True, timeout=60)
    subprocess.run([restic, "-r", str(repo), "backup", "-q", "--tag", "nightly", "--host",
                    "erp-db-1", str(dumps / "erp.dump")], env=env, check=True, timeout=60)
    return repo


@pytest.fixture
def restic_repo(restic_folder, memory_keyring) -> BackupSetConfig:
    SecretStore().set("backup:files", PASSWORD)
    return BackupSetConfig("files", "restic", str(restic_folder))


def test_restic_reads_and_checks_a_real_repository(restic_repo, dumps):
    status = read(restic_repo)
    assert status.error == ""
    (snap,) = status.backups
    facts = dict(snap.facts)
    assert status.query == (f"restic -r {restic_repo.repo} snapshots --json --no-lock; restic -r "
                            f"{restic_repo.repo} stats --json --no-lock --mode restore-size {facts['id']}")
    assert snap.size_bytes == (dumps / "erp.dump").stat().st_size  # restic 0.14 lists none
    assert snap.kind == SNAPSHOT and len(snap.id) == 8 and facts["id"].startswith(snap.id)
    assert facts["paths"] == str(dumps / "erp.dump") and facts["host"] == "erp-db-1"
    assert facts["tags"] == "nightly" and PASSWORD not in status.query
    check = source_for(restic_repo).verify(restic_repo, snap)
    assert check.ok and check.method == "restic check", check.message


def test_restic_wrong_password_missing_repo_no_password(restic_repo, memory_keyring, tmp_path):
    SecretStore().set("backup:files", "wrong")
    assert read(restic_repo).error == ("the repository refused the password: store it with "
                                       "`erpconsole secret set backup:files`")
    SecretStore().delete("backup:files")
    assert read(restic_repo).error == ("no password for the restic repository of files: store "
                                       "it with `erpconsole secret set backup:files`")
    SecretStore().set("backup:gone", PASSWORD)
    gone = BackupSetConfig("gone", "restic", str(tmp_path / "nothing"))
    assert read(gone).error == (f"there is no restic repository at {tmp_path / 'nothing'} on "
                                "this workstation: check `repo` of the set")


def test_missing_tool(restic_repo, monkeypatch, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert read(restic_repo).error == "restic is not installed on this workstation: apt install " \
                                      "restic"
    borg = BackupSetConfig("b", "borg", str(tmp_path))
    assert read(borg).error == "borg is not installed on this workstation: apt install borgbackup"


def test_restic_over_ssh_gets_its_password_on_stdin(restic_repo, backup_host, tmp_path):
    host = backup_host()
    cfg = BackupSetConfig("files", "restic", restic_repo.repo, host=host.name)
    status = read(cfg, {host.name: host}, tmp_path / "own_known_hosts", timeout_s=20)
    assert status.error == "" and len(status.backups) == 1


# --- borg -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def borg_folder(dumps, tmp_path_factory) -> Path:
    borg = tool("borg")
    repo = tmp_path_factory.mktemp("borg") / "repo"
    env = {**os.environ, "BORG_PASSPHRASE": PASSWORD}
    subprocess.run([borg, "init", "-e", "repokey", str(repo)], env=env, check=True,
                   timeout=60, capture_output=True)
    subprocess.run([borg, "create", f"{repo}::erp-1", str(dumps / "erp.dump")], env=env,
                   check=True, timeout=60, stdin=subprocess.DEVNULL)
    return repo


@pytest.fixture
def borg_repo(borg_folder, memory_keyring) -> BackupSetConfig:
    SecretStore().set("backup:borg", PASSWORD)
    return BackupSetConfig("borg", "borg", str(borg_folder))


def test_borg_reads_and_checks_a_real_repository(borg_repo, dumps):
    status = read(borg_repo)
    assert status.error == ""
    (archive,) = status.backups
    assert archive.id == "erp-1" and archive.kind == SNAPSHOT
    assert archive.size_bytes == (dumps / "erp.dump").stat().st_size
    # a compressed dump does not shrink: what it takes may exceed its size a little
    assert 0 < archive.stored_bytes and archive.finished >= archive.started
    assert status.query.startswith(f"borg list --json {borg_repo.repo}")
    check = source_for(borg_repo).verify(borg_repo, archive)
    assert check.ok and check.method == "borg check --repository-only", check.message


def test_borg_wrong_and_missing_passphrase_and_repository(borg_repo, memory_keyring, tmp_path):
    SecretStore().set("backup:borg", "wrong")
    assert read(borg_repo).error == ("the repository refused the password: store it with "
                                     "`erpconsole secret set backup:borg`")
    SecretStore().delete("backup:borg")
    assert read(borg_repo).error.startswith("the repository is encrypted and no passphrase is "
                                            "stored: store it with")
    gone = BackupSetConfig("borg", "borg", str(tmp_path / "nothing"))
    assert read(gone).error == (f"there is no borg repository at {tmp_path / 'nothing'} on "
                                "this workstation: check `repo` of the set")


# --- pgBackRest -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stanza(tmp_path_factory, pg_admin) -> BackupSetConfig:
    """A stanza in a temporary repository with one real full backup of the shared cluster.
    archive_mode is off on the shared server, so the backup skips the archive check."""
    pgbackrest = tool("pgbackrest")
    require(os.access(PGDATA, os.R_OK), f"read access to {PGDATA} (run as root or postgres)")
    work = tmp_path_factory.mktemp("pgbackrest")
    name = unique("erp")
    base = [pgbackrest, "--no-config", f"--stanza={name}", f"--repo1-path={work / 'repo'}",
            f"--pg1-path={PGDATA}", "--pg1-user=postgres", f"--lock-path={work / 'lock'}",
            "--log-level-file=off", "--log-level-console=error"]
    subprocess.run([*base, "stanza-create"], check=True, timeout=60)
    subprocess.run([*base, "--no-archive-check", "--repo1-retention-full=9", "--type=full",
                    "--start-fast", "backup"],
                   check=True, timeout=120)
    return BackupSetConfig("pg", "pgbackrest", str(work / "repo"), stanza=name)


def test_pgbackrest_reads_and_verifies_a_real_backup(stanza):
    status = read(stanza)
    assert status.error == "", status.error
    assert status.query == (f"pgbackrest --stanza={stanza.stanza} --repo1-path={stanza.repo} "
                            "--log-level-file=off info --output=json")
    (full,) = status.backups
    assert full.kind == FULL and full.ok and full.id.endswith("F")
    assert full.size_bytes > 1_000_000 and 0 < full.stored_bytes < full.size_bytes
    assert full.started <= full.finished
    assert dict(full.facts)["WAL archive"] == "none archived"
    result = source_for(stanza).verify(stanza, full)
    assert result.ok and "is valid" in result.message, result.message


def test_pgbackrest_verify_finds_a_damaged_file(stanza, tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(stanza.repo, copy)
    cfg = BackupSetConfig("pg", "pgbackrest", str(copy), stanza=stanza.stanza)
    (full,) = read(cfg).backups
    files = copy / "backup" / stanza.stanza / full.id / "pg_data"
    victim = next(p for p in files.rglob("*.gz") if p.stat().st_size > 4096)
    with victim.open("r+b") as f:
        f.seek(100)
        f.write(b"garbage")
    result = source_for(cfg).verify(cfg, full)
    assert not result.ok and f"backup {full.id} is invalid" in result.message
    assert "checksum invalid: 1" in result.message


def test_pgbackrest_missing_stanza(stanza):
    cfg = BackupSetConfig("pg", "pgbackrest", stanza.repo, stanza="nope")
    assert read(cfg).error == (f"pgBackRest cannot read stanza nope in {stanza.repo}: missing "
                               "stanza path; check `stanza` and `repo` of the set (a new stanza "
                               "needs `pgbackrest stanza-create`)")


def test_dumpdir_reads_only_new_dumps_for_their_checksum(tmp_path):
    """Listed every few minutes: a dump older than two days is not read again for its checksum
    (verify still reads it in full)."""
    folder = tmp_path / "dumps"
    folder.mkdir()
    (folder / "new.sql.gz").write_bytes(gzip.compress(b"select 1;\n"))
    old = folder / "old.sql.gz"
    old.write_bytes(gzip.compress(b"select 2;\n"))
    three_days = time.time() - 3 * 86400
    os.utime(old, (three_days, three_days))
    cfg = BackupSetConfig("dumps", DUMPDIR, str(folder), pattern="*.sql.gz")
    status = source_for(cfg).read(cfg, SecretStore(), None, {})
    by_id = {b.id: b for b in status.backups}
    assert by_id["new.sql.gz"].checksum == sha256(folder / "new.sql.gz")
    assert by_id["old.sql.gz"].checksum == "" and by_id["old.sql.gz"].size_bytes == old.stat().st_size
    assert status.error == ""
    result = source_for(cfg).verify(cfg, by_id["old.sql.gz"], SecretStore(), None, {})
    assert result.ok and sha256(old) in result.message
