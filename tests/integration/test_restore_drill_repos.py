"""Restore drills of real restic and Borg repositories holding a real pg_dump, and of real
pgBackRest backups: restored on this workstation, counted, the dump drilled into a scratch
database, a throwaway server started on a restored cluster, and nothing left afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from erpconsole.config import DatabaseConfig, Inventory
from erpconsole.services.backups.drill import SCRATCH_PREFIX, run_drill
from erpconsole.services.backups.models import FULL, SNAPSHOT, Backup, BackupSetConfig
from erpconsole.services.secrets import SecretStore
from tests.conftest import require
from tests.dbservers import PG_ADMIN, unique
from tests.integration.sshd import free_port

pytestmark = pytest.mark.integration

PASSWORD = "correct horse; battery 'staple'"
SANE = "SELECT 1 FROM partners WHERE name = 'Acme'"
PGDATA = "/var/lib/postgresql/15/main"
PG_BIN = "/usr/lib/postgresql/15/bin"


def tool(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, name)
    return path


def _scratch_dbs(pg_admin) -> set[str]:
    with pg_admin.connect() as conn:
        return {r[0] for r in conn.execute(text(
            "SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": SCRATCH_PREFIX + "%"})}


def _scratch_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob(SCRATCH_PREFIX + "*")}


@pytest.fixture(scope="module")
def source(pg_admin, tmp_path_factory):
    """(inventory, folder with erp.dump and notes.txt): a database with rows and its pg_dump."""
    tool("pg_dump")
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + unique("erpc_drill_src")
    name = make_url(url).database
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE partners (id int PRIMARY KEY, name text)"))
        conn.execute(text("INSERT INTO partners VALUES (1, 'Acme'), (2, 'Globex')"))
        conn.execute(text("CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 300) g"))
    engine.dispose()
    folder = tmp_path_factory.mktemp("payload")
    subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-Fc", "-f",
                    str(folder / "erp.dump"), name], check=True, timeout=60)
    (folder / "notes.txt").write_text("nightly dump\n")
    yield Inventory(databases=(DatabaseConfig("erp", url),)), folder
    with pg_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def restic_repo(source, tmp_path_factory) -> tuple[Path, str]:
    restic = tool("restic")
    repo = tmp_path_factory.mktemp("restic") / "repo"
    env = {**os.environ, "RESTIC_PASSWORD": PASSWORD}
    subprocess.run([restic, "-r", str(repo), "init", "-q"], env=env, check=True, timeout=60)
    subprocess.run([restic, "-r", str(repo), "backup", "-q", str(source[1])], env=env, check=True,
                   timeout=60)
    out = subprocess.run([restic, "-r", str(repo), "snapshots", "--json"], env=env, check=True,
                         timeout=60, capture_output=True, text=True).stdout
    return repo, json.loads(out)[0]["short_id"]


@pytest.fixture(scope="module")
def borg_repo(source, tmp_path_factory) -> Path:
    borg = tool("borg")
    repo = tmp_path_factory.mktemp("borg") / "repo"
    env = {**os.environ, "BORG_PASSPHRASE": PASSWORD}
    subprocess.run([borg, "init", "-e", "repokey", str(repo)], env=env, check=True, timeout=60,
                   capture_output=True)
    subprocess.run([borg, "create", f"{repo}::erp-1", str(source[1])], env=env, check=True,
                   timeout=60, stdin=subprocess.DEVNULL)
    return repo


def _cfg(tool_name: str, repo: Path, **kw) -> BackupSetConfig:
    base = dict(name="files", tool=tool_name, repo=str(repo), database="erp",
                drill_target=PG_ADMIN, key_tables=("partners", "orders"), sanity_queries=(SANE,))
    return BackupSetConfig(**{**base, **kw})


def _snap(backup_id: str, repo: Path) -> Backup:
    return Backup("files", backup_id, SNAPSHOT, time.time() - 600, location=str(repo))


@pytest.mark.parametrize("which", ["restic", "borg"])
def test_drill_restores_counts_and_drills_the_dump_inside(which, source, restic_repo, borg_repo,
                                                         pg_admin, memory_keyring):
    inventory, _folder = source
    repo, backup_id = restic_repo if which == "restic" else (borg_repo, "erp-1")
    SecretStore().set("backup:files", PASSWORD)
    before, before_dirs = _scratch_dbs(pg_admin), _scratch_dirs()
    result = run_drill(_cfg(which, repo), _snap(backup_id, repo), inventory)
    assert result.ok, result.message
    names = [c.name for c in result.checks]
    assert names[:2] == ["files restored", "bytes restored"]
    assert result.checks[0].got == "2" == result.checks[0].expected
    assert int(result.checks[1].got) > 1000 and result.checks[1].ok
    assert [(c.expected, c.got) for c in result.checks[2:]] == [
        ("2", "2"), ("300", "300"), ("at least one row", "a row")]
    assert "restored erp.dump" in result.message and 590 < result.data_age_s < 700
    assert result.target.rsplit("/", 1)[1].startswith(SCRATCH_PREFIX)
    assert _scratch_dbs(pg_admin) == before and _scratch_dirs() == before_dirs


@pytest.mark.parametrize("which", ["restic", "borg"])
def test_files_only_drill_without_drill_target(which, restic_repo, borg_repo, memory_keyring):
    repo, backup_id = restic_repo if which == "restic" else (borg_repo, "erp-1")
    SecretStore().set("backup:files", PASSWORD)
    before = _scratch_dirs()
    result = run_drill(_cfg(which, repo, drill_target=None), _snap(backup_id, repo), Inventory())
    assert result.ok, result.message
    assert [c.name for c in result.checks] == ["files restored", "bytes restored"]
    assert not Path(result.target).exists() and _scratch_dirs() == before


@pytest.mark.parametrize("which", ["restic", "borg"])
def test_wrong_password_fails_clearly_and_leaves_nothing(which, restic_repo, borg_repo, pg_admin,
                                                        memory_keyring, source):
    repo, backup_id = restic_repo if which == "restic" else (borg_repo, "erp-1")
    SecretStore().set("backup:files", "wrong")
    before_dbs, before_dirs = _scratch_dbs(pg_admin), _scratch_dirs()
    result = run_drill(_cfg(which, repo), _snap(backup_id, repo), source[0])
    assert not result.ok
    assert result.message.startswith("the repository refused the password"), result.message
    assert _scratch_dbs(pg_admin) == before_dbs and _scratch_dirs() == before_dirs


@pytest.mark.parametrize("which", ["restic", "borg"])
def test_cancel_mid_restore_leaves_nothing(which, tmp_path, pg_admin, memory_keyring):
    """A snapshot of 300 MB of random data restores for longer than the cancel takes."""
    prog = tool(which)
    payload = tmp_path / "big"
    payload.mkdir()
    with (payload / "blob.bin").open("wb") as f:
        for _i in range(300):
            f.write(os.urandom(1 << 20))
    repo = tmp_path / "repo"
    env = {**os.environ, "RESTIC_PASSWORD": PASSWORD, "BORG_PASSPHRASE": PASSWORD}
    if which == "restic":
        subprocess.run([prog, "-r", str(repo), "init", "-q"], env=env, check=True, timeout=60)
        subprocess.run([prog, "-r", str(repo), "backup", "-q", str(payload)], env=env, check=True,
                       timeout=120)
        backup_id = "latest"
    else:
        subprocess.run([prog, "init", "-e", "repokey", str(repo)], env=env, check=True,
                       capture_output=True, timeout=60)
        subprocess.run([prog, "create", "--compression", "none", f"{repo}::big", str(payload)],
                       env=env, check=True, timeout=120, stdin=subprocess.DEVNULL)
        backup_id = "big"
    SecretStore().set("backup:files", PASSWORD)
    before = _scratch_dirs()
    cancel = threading.Event()
    phases: list[str] = []

    def progress(text_: str, _f: float) -> None:
        phases.append(text_)
        if text_.startswith("restoring big") or text_.startswith("restoring latest"):
            threading.Timer(0.3, cancel.set).start()
    t0 = time.monotonic()
    result = run_drill(_cfg(which, repo), _snap(backup_id, repo), Inventory(), cancel=cancel,
                       progress=progress)
    assert time.monotonic() - t0 < 30
    assert not result.ok and result.message.startswith("cancelled; the restore was stopped"), \
        result.message
    assert _scratch_dirs() == before and not Path(result.target).exists()


# --- pgBackRest ------------------------------------------------------------------------------


def _as_postgres(*argv: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=True,
                          capture_output=True, timeout=120, **kw)


@pytest.fixture(scope="module")
def archived_cluster():
    """A throwaway PostgreSQL 15 cluster with WAL archiving to pgBackRest and one full backup,
    all owned by postgres (the shared server has archive_mode off; see the next fixture)."""
    tool("pgbackrest")
    require(os.geteuid() == 0 and Path(PG_BIN, "initdb").exists(), "root and PostgreSQL 15")
    work = Path(tempfile.mkdtemp(prefix="erpc_pgbr_"))
    os.chmod(work, 0o755)
    shutil.chown(work, "postgres", "postgres")
    port, stanza = free_port(), unique("erp")
    data, repo = work / "data", work / "repo"
    push = [f"--stanza={stanza}", f"--repo1-path={repo}", f"--pg1-path={data}",
            f"--lock-path={work / 'lock'}", "--log-level-file=off", "--log-level-console=error",
            "--no-config"]
    opts = [*push, f"--pg1-port={port}", f"--pg1-socket-path={work}"]
    _as_postgres(f"{PG_BIN}/initdb", "-A", "trust", "-U", "postgres", "-D", str(data))
    with (data / "postgresql.conf").open("a") as f:
        f.write(f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = "
                f"'{work}'\narchive_mode = on\nwal_level = replica\narchive_command = "
                f"'pgbackrest {' '.join(push)} archive-push %p'\n")
    _as_postgres(f"{PG_BIN}/pg_ctl", "-D", str(data), "-l", str(work / "log"), "-w", "start")
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/erp"
        _as_postgres(f"{PG_BIN}/createdb", "-h", str(work), "-p", str(port), "erp")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE partners (id int PRIMARY KEY, name text)"))
            conn.execute(text("INSERT INTO partners VALUES (1, 'Acme'), (2, 'Globex')"))
        # orders lives in a tablespace outside the data directory: the drill must restore it
        # into its scratch folder, never over this live one.
        (work / "ts").mkdir()
        shutil.chown(work / "ts", "postgres", "postgres")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"CREATE TABLESPACE erp_ts LOCATION '{work / 'ts'}'"))
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE orders TABLESPACE erp_ts AS "
                              "SELECT g AS id FROM generate_series(1, 300) g"))
        engine.dispose()
        _as_postgres("pgbackrest", *opts, "stanza-create")
        _as_postgres("pgbackrest", *opts, "--type=full", "--start-fast", "backup")
        info = _as_postgres("pgbackrest", *push[:2], "--no-config", "info", "--output=json", text=True).stdout
        label = json.loads(info)[0]["backup"][0]["label"]
        yield BackupSetConfig("pg", "pgbackrest", str(repo), stanza=stanza, database="erp",
                              key_tables=("partners", "orders"), sanity_queries=(SANE,)), \
            Inventory(databases=(DatabaseConfig("erp", url),)), label
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D", str(data),
                        "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(work, ignore_errors=True)


def _drill_servers() -> list[str]:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [ln for ln in out.splitlines() if SCRATCH_PREFIX in ln and "postgres" in ln]


def test_pgbackrest_drill_starts_a_throwaway_server_checks_and_removes_it(archived_cluster):
    cfg, inventory, label = archived_cluster
    phases: list[str] = []
    live = Path(cfg.repo).parent / "ts"  # the source cluster's own tablespace folder
    before = _tree(live)
    result = run_drill(cfg, Backup("pg", label, FULL, time.time() - 60, location=cfg.repo),
                       inventory, progress=lambda t, f: phases.append(t))
    assert result.ok, result.message
    assert [(c.expected, c.got) for c in result.checks] == [
        ("2", "2"), ("300", "300"), ("at least one row", "a row")]
    assert "starting a throwaway PostgreSQL on the restored data" in phases
    assert not Path(result.target).exists() and _drill_servers() == []
    assert before and _tree(live) == before  # restored into the scratch folder, not over it


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}


_AS_USER = """
import json, sys, time
from erpconsole.config import DatabaseConfig, Inventory
from erpconsole.services.backups.drill import run_drill
from erpconsole.services.backups.models import FULL, Backup, BackupSetConfig
a = json.loads(sys.argv[1])
cfg = BackupSetConfig("pg", "pgbackrest", a["repo"], stanza=a["stanza"], database="erp",
                      key_tables=("partners", "orders"))
r = run_drill(cfg, Backup("pg", a["label"], FULL, time.time() - 60, location=a["repo"]),
              Inventory(databases=(DatabaseConfig("erp", a["url"]),)))
print(json.dumps({"ok": r.ok, "message": r.message, "target": r.target,
                  "checks": [[c.expected, c.got] for c in r.checks]}))
"""


def test_pgbackrest_drill_as_an_ordinary_user(archived_cluster):
    """The console on an admin's workstation does not run as root: the throwaway server then
    runs as that user. Here the user is postgres, who owns the repository, run by this test
    with the system's Python 3.11 and this checkout's packages."""
    import sys
    import sysconfig

    import erpconsole

    cfg, inventory, label = archived_cluster
    python = "/usr/bin/python3.11"
    require(sys.version_info[:2] == (3, 11) and Path(python).exists(), "the system's python3.11")
    path = f"{Path(erpconsole.__file__).parents[1]}:{sysconfig.get_paths()['purelib']}"
    as_postgres = ["runuser", "-u", "postgres", "--", "env", f"PYTHONPATH={path}",
                   "HOME=/var/lib/postgresql", "TMPDIR=/tmp", python]
    probe = subprocess.run([*as_postgres, "-c", "import erpconsole.services.backups.drill"],
                           capture_output=True, text=True, timeout=120)
    require(probe.returncode == 0, f"this checkout readable by postgres ({probe.stderr[-200:]})")
    args = {"repo": cfg.repo, "stanza": cfg.stanza, "label": label,
            "url": inventory.databases[0].url}
    run = subprocess.run([*as_postgres, "-c", _AS_USER, json.dumps(args)], capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["ok"], out["message"]
    assert out["checks"] == [["2", "2"], ["300", "300"]]
    assert not Path(out["target"]).exists() and _drill_servers() == []


def test_pgbackrest_backup_without_archived_wal_is_refused_and_leaves_nothing(pg_admin):
    """The shared server runs with archive_mode off: its backup (--no-archive-check) lacks the
    WAL a restore needs, and the drill says so instead of starting a server that fails."""
    pgbackrest = tool("pgbackrest")
    require(os.access(PGDATA, os.R_OK), f"read access to {PGDATA}")
    work = Path(tempfile.mkdtemp(prefix="erpc_pgbr_"))
    try:
        stanza = unique("erp")
        base = [pgbackrest, "--no-config", f"--stanza={stanza}", f"--repo1-path={work / 'repo'}",
                f"--pg1-path={PGDATA}", "--pg1-user=postgres", f"--lock-path={work / 'lock'}",
                "--log-level-file=off", "--log-level-console=error"]
        subprocess.run([*base, "stanza-create"], check=True, timeout=60)
        subprocess.run([*base, "--no-archive-check", "--type=full", "--start-fast",
                        "--repo1-retention-full=9", "backup"], check=True, timeout=120)
        cfg = BackupSetConfig("pg", "pgbackrest", str(work / "repo"), stanza=stanza)
        info = [pgbackrest, "--no-config", f"--stanza={stanza}", f"--repo1-path={work / 'repo'}"]
        out = subprocess.run([*info, "info", "--output=json"], capture_output=True, text=True,
                             check=True, timeout=60).stdout
        label = json.loads(out)[0]["backup"][0]["label"]
        before = _scratch_dirs()
        result = run_drill(cfg, Backup("pg", label, FULL, time.time(), location=cfg.repo),
                           Inventory())
        assert not result.ok
        assert "is not in the repository's archive" in result.message, result.message
        assert "archive_mode off or --no-archive-check" in result.message
        assert _scratch_dirs() == before and _drill_servers() == []
    finally:
        shutil.rmtree(work, ignore_errors=True)
