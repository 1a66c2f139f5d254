"""Restore drills against the machine's real PostgreSQL and MariaDB: real dumps made with
pg_dump / mariadb-dump, restored by run_drill into scratch databases that must be gone after."""

from __future__ import annotations

from dataclasses import replace

import gzip
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from erpconsole.config import DatabaseConfig, Inventory
from erpconsole.services.backups.drill import SCRATCH_PREFIX, run_drill
from erpconsole.services.backups.models import BARMAN, DUMP, DUMPDIR, Backup, BackupSetConfig
from erpconsole.services.store import Store
from tests.conftest import require
from tests.dbservers import MY_ADMIN, PG_ADMIN

ROWS = {"partners": 3, "orders": 250}
SCHEMA = ["CREATE TABLE partners (id int PRIMARY KEY, name varchar(40) NOT NULL)",
          "CREATE TABLE orders (id int PRIMARY KEY, partner_id int NOT NULL, total numeric(10,2))",
          "INSERT INTO partners VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech')"]
SANE = "SELECT 1 FROM partners WHERE name = 'Acme'"


def _fill(url: str, orders_sql: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for sql in SCHEMA + [orders_sql]:
            conn.execute(text(sql))
    engine.dispose()


def _config(tmp_path: Path, target: str, **kw) -> BackupSetConfig:
    base = dict(name="erp-dumps", tool=DUMPDIR, repo=str(tmp_path), database="erp",
                drill_target=target, key_tables=("partners", "orders"), sanity_queries=(SANE,))
    return BackupSetConfig(**{**base, **kw})


def _backup(path: Path, age_s: float = 3600.0) -> Backup:
    return Backup("erp-dumps", path.name, DUMP, time.time() - age_s, location=str(path),
                  size_bytes=path.stat().st_size)


def _pg_scratch(pg_admin) -> set[str]:
    with pg_admin.connect() as conn:
        return {r[0] for r in conn.execute(text(
            "SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": SCRATCH_PREFIX + "%"})}


def _my_scratch(my_admin) -> set[str]:
    with my_admin.connect() as conn:
        return {r[0] for r in conn.execute(text(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE :p"),
            {"p": SCRATCH_PREFIX + "%"})}


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    yield s
    s.close()


@pytest.fixture
def pg_source(pg_database, tmp_path):
    """(inventory, dump path): a fresh database with rows, and its pg_dump -Fc."""
    require(shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None,
            "pg_dump / pg_restore")
    url = pg_database()
    _fill(url, "INSERT INTO orders SELECT g, 1 + g % 3, g * 1.5 FROM generate_series(1, 250) g")
    dump = tmp_path / "erp.dump"
    subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-Fc", "-f", str(dump),
                    make_url(url).database], check=True, timeout=60)
    return Inventory(databases=(DatabaseConfig("erp", url),)), dump


@pytest.fixture
def my_source(my_database, tmp_path):
    require(shutil.which("mariadb-dump") is not None and shutil.which("mariadb") is not None,
            "mariadb-dump / mariadb")
    url = my_database()
    _fill(url, "INSERT INTO orders SELECT seq, 1 + seq % 3, seq * 1.5 FROM seq_1_to_250")
    dump = tmp_path / "erp.sql.gz"
    out = subprocess.run(["mariadb-dump", "-h", "127.0.0.1", "-u", "root", "--single-transaction",
                          make_url(url).database], check=True, timeout=60, capture_output=True)
    dump.write_bytes(gzip.compress(out.stdout))
    return Inventory(databases=(DatabaseConfig("erp", url),)), dump


def test_pg_drill_restores_checks_times_audits_and_drops(pg_admin, pg_source, tmp_path, store):
    inventory, dump = pg_source
    phases: list[tuple[str, float]] = []
    result = run_drill(_config(tmp_path, PG_ADMIN), _backup(dump, 3600), inventory,
                       progress=lambda t, f: phases.append((t, f)), actor="alice@ws1",
                       audit=store.audit)
    assert result.ok, result.message
    assert result.duration_s > 0 and result.finished > result.started
    assert 3590 < result.data_age_s < 3700
    assert [(c.expected, c.got, c.ok) for c in result.checks] == [
        ("3", "3", True), ("250", "250", True), ("at least one row", "a row", True)]
    scratch = result.target.rsplit("/", 1)[1]
    assert scratch.startswith(SCRATCH_PREFIX) and scratch not in _pg_scratch(pg_admin)
    fractions = [f for _t, f in phases]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(t.startswith("restoring erp.dump") for t, _f in phases)
    entries = [e for e in store.audit.entries(target="erp-dumps") if e.action == "backup.drill"]
    details = [json.loads(e.details) for e in sorted(entries, key=lambda e: e.id)]
    assert [d["event"] for d in details] == ["requested", "finished"]
    assert details[1]["ok"] is True and details[1]["scratch"] == result.target
    assert {e.actor for e in entries} == {"alice@ws1"} and result.actor == "alice@ws1"


def test_pg_drill_of_a_truncated_dump_fails_clearly_and_leaves_nothing(pg_admin, pg_source,
                                                                      tmp_path):
    inventory, dump = pg_source
    data = dump.read_bytes()
    cut = tmp_path / "cut.dump"
    cut.write_bytes(data[: len(data) * 2 // 3])
    before = _pg_scratch(pg_admin)
    result = run_drill(_config(tmp_path, PG_ADMIN), _backup(cut), inventory)
    assert not result.ok
    assert "the restore of cut.dump failed" in result.message and "pg_restore" in result.message
    assert "damaged" in result.message
    assert _pg_scratch(pg_admin) == before
    assert result.target and result.target.rsplit("/", 1)[1] not in before


def test_pg_drill_fails_when_a_sanity_query_returns_no_rows(pg_admin, pg_source, tmp_path):
    inventory, dump = pg_source
    cfg = _config(tmp_path, PG_ADMIN, sanity_queries=(SANE, "SELECT 1 FROM orders WHERE total < 0"))
    result = run_drill(cfg, _backup(dump), inventory)
    assert not result.ok
    assert [c.ok for c in result.checks] == [True, True, True, False]
    assert result.checks[-1].got == "no rows"
    assert "1 of 4 checks failed" in result.message and "total < 0" in result.message
    assert result.target.rsplit("/", 1)[1] not in _pg_scratch(pg_admin)


def test_pg_drill_finds_rows_missing_against_the_source(pg_admin, pg_source, tmp_path):
    inventory, dump = pg_source
    engine = create_engine(inventory.databases[0].url)
    with engine.begin() as conn:  # the source moved on after the dump
        conn.execute(text("INSERT INTO partners VALUES (4, 'Umbrella')"))
    engine.dispose()
    result = run_drill(_config(tmp_path, PG_ADMIN), _backup(dump), inventory)
    assert not result.ok
    assert (result.checks[0].expected, result.checks[0].got, result.checks[0].ok) == ("4", "3", False)
    # Told the source is live, a count within the tolerance passes (3 is 25% short of 4).
    cfg = _config(tmp_path, PG_ADMIN)
    lenient = replace(cfg, policy=replace(cfg.policy, row_tolerance_percent=30))
    assert run_drill(lenient, _backup(dump), inventory).checks[0].ok
    strict = replace(cfg, policy=replace(cfg.policy, row_tolerance_percent=10))
    assert not run_drill(strict, _backup(dump), inventory).checks[0].ok


def test_pg_drill_cancelled_mid_restore_stops_and_drops(pg_admin, tmp_path):
    require(shutil.which("psql") is not None, "psql")
    slow = tmp_path / "slow.sql"
    slow.write_text("CREATE TABLE t (a int);\nSELECT pg_sleep(60);\n")
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()
    t0 = time.monotonic()
    result = run_drill(_config(tmp_path, PG_ADMIN, key_tables=(), sanity_queries=()),
                       _backup(slow), Inventory(), cancel=cancel)
    assert time.monotonic() - t0 < 15
    assert not result.ok and "cancelled" in result.message
    assert result.target.rsplit("/", 1)[1] not in _pg_scratch(pg_admin)


def test_cancel_before_start_makes_nothing(pg_admin, pg_source, tmp_path, store):
    inventory, dump = pg_source
    cancel = threading.Event()
    cancel.set()
    before = _pg_scratch(pg_admin)
    result = run_drill(_config(tmp_path, PG_ADMIN), _backup(dump), inventory, cancel=cancel,
                       audit=store.audit)
    assert not result.ok and "cancelled" in result.message and result.target == ""
    assert _pg_scratch(pg_admin) == before
    assert json.loads(store.audit.entries(target="erp-dumps")[0].details)["ok"] is False


def test_refusals_say_what_to_do(tmp_path, pg_source):
    inventory, dump = pg_source
    cases = [(_config(tmp_path, PG_ADMIN, tool=BARMAN, host="erp-db-1"), "barman repository of "
              "this set is on erp-db-1"),
             (_config(tmp_path, PG_ADMIN, host="erp-db-1"), "on erp-db-1"),
             (_config(tmp_path, None), "drill_target"),
             (_config(tmp_path, MY_ADMIN), "PostgreSQL dump")]
    for cfg, words in cases:
        result = run_drill(cfg, _backup(dump), inventory)
        assert not result.ok and words in result.message, result.message
    with_db = tmp_path / "with_db.sql"
    with_db.write_text("CREATE DATABASE erp;\n\\connect erp\nCREATE TABLE t (a int);\n")
    result = run_drill(_config(tmp_path, PG_ADMIN), _backup(with_db), inventory)
    assert not result.ok and "switches databases" in result.message and result.target == ""


def test_mariadb_drill_restores_gzipped_dump_and_drops(my_admin, my_source, tmp_path):
    inventory, dump = my_source
    result = run_drill(_config(tmp_path, MY_ADMIN), _backup(dump), inventory)
    assert result.ok, result.message
    assert [(c.expected, c.got) for c in result.checks] == [("3", "3"), ("250", "250"),
                                                            ("at least one row", "a row")]
    scratch = result.target.rsplit("/", 1)[1]
    assert scratch.startswith(SCRATCH_PREFIX) and scratch not in _my_scratch(my_admin)


def test_mariadb_drill_of_a_corrupt_dump_fails_and_leaves_nothing(my_admin, my_source, tmp_path):
    inventory, dump = my_source
    bad = tmp_path / "bad.sql"
    bad.write_bytes(gzip.decompress(dump.read_bytes()).replace(b"INSERT INTO", b"INSRT INTO", 1))
    before = _my_scratch(my_admin)
    result = run_drill(_config(tmp_path, MY_ADMIN), _backup(bad), inventory)
    assert not result.ok and "the restore of bad.sql failed" in result.message
    assert "syntax" in result.message
    assert _my_scratch(my_admin) == before


def test_mariadb_drill_cancelled_mid_restore_drops(my_admin, tmp_path):
    slow = tmp_path / "slow.sql"
    slow.write_text("CREATE TABLE t (a int);\nSELECT SLEEP(60);\n")
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()
    t0 = time.monotonic()
    result = run_drill(_config(tmp_path, MY_ADMIN, key_tables=(), sanity_queries=()),
                       _backup(slow), Inventory(), cancel=cancel)
    assert time.monotonic() - t0 < 15
    assert not result.ok and "cancelled" in result.message
    assert result.target.rsplit("/", 1)[1] not in _my_scratch(my_admin)


def test_pg_drill_of_a_plain_gzipped_dump(pg_admin, pg_database, tmp_path):
    url = pg_database()
    _fill(url, "INSERT INTO orders SELECT g, 1 + g % 3, g FROM generate_series(1, 250) g")
    out = subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--no-owner",
                          make_url(url).database], check=True, timeout=60, capture_output=True)
    dump = tmp_path / "erp.sql.gz"
    dump.write_bytes(gzip.compress(out.stdout))
    result = run_drill(_config(tmp_path, PG_ADMIN), _backup(dump),
                       Inventory(databases=(DatabaseConfig("erp", url),)))
    assert result.ok, result.message
    assert [c.got for c in result.checks] == ["3", "250", "a row"]
    assert result.target.rsplit("/", 1)[1] not in _pg_scratch(pg_admin)


@pytest.fixture
def my_drill_user(my_admin):
    """A MariaDB account that may only create and drop drill schemas, with a password."""
    user, password = f"drill_{os.urandom(4).hex()}", os.urandom(12).hex()
    with my_admin.connect() as conn:
        conn.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'"))
        conn.execute(text(f"GRANT ALL ON `erpconsole\\_drill\\_%`.* TO '{user}'@'%'"))
    yield user, password
    with my_admin.connect() as conn:
        conn.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))


def test_mariadb_drill_takes_the_target_password_from_keyring(my_admin, my_source, my_drill_user,
                                                             tmp_path, memory_keyring, store):
    inventory, dump = my_source
    user, password = my_drill_user
    target = f"mysql+pymysql://{user}@127.0.0.1:3306/"
    inventory = Inventory(databases=inventory.databases + (DatabaseConfig("erp-drill", target),))
    cfg = _config(tmp_path, target)
    memory_keyring.set_password("erpconsole", "db:erp-drill", "wrong")
    refused = run_drill(cfg, _backup(dump), inventory)
    assert not refused.ok and "could not be created" in refused.message
    assert "Access denied" in refused.message
    memory_keyring.set_password("erpconsole", "db:erp-drill", password)
    result = run_drill(cfg, _backup(dump), inventory, audit=store.audit)
    assert result.ok, result.message
    assert [c.got for c in result.checks] == ["3", "250", "a row"]
    assert result.target.rsplit("/", 1)[1] not in _my_scratch(my_admin)
    assert all(password not in e.details for e in store.audit.entries())
