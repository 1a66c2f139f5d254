"""A lock queue on the machine's real PostgreSQL and MariaDB names the session at its head: one
connection holds a row lock in an open transaction, another waits on it, and the finding (in
the monitor, its event log line, and `inspect` as JSON and as a table) names the first
connection's pid, user and application.

MariaDB's processlist carries no application name (it lives in performance_schema's connection
attributes, off on this server), so there the finding names pid and user."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pymysql
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from erpconsole.config import DatabaseConfig, Inventory, LocalConfig
from erpconsole.services.models import DbThresholds, Severity
from erpconsole.services.monitor import Monitor
from tests.dbservers import unique

pytestmark = pytest.mark.integration

APP = "odoo-cron"
# A wait is a finding from a fifth of a second on: the test need not wait out the defaults.
QUICK = DbThresholds(lock_wait_warning_s=0.2, lock_wait_critical_s=3600.0)


@dataclass
class Queue:
    """A holder with a row locked in an open transaction, and a waiter stuck behind it."""

    url: str
    holder_pid: int
    waiter_pid: int
    user: str


def _waiting(run, done: threading.Event) -> threading.Thread:
    def body() -> None:
        try:
            run()
        except Exception:
            pass  # the holder's end (or the server's lock timeout) ends the wait either way
        finally:
            done.set()

    t = threading.Thread(target=body, daemon=True)
    t.start()
    return t


@pytest.fixture
def pg_queue(pg_database, pg_admin) -> Iterator[Queue]:
    url, role = pg_database(), unique("erpc_cron")
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    dsn = make_url(url).set(drivername="postgresql")
    setup = psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True)
    setup.execute(f'CREATE TABLE acct (id int PRIMARY KEY, v int); INSERT INTO acct VALUES (1, 0); '
                  f'GRANT SELECT, UPDATE ON acct TO "{role}"')
    holder = psycopg.connect(dsn.set(username=role).render_as_string(hide_password=False),
                             application_name=APP, connect_timeout=3)
    holder.execute("UPDATE acct SET v = v + 1 WHERE id = 1")  # the transaction stays open
    waiter = psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True,
                             application_name="web", connect_timeout=3)
    done = threading.Event()
    thread = _waiting(lambda: waiter.execute("UPDATE acct SET v = v + 2 WHERE id = 1"), done)
    try:
        yield Queue(url, holder.info.backend_pid, waiter.info.backend_pid, role)
    finally:
        holder.close()
        assert done.wait(10)
        thread.join(5)
        waiter.close()
        setup.execute(f'DROP OWNED BY "{role}"')
        setup.close()
        with pg_admin.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))


@pytest.fixture
def my_queue(my_database, my_admin) -> Iterator[Queue]:
    url, user = my_database(), unique("erpc_cron")
    schema = make_url(url).database
    with my_admin.connect() as conn:
        conn.execute(text(f"CREATE USER '{user}'@'%'"))
        conn.execute(text(f"CREATE TABLE `{schema}`.acct (id int PRIMARY KEY, v int) ENGINE=InnoDB"))
        conn.execute(text(f"INSERT INTO `{schema}`.acct VALUES (1, 0)"))
        conn.execute(text(f"GRANT SELECT, UPDATE ON `{schema}`.acct TO '{user}'@'%'"))

    def connect(name: str) -> pymysql.Connection:
        return pymysql.connect(host="127.0.0.1", port=3306, user=name, database=schema,
                               connect_timeout=3, autocommit=True)

    holder, waiter = connect(user), connect("root")
    with holder.cursor() as cur:
        cur.execute("BEGIN")
        cur.execute("UPDATE acct SET v = v + 1 WHERE id = 1")
    with waiter.cursor() as cur:
        cur.execute("SET SESSION innodb_lock_wait_timeout = 60")

    def wait() -> None:
        with waiter.cursor() as cur:
            cur.execute("UPDATE acct SET v = v + 2 WHERE id = 1")

    done = threading.Event()
    thread = _waiting(wait, done)
    try:
        yield Queue(url, holder.thread_id(), waiter.thread_id(), user)
    finally:
        holder.close()
        assert done.wait(10)
        thread.join(5)
        waiter.close()
        with my_admin.connect() as conn:
            conn.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))


def wait_for_finding(monitor: Monitor, target: str, pid: int, timeout: float = 15.0):
    """The status and the lock-wait finding about ``pid``'s queue. PostgreSQL lists the
    sessions of the whole cluster: other tests' queues may be there too."""
    deadline = time.monotonic() + timeout
    while True:
        status = {s.target: s for s in monitor.statuses()}.get(target)
        found = [f for f in (status.findings if status else ())
                 if f.check == "db_lock_wait" and f"behind session {pid} " in f.message]
        if found:
            return status, found
        assert time.monotonic() < deadline, status
        time.sleep(0.05)


def test_the_monitor_names_the_session_at_the_head_of_the_queue(pg_queue, my_queue) -> None:
    inv = Inventory(local=LocalConfig(enabled=False), databases=(
        DatabaseConfig(name="pg", url=pg_queue.url, interval_s=0.5, thresholds=QUICK),
        DatabaseConfig(name="maria", url=my_queue.url, interval_s=0.5, thresholds=QUICK)))
    monitor = Monitor(inv, max_workers=4)
    events = []
    monitor.subscribe(on_event=events.append)
    monitor.start()
    try:
        pg, [f] = wait_for_finding(monitor, "pg", pg_queue.holder_pid)
        assert f.severity is Severity.WARNING and pg.level in ("warning", "critical")
        assert f.message.startswith("1 session waiting on a lock for up to "), f.message
        assert f"behind session {pg_queue.holder_pid} (user {pg_queue.user}, application {APP}, " \
               "idle in transaction, transaction open for " in f.message
        assert "statement started at " in f.message and f.message.endswith(
            "): UPDATE acct SET v = v + 1 WHERE id = 1")
        maria, [m] = wait_for_finding(monitor, "maria", my_queue.holder_pid)
        assert f"behind session {my_queue.holder_pid} (user {my_queue.user}, idle in transaction, " \
               "transaction open for " in m.message, m.message
        assert maria.level in ("warning", "critical")
        deadline = time.monotonic() + 5
        # The event log's line gives the word's cause: the first lock queue (on PostgreSQL it
        # may be another test's, in another database of the cluster), named the same way.
        while not all(any(e.target == t and "behind session " in e.message for e in events)
                      for t in ("pg", "maria")):
            assert time.monotonic() < deadline, [e.message for e in events]
            time.sleep(0.05)
        for t in ("pg", "maria"):
            line = next(e for e in events if e.target == t and "behind session" in e.message)
            assert re.match(rf"{t}: (warning|critical): \d+ sessions? waiting on a lock for up to .+ "
                            r"behind session \d+ \(user ", line.message), line.message
    finally:
        monitor.stop()


def test_inspect_names_the_blocker_in_json_and_in_the_table(tmp_path, pg_queue, my_queue) -> None:
    quick = "thresholds = { lock_wait_warning_s = 0.2, lock_wait_critical_s = 3600 }\n"
    inv = tmp_path / "inv.toml"
    inv.write_text(f'[local]\nenabled = false\n\n[[databases]]\nname = "pg"\nurl = "{pg_queue.url}"\n'
                   f'{quick}\n[[databases]]\nname = "maria"\nurl = "{my_queue.url}"\n{quick}')
    env = {**os.environ}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / var.lower())
    run = [sys.executable, "-m", "erpconsole", "inspect", "--inventory", str(inv)]
    r = subprocess.run(run + ["--format", "json"], capture_output=True, text=True, timeout=90, env=env)
    doc = json.loads(r.stdout)
    dbs = {d["name"]: d["metrics"] for d in doc["databases"]}
    [pg] = [b for b in dbs["pg"]["blockers"] if b["pid"] == pg_queue.holder_pid]
    assert (pg["pid"], pg["user"], pg["application"], pg["state"]) == (
        pg_queue.holder_pid, pg_queue.user, APP, "idle in transaction")
    assert pg["waiting_pids"] == [pg_queue.waiter_pid] and pg["xact_age_s"] >= pg["longest_wait_s"] > 0
    assert pg["query"] == "UPDATE acct SET v = v + 1 WHERE id = 1" and pg["query_start"].endswith("+00:00")
    [my] = [b for b in dbs["maria"]["blockers"] if b["pid"] == my_queue.holder_pid]
    assert (my["pid"], my["user"], my["waiting_pids"]) == (
        my_queue.holder_pid, my_queue.user, [my_queue.waiter_pid])
    lock = [(f["target"], f["message"]) for f in doc["findings"] if f["check"] == "db_lock_wait"]
    assert any(t == "pg" and f"behind session {pg_queue.holder_pid} (user {pg_queue.user}, "
               f"application {APP}" in m for t, m in lock), lock
    assert any(t == "maria" and f"behind session {my_queue.holder_pid} (user {my_queue.user}" in m
               for t, m in lock), lock
    assert r.returncode in (1, 2) and doc["status"] in ("warning", "critical"), r.stderr
    table = subprocess.run(run, capture_output=True, text=True, timeout=90, env=env).stdout
    assert "WARNING   pg: 1 session waiting on a lock for up to " in table
    assert f"behind session {pg_queue.holder_pid} (user {pg_queue.user}, application {APP}" in table
    assert "WARNING   maria: 1 session waiting on a lock for up to " in table


def _plugin_active(admin) -> bool:
    with admin.connect() as conn:
        return bool(conn.execute(text(
            "SELECT COUNT(*) FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'METADATA_LOCK_INFO' "
            "AND PLUGIN_STATUS = 'ACTIVE'")).scalar())


def _set_plugin(admin, on: bool) -> None:
    with admin.connect() as conn:
        conn.execute(text("INSTALL SONAME 'metadata_lock_info'" if on else "UNINSTALL SONAME 'metadata_lock_info'"))


def test_a_metadata_lock_wait_on_mariadb_names_the_open_transaction(my_database, my_admin) -> None:
    """An ALTER TABLE queued behind a transaction that read the table: InnoDB's lock views do
    not see it. Without MariaDB's metadata_lock_info plugin the finding says the holder is not
    known and the Activity tab's note says how to name it; with the plugin the finding names
    the transaction's session."""
    from erpconsole.services import checks
    from erpconsole.services.databases.mysql import MySQLCollector
    from erpconsole.services.secrets import SecretStore

    url, user = my_database(), unique("erpc_cron")
    schema = make_url(url).database
    had_plugin = _plugin_active(my_admin)
    with my_admin.connect() as conn:
        conn.execute(text(f"CREATE USER '{user}'@'%'"))
        conn.execute(text(f"CREATE TABLE `{schema}`.acct (id int PRIMARY KEY, v int) ENGINE=InnoDB"))
        conn.execute(text(f"GRANT SELECT ON `{schema}`.acct TO '{user}'@'%'"))
    holder = pymysql.connect(host="127.0.0.1", user=user, database=schema, connect_timeout=3, autocommit=True)
    alter = pymysql.connect(host="127.0.0.1", user="root", database=schema, connect_timeout=3, autocommit=True)
    c = MySQLCollector(DatabaseConfig(name="maria", url=url), SecretStore())
    c.slow_refresh_s = 0.0  # a refused panel is asked again at once, not a minute later
    done = threading.Event()
    try:
        with holder.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute("SELECT * FROM acct")  # its transaction keeps the table's metadata lock
        with alter.cursor() as cur:
            cur.execute("SET SESSION lock_wait_timeout = 60")

        def run_alter() -> None:
            with alter.cursor() as cur:
                cur.execute("ALTER TABLE acct ADD COLUMN c int")

        _waiting(run_alter, done)
        mine = lambda s: next((x for x in s.sessions if x.pid == alter.thread_id()), None)  # noqa: E731

        def poll(ok, timeout: float = 10.0):
            deadline = time.monotonic() + timeout
            while True:
                snap = c.collect()
                if ok(snap):
                    return snap
                assert time.monotonic() < deadline, (snap.sessions, snap.notes)
                time.sleep(0.05)

        if not had_plugin:
            def unknown(s) -> bool:
                return getattr(mine(s), "state", "") == "waiting" and any(
                    "the server does not say which session holds it" in f.message
                    for f in checks.db_findings(s, QUICK) if f.check == "db_lock_wait")

            snap = poll(unknown)
            assert mine(snap).blocked_by == () and "INSTALL SONAME 'metadata_lock_info'" in snap.note("activity")
            _set_plugin(my_admin, True)
        def named(s) -> list[str]:
            return [f.message for f in checks.db_findings(s, QUICK) if f.check == "db_lock_wait"
                    and f"behind session {holder.thread_id()} " in f.message]

        snap = poll(lambda s: getattr(mine(s), "blocked_by", ()) == (holder.thread_id(),) and named(s))
        found = named(snap)
        assert len(found) == 1 and f"(user {user}, idle in transaction" in found[0], found
        assert "ALTER TABLE" not in found[0]  # the blocker's query is named, not the waiter's
    finally:
        c.close()
        holder.close()
        assert done.wait(60)
        alter.close()
        if not had_plugin and _plugin_active(my_admin):
            _set_plugin(my_admin, False)
        with my_admin.connect() as conn:
            conn.execute(text(f"DROP USER IF EXISTS '{user}'@'%'"))
