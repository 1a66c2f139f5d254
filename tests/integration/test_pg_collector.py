"""The PostgreSQL collector against the machine's real server: each test makes the load it
asserts on (transactions, a lock queue, a long query, dead rows, a slot, a role without
pg_monitor) and checks what the person would see: snapshot fields, panel notes, health states
and their messages.

What could not be produced here: a refused password (the server trusts local logins, so any
password passes; tests/services/databases/test_pg_errors.py uses libpq's text), a connect
timeout (libpq waits at least 2 s; same file), a replica and its lag (no standby on this machine;
the standby rows are tested in test_pg_rows.py), and statements from pg_stat_statements (not in
shared_preload_libraries, and a test must not restart the server)."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from erpconsole.config import DatabaseConfig
from erpconsole.services.databases.factory import database_collector
from erpconsole.services.databases.postgres import PostgresCollector
from erpconsole.services.errors import CollectorError
from erpconsole.services.models import DatabaseSnapshot, DbAction, DbSession, DbTable, Health
from tests.dbservers import unique

pytestmark = pytest.mark.integration


# -- helpers ----------------------------------------------------------------------------------

def libpq(url: str, user: str | None = None) -> str:
    u = make_url(url).set(drivername="postgresql")
    return (u.set(username=user) if user else u).render_as_string(hide_password=False)


@dataclass
class Job:
    """One statement running on its own connection in a thread (a waiter, a sleeper)."""

    pid: int
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    rowcount: int | None = None
    thread: threading.Thread | None = None

    def wait(self, timeout: float = 5.0) -> bool:
        return self.done.wait(timeout)


class Load:
    """Connections and threads that make load; all of them end at teardown."""

    def __init__(self, admin: Engine) -> None:
        self.admin = admin
        self.conns: list[psycopg.Connection] = []
        self.pids: list[int] = []
        self.jobs: list[Job] = []

    def connect(self, url: str, autocommit: bool = True, user: str | None = None
                ) -> psycopg.Connection:
        conn = psycopg.connect(libpq(url, user), autocommit=autocommit, connect_timeout=3)
        self.conns.append(conn)
        self.pids.append(conn.info.backend_pid)
        return conn

    def background(self, url: str, sql: str) -> Job:
        conn = self.connect(url)
        job = Job(conn.info.backend_pid)

        def run() -> None:
            try:
                job.rowcount = conn.execute(sql).rowcount
            except BaseException as exc:  # the test asserts on it
                job.error = exc
            finally:
                job.done.set()

        job.thread = threading.Thread(target=run, name=f"pg-load-{job.pid}", daemon=True)
        job.thread.start()
        self.jobs.append(job)
        return job

    def close(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE pid = ANY(:pids)"), {"pids": self.pids})
        for job in self.jobs:
            job.thread.join(5)
        for conn in self.conns:
            conn.close()


@pytest.fixture
def load(pg_admin: Engine) -> Iterator[Load]:
    made = Load(pg_admin)
    yield made
    made.close()


@pytest.fixture
def make_collector() -> Iterator[Callable[..., PostgresCollector]]:
    made: list[PostgresCollector] = []

    def make(url: str, **options) -> PostgresCollector:
        collector = PostgresCollector(DatabaseConfig(name=f"pg{len(made)}", url=url), **options)
        made.append(collector)
        return collector

    yield make
    for collector in made:
        collector.close()


@pytest.fixture
def pg_role(pg_admin: Engine) -> Iterator[Callable[[], str]]:
    """``pg_role()``: a LOGIN role with no grants (trust auth: no password), dropped after."""
    made: list[str] = []

    def make() -> str:
        name = unique("erpc_mon")
        with pg_admin.connect() as conn:
            conn.execute(text(f'CREATE ROLE "{name}" LOGIN'))
        made.append(name)
        return name

    yield make
    with pg_admin.connect() as conn:
        for name in made:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE usename = :n"), {"n": name})
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))


def flush_stats(conn: psycopg.Connection) -> None:
    """Backends send their counters when idle, at most once a second; 15+ can be told to
    send on the next idle moment."""
    if conn.info.server_version >= 150000:
        conn.execute("SELECT pg_stat_force_next_flush()")


def poll_until(collector: PostgresCollector, ok: Callable[[DatabaseSnapshot], object],
               timeout: float = 3.0) -> DatabaseSnapshot:
    deadline = time.monotonic() + timeout
    while True:
        snap = collector.collect()
        if ok(snap) or time.monotonic() > deadline:
            return snap
        time.sleep(0.02)


def session(snap: DatabaseSnapshot, pid: int) -> DbSession | None:
    return next((s for s in snap.sessions if s.pid == pid), None)


def table(snap: DatabaseSnapshot, name: str) -> DbTable | None:
    return next((t for t in snap.tables if t.name == name), None)


def failure(collector: PostgresCollector) -> CollectorError:
    with pytest.raises(CollectorError) as info:
        collector.collect()
    return info.value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the dashboard ----------------------------------------------------------------------------

def test_the_first_poll_fills_the_dashboard_and_the_second_gives_rates(
        pg_admin, pg_database, make_collector, load) -> None:
    url = pg_database()
    collector = database_collector(DatabaseConfig(name="erp-db", url=url))
    assert isinstance(collector, PostgresCollector) and collector.kind == "postgresql"
    collector.close()
    c = make_collector(url)
    first = c.collect()
    with pg_admin.connect() as conn:
        max_conn = int(conn.execute(text("SHOW max_connections")).scalar())
    assert re.fullmatch(r"PostgreSQL \d+\.\d+", first.version)
    assert first.kind == "postgresql" and not first.is_replica and first.uptime_s > 0
    assert first.max_connections == max_conn and first.connections >= 1
    assert sum(n for _, n in first.connections_by_state) == first.connections
    assert first.size_bytes > 1_000_000 and 0 <= first.wraparound_percent < 100
    assert first.commits_ps is None and first.cache_hit_percent is None  # no interval yet
    assert first.note("activity") == ""  # a superuser reads every session

    work = load.connect(url)
    work.execute("CREATE TABLE t (id int)")
    for i in range(20):
        with work.transaction():
            work.execute("INSERT INTO t VALUES (%s)", (i,))
    flush_stats(work)
    snap = poll_until(c, lambda s: (s.commits_ps or 0) > 0 and (s.rows_inserted_ps or 0) > 0,
                      timeout=6.0)
    assert snap.commits_ps > 0 and snap.tps > 0 and snap.rows_inserted_ps > 0
    assert snap.rollbacks_ps is not None and snap.deadlocks_ps == 0
    assert snap.cache_hit_percent is not None and 0 <= snap.cache_hit_percent <= 100  # inserts hit
    with pg_admin.connect() as conn:
        replication = conn.execute(text("SELECT (SELECT count(*) FROM pg_stat_replication) + "
                                        "(SELECT count(*) FROM pg_replication_slots)")).scalar()
    # Counters and sessions, and replication where this cluster has any.
    # The counters' readings (pg_rates), counters and sessions, and replication where this
    # cluster has any.
    assert snap.queries >= 2 + (replication > 0) + 4
    metrics = {s.metric for s in snap.samples()}
    assert {"db.commits_ps", "db.connections", "db.size_bytes"} <= metrics


def test_a_lock_queue_names_the_blocker_and_terminate_frees_the_waiter(
        pg_database, make_collector, load) -> None:
    url = pg_database()
    load.connect(url).execute("CREATE TABLE acct (id int PRIMARY KEY, v int); "
                              "INSERT INTO acct VALUES (1, 0)")
    holder = load.connect(url, autocommit=False)
    holder.execute("UPDATE acct SET v = v + 1 WHERE id = 1")  # row lock, transaction left open
    a = holder.info.backend_pid
    waiter = load.background(url, "UPDATE acct SET v = v + 2 WHERE id = 1")
    c = make_collector(url)

    snap = poll_until(c, lambda s: a in getattr(session(s, waiter.pid), "blocked_by", ()))
    b = session(snap, waiter.pid)
    assert b is not None and b.blocked_by == (a,), snap.sessions
    assert b.state == "waiting" and b.wait_event.startswith("Lock:") and "UPDATE acct" in b.query
    assert snap.lock_waits >= 1 and dict(snap.connections_by_state)["waiting"] >= 1
    blocker = session(snap, a)
    assert blocker.state == "idle in transaction" and blocker.xact_age_s is not None
    assert not waiter.done.is_set()

    action = c.build_action("terminate", pid=a)
    assert action.statement == f"SELECT pg_terminate_backend({a})"
    result = c.run_action(action)
    assert result.ok and str(a) in result.message, result.message
    assert waiter.wait(5) and waiter.error is None and waiter.rowcount == 1

    poll_until(c, lambda s: session(s, a) is None)
    again = c.run_action(action)
    assert (again.ok, again.message) == (False, f"session {a} was not found (it may have ended)")


def test_a_long_query_shows_its_duration_and_cancel_stops_it(
        pg_database, make_collector, load) -> None:
    url = pg_database()
    c = make_collector(url, long_query_s=0.5)
    sleeper = load.background(url, "SELECT pg_sleep(10)")
    snap = poll_until(c, lambda s: (getattr(session(s, sleeper.pid), "duration_s", 0) or 0)
                      > c.long_query_s)
    long = session(snap, sleeper.pid)
    assert long is not None and long.duration_s > c.long_query_s
    assert long.state == "active" and long.query == "SELECT pg_sleep(10)"
    assert long.client.startswith("127.0.0.1:") and long.user == "postgres"

    result = c.run_action(c.build_action("cancel", pid=sleeper.pid))
    assert result.ok, result.message
    assert sleeper.wait(3) and isinstance(sleeper.error, psycopg.errors.QueryCanceled)


# -- slow panels and maintenance --------------------------------------------------------------

def test_dead_rows_show_and_vacuum_clears_them(pg_database, make_collector, load) -> None:
    url = pg_database()
    work = load.connect(url)
    work.execute("CREATE TABLE bloat (id serial PRIMARY KEY, k int, pad text) "
                 "WITH (autovacuum_enabled = false)")  # only our VACUUM may clean it
    work.execute("CREATE INDEX bloat_k ON bloat (k)")  # never scanned
    work.execute("INSERT INTO bloat (k, pad) SELECT g, repeat('x', 100) "
                 "FROM generate_series(1, 1000) g")
    work.execute("DELETE FROM bloat WHERE id <= 600")
    flush_stats(work)
    c = make_collector(url, slow_every=1)
    snap = poll_until(c, lambda s: (getattr(table(s, "bloat"), "dead_rows", 0) or 0) >= 600)
    t = table(snap, "bloat")
    assert t is not None and (t.schema, t.live_rows, t.dead_rows) == ("public", 400, 600)
    assert t.size_bytes > 100_000 and t.last_vacuum_ts is None and t.xid_age >= 0
    unused = {(i.table, i.name): i for i in snap.indexes}
    assert unused[("bloat", "bloat_k")].scans == 0 and ("bloat", "bloat_pkey") not in unused
    seq = next(s for s in snap.sequences if s.name == "bloat_id_seq")
    assert (seq.last_value, seq.max_value) == (1000, 2**31 - 1)

    c.slow_every = 1000  # from here on only the action makes the tables panel read again
    action = c.build_action("vacuum", schema="public", table="bloat")
    assert action.statement == 'VACUUM (ANALYZE) "public"."bloat"'
    result = c.run_action(action)
    assert result.ok, result.message
    t = table(c.collect(), "bloat")
    assert (t.dead_rows, t.live_rows) == (0, 400) and t.last_vacuum_ts is not None


def test_analyze_quotes_an_awkward_table_name(pg_database, make_collector, load) -> None:
    url = pg_database()
    load.connect(url).execute('CREATE TABLE "we""ird; x" (a int)')
    c = make_collector(url)
    assert table(c.collect(), 'we"ird; x').last_analyze_ts is None
    action = c.build_action("analyze", schema="public", table='we"ird; x')
    assert action.statement == 'ANALYZE "public"."we""ird; x"'
    result = c.run_action(action)
    assert result.ok, result.message
    assert table(c.collect(), 'we"ird; x').last_analyze_ts is not None


def test_explain_shows_a_plan_and_cannot_write(pg_database, make_collector, load) -> None:
    url = pg_database()
    work = load.connect(url)
    work.execute("CREATE TABLE acct (id int PRIMARY KEY, v int)")
    c = make_collector(url)
    plan = c.run_action(c.build_action("explain", query="SELECT * FROM acct WHERE id = 1;"))
    assert plan.ok and any("Scan" in row[0] for row in plan.rows), plan.rows
    # Past the text checks, the read-only session still refuses to execute a write.
    sneaky = c.run_action(DbAction(c.name, "explain",
                                   "EXPLAIN ANALYZE INSERT INTO acct VALUES (1, 1)"))
    assert not sneaky.ok and "read-only" in sneaky.message
    assert work.execute("SELECT count(*) FROM acct").fetchone()[0] == 0


def test_a_slot_shows_the_wal_it_holds_back(pg_admin, pg_database, make_collector, load) -> None:
    url = pg_database()
    slot = unique("erpc_slot")
    c = make_collector(url)
    with pg_admin.connect() as conn:
        conn.execute(text("SELECT pg_create_physical_replication_slot(:s, true)"), {"s": slot})
    try:
        load.connect(url).execute("CREATE TABLE w AS SELECT g FROM generate_series(1, 5000) g")
        snap = c.collect()
        held = next(r for r in snap.replicas if r.name == slot)
        assert (held.role, held.active, held.state) == ("slot", False, "reserved")
        assert held.retained_bytes > 0 and held.lag_bytes is None
    finally:
        with pg_admin.connect() as conn:
            conn.execute(text("SELECT pg_drop_replication_slot(:s)"), {"s": slot})


# -- degrading --------------------------------------------------------------------------------

def test_a_role_without_pg_monitor_gets_a_note_and_the_rest_works(
        pg_admin, pg_role, pg_database, make_collector, load) -> None:
    role = pg_role()
    url = pg_database(user=role)
    other = load.connect(url, user="postgres")
    other.execute("SELECT 42")
    c = make_collector(url)
    c.collect()
    for _ in range(5):
        with other.transaction():
            other.execute("SELECT 1")
    flush_stats(other)
    snap = poll_until(c, lambda s: (s.commits_ps or 0) > 0, timeout=6.0)
    assert f"GRANT pg_monitor TO {role};" in snap.note("activity")
    assert snap.commits_ps > 0 and snap.connections >= 2 and snap.size_bytes > 0
    hidden = session(snap, other.info.backend_pid)
    assert hidden.query == "<insufficient privilege>" and hidden.state == "unknown"

    with pg_admin.connect() as conn:
        conn.execute(text(f'GRANT pg_monitor TO "{role}"'))
    other.execute("SELECT 42")
    snap = c.collect()
    assert snap.note("activity") == ""
    shown = session(snap, other.info.backend_pid)
    assert (shown.query, shown.state) == ("SELECT 42", "idle")


def test_a_table_locked_by_a_migration_is_sized_without_waiting(
        pg_database, make_collector, load) -> None:
    url = pg_database()
    work = load.connect(url)
    work.execute("CREATE TABLE busy (a int); INSERT INTO busy SELECT generate_series(1, 5000); "
                 "ANALYZE busy")
    holder = load.connect(url, autocommit=False)
    holder.execute("LOCK TABLE busy IN ACCESS EXCLUSIVE MODE")  # as ALTER TABLE would
    c = make_collector(url, lock_timeout_ms=2000)
    started = time.monotonic()
    snap = c.collect()
    assert time.monotonic() - started < 1.0  # did not queue behind the lock
    assert snap.note("tables") == "" and table(snap, "busy").size_bytes > 0


def locked_sequence(url: str, load: Load) -> None:
    """A sequence someone is altering in an open transaction: reading its last value waits."""
    load.connect(url).execute("CREATE SEQUENCE s; SELECT nextval('s')")
    holder = load.connect(url, autocommit=False)
    holder.execute("ALTER SEQUENCE s INCREMENT BY 2")


def test_a_lock_wait_degrades_only_its_panel(pg_database, make_collector, load) -> None:
    url = pg_database()
    locked_sequence(url, load)
    snap = make_collector(url, lock_timeout_ms=50).collect()
    assert "another session holds a lock" in snap.note("sequences"), snap.notes
    assert snap.sequences == () and snap.note("tables") == ""
    assert snap.connections >= 2 and snap.size_bytes > 0


def test_pg_stat_statements_missing_says_what_to_do(
        pg_admin, pg_database, make_collector, load) -> None:
    url = pg_database()
    c = make_collector(url)
    snap = c.collect()
    assert snap.statements == ()
    note = snap.note("statements")
    assert "CREATE EXTENSION pg_stat_statements" in note, note
    with pg_admin.connect() as conn:
        preloaded = "pg_stat_statements" in conn.execute(
            text("SHOW shared_preload_libraries")).scalar()
    if not preloaded:
        assert "shared_preload_libraries" in note and "restart" in note
    # With the extension created but the library not loaded, reading it fails: still a note.
    load.connect(url).execute("CREATE EXTENSION pg_stat_statements")
    c.refresh_slow_panels()
    snap = c.collect()
    if preloaded:
        assert snap.note("statements") == ""
    else:
        assert "shared_preload_libraries" in snap.note("statements")
        assert snap.connections >= 1


# -- health states ----------------------------------------------------------------------------

def test_a_statement_timeout_is_timeout(pg_database, make_collector, load) -> None:
    url = pg_database()
    locked_sequence(url, load)
    # The counters and sessions answer at once; the sequences panel waits for the lock until
    # the statement timeout fires (the lock timeout is capped at it, and a statement
    # timeout inside a panel fails the whole poll rather than becoming a note).
    c = make_collector(url, statement_timeout_ms=100, lock_timeout_ms=10_000)
    err = failure(c)
    assert err.kind is Health.TIMEOUT and "100 ms" in err.message, err.message
    load.conns[-1].rollback()
    snap = c.collect()  # the next poll connects again and works
    assert snap.note("sequences") == "" and [q.name for q in snap.sequences] == ["s"]


def test_a_port_without_a_server_is_unreachable(make_collector) -> None:
    port = free_port()
    err = failure(make_collector(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"))
    assert err.kind is Health.UNREACHABLE
    assert f"127.0.0.1:{port}" in err.message and "refused" in err.message


def test_an_unknown_role_is_auth_failed(make_collector) -> None:
    # The nearest thing to a refused login this trust-auth server can give (sqlstate 28000).
    err = failure(make_collector("postgresql+psycopg://erpc_nobody@127.0.0.1:5432/postgres"))
    assert err.kind is Health.AUTH_FAILED and err.kind.needs_user
    assert "erpc_nobody" in err.message and "URL" in err.message


def test_a_missing_database_says_so(make_collector) -> None:
    err = failure(make_collector("postgresql+psycopg://postgres@127.0.0.1:5432/erpc_no_such_db"))
    assert err.kind is Health.ERROR
    assert "erpc_no_such_db does not exist" in err.message
