"""Databases in the monitor and in `inspect`, against the machine's real PostgreSQL and
MariaDB: statuses, findings, history in the store, and an action that is confirmed, run and
audited."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from erpconsole.config import DatabaseConfig, Inventory, LocalConfig
from erpconsole.services.models import DatabaseSnapshot, DbThresholds, Health
from erpconsole.services.monitor import Monitor
from erpconsole.services.store import Store, StoreWriter

pytestmark = pytest.mark.integration


def wait_for(monitor: Monitor, target: str, pred, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        status = {s.target: s for s in monitor.statuses()}.get(target)
        if status is not None and pred(status):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.05)


def db(name: str, url: str, **kw) -> DatabaseConfig:
    return DatabaseConfig(name=name, url=url, interval_s=0.5, **kw)


def test_monitor_polls_databases_keeps_history_and_audits_a_terminate(tmp_path, pg_database, my_database):
    pg_url, my_url = pg_database(), my_database()
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    writer = StoreWriter(store)
    inv = Inventory(local=LocalConfig(enabled=False),
                    databases=(db("pg", pg_url), db("maria", my_url)))
    monitor = Monitor(inv, writer, max_workers=4)
    monitor.attach_audit(store.audit)
    events = []
    monitor.subscribe(on_event=events.append)
    monitor.start()
    holder = create_engine(pg_url, isolation_level="AUTOCOMMIT").connect()
    try:
        pg = wait_for(monitor, "pg", lambda s: s.health is Health.OK and s.snapshot is not None)
        maria = wait_for(monitor, "maria", lambda s: s.health is Health.OK and s.snapshot is not None)
        assert pg.kind == maria.kind == "database"
        assert isinstance(pg.snapshot, DatabaseSnapshot) and pg.snapshot.version.startswith("PostgreSQL")
        with create_engine(my_url).connect() as conn:
            server = conn.exec_driver_sql("SELECT VERSION()").scalar()
        assert maria.snapshot.kind == ("mariadb" if "MariaDB" in server else "mysql")

        holder_pid = holder.execute(text("SELECT pg_backend_pid()")).scalar()
        holder.execute(text("SELECT 1"))
        action = monitor.build_db_action("pg", "terminate", pid=holder_pid)
        assert action.statement == f"SELECT pg_terminate_backend({holder_pid})"
        result = monitor.run_db_action(action, actor="alice@ws1")
        assert result.ok, result.message
        rows = store.audit.entries()
        assert [json.loads(r.details)["phase"] for r in rows] == ["result", "requested"]
        assert all(r.actor == "alice@ws1" and r.action == "db.terminate" and r.target == "pg" for r in rows)
        assert json.loads(rows[0].details)["statement"] == action.statement
        assert store.audit.verify().ok
        assert any(e.kind == "action" and "terminate" in e.message for e in events)
        wait_for(monitor, "pg", lambda s: all(x.pid != holder_pid for x in s.snapshot.sessions))
    finally:
        monitor.stop()
        writer.close()
        holder.close()
    series = store.series("pg")
    assert ("db.connections", "") in series and ("db.size_bytes", "") in series
    history = store.host_history("pg", time.time() - 3600, time.time() + 1)
    ts, values = history[("db.connections", "")]
    assert len(ts) >= 2 and values.min() >= 1
    store.close()


def test_an_action_without_an_audit_trail_does_not_run(pg_database):
    monitor = Monitor(Inventory(local=LocalConfig(enabled=False), databases=(db("pg", pg_database()),)))
    try:
        action = monitor.build_db_action("pg", "analyze", schema="public", table="nothing")
        result = monitor.run_db_action(action)
        assert not result.ok and "audit trail is not open" in result.message
    finally:
        monitor.stop()


def test_long_query_finding_and_a_dead_server(pg_database):
    url = pg_database()
    sleeper = create_engine(url).connect()
    t = threading.Thread(target=lambda: sleeper.execute(text("SELECT pg_sleep(3)")), daemon=True)
    inv = Inventory(local=LocalConfig(enabled=False), databases=(
        db("pg", url, thresholds=DbThresholds(long_query_warning_s=1.0)),
        db("gone", "postgresql+psycopg://postgres@127.0.0.1:1/postgres")))
    monitor = Monitor(inv, max_workers=4)
    monitor.start()
    t.start()
    try:
        status = wait_for(monitor, "pg", lambda s: any(f.check == "db_long_query" for f in s.findings))
        assert status.level == "warning"
        gone = wait_for(monitor, "gone", lambda s: s.health is not Health.PENDING)
        assert gone.health is Health.UNREACHABLE and gone.level == "critical"
    finally:
        monitor.stop()
        t.join(5)
        sleeper.close()


def test_inspect_reports_databases(tmp_path, pg_database):
    inv = tmp_path / "inv.toml"
    inv.write_text(f'[local]\nenabled = false\n\n[[databases]]\nname = "pg"\nurl = "{pg_database()}"\n\n'
                   '[[databases]]\nname = "gone"\nurl = "mysql+pymysql://root@127.0.0.1:1/x"\n')
    env = {**os.environ}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / var.lower())
    r = subprocess.run([sys.executable, "-m", "erpconsole", "inspect", "--inventory", str(inv),
                        "--format", "json"], capture_output=True, text=True, timeout=90, env=env)
    doc = json.loads(r.stdout)
    dbs = {d["name"]: d for d in doc["databases"]}
    assert dbs["pg"]["kind"] == "postgresql" and dbs["pg"]["status"] == "ok", dbs["pg"]
    m = dbs["pg"]["metrics"]
    assert m["connections"] >= 1 and m["max_connections"] >= m["connections"]
    assert m["version"].startswith("PostgreSQL") and m["size_bytes"] > 0
    assert dbs["gone"]["kind"] == "mysql" and dbs["gone"]["status"] == "unreachable"
    assert r.returncode == 2 and doc["status"] == "critical"
    assert any(f["target"] == "gone" and f["check"] == "health" for f in doc["findings"])
    table = subprocess.run([sys.executable, "-m", "erpconsole", "inspect", "--inventory", str(inv)],
                           capture_output=True, text=True, timeout=90, env=env).stdout
    assert "DATABASE" in table and "postgresql" in table and "unreachable" in table
