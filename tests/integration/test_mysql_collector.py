"""The MySQL/MariaDB collector against the machine's real MariaDB (127.0.0.1:3306), in schemas
made for each test. The server is shared with other tests running at the same time, so each
test looks for its own sessions by id or schema, never at server-wide totals alone."""

from __future__ import annotations

import secrets as _random
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool

from erpconsole.config import DatabaseConfig
from erpconsole.services.databases.mysql import MySQLCollector
from erpconsole.services.errors import CollectorError
from erpconsole.services.models import DatabaseSnapshot, DbSession, Health
from erpconsole.services.secrets import SecretStore


@pytest.fixture
def collectors() -> Iterator[Callable[..., MySQLCollector]]:
    made: list[MySQLCollector] = []

    def make(url: str, name: str | None = None, password_env: str | None = None,
             cls: type[MySQLCollector] = MySQLCollector, **options) -> MySQLCollector:
        cfg = DatabaseConfig(name=name or f"my_{len(made)}", url=url, password_env=password_env)
        collector = cls(cfg, SecretStore(), **options)
        made.append(collector)
        return collector

    yield make
    for c in made:
        c.close()


@pytest.fixture
def engines() -> Iterator[Callable[[str], Engine]]:
    """Autocommit engines for the test's own client connections (the "application")."""
    made: list[Engine] = []

    def make(url: str) -> Engine:
        engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT",
                               connect_args={"connect_timeout": 3, "read_timeout": 30})
        made.append(engine)
        return engine

    yield make
    for e in made:
        e.dispose()


@pytest.fixture
def schema_with_table(my_database, engines) -> tuple[str, Engine]:
    url = my_database()
    engine = engines(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE orders (id INT PRIMARY KEY, v INT) ENGINE=InnoDB")
        conn.exec_driver_sql("INSERT INTO orders VALUES " + ", ".join(
            f"({i}, {i})" for i in range(1, 201)))
    return url, engine


def connection_id(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT CONNECTION_ID()").scalar())


def session(snap: DatabaseSnapshot, pid: int) -> DbSession | None:
    return next((s for s in snap.sessions if s.pid == pid), None)


def poll_until(collector: MySQLCollector, ok: Callable[[DatabaseSnapshot], bool],
               timeout_s: float = 5.0) -> DatabaseSnapshot:
    deadline = time.monotonic() + timeout_s
    while True:
        snap = collector.collect()
        if ok(snap) or time.monotonic() > deadline:
            return snap
        # Over 100 ms: MariaDB refreshes its INNODB_TRX / INNODB_LOCK_WAITS cache only after
        # that long without a read, so polls closer together would see the first one forever.
        time.sleep(0.15)


class Runner(threading.Thread):
    """One statement on its own connection in a thread; keeps what happened."""

    def __init__(self, engine: Engine, sql: str, setup: tuple[str, ...] = ()) -> None:
        super().__init__(daemon=True)
        self.engine, self.sql, self.setup = engine, sql, setup
        self.pid: int | None = None
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.result = None

    def run(self) -> None:
        try:
            with self.engine.connect() as conn:
                self.pid = connection_id(conn)
                for stmt in self.setup:
                    conn.exec_driver_sql(stmt)
                self.ready.set()
                result = conn.exec_driver_sql(self.sql)
                self.result = result.fetchall() if result.returns_rows else None
        except BaseException as exc:  # reported to the test
            self.error = exc
        finally:
            self.ready.set()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- what a poll shows ------------------------------------------------------------------------

def test_poll_shows_server_counters_rates_and_tables(schema_with_table, collectors, my_admin):
    url, engine = schema_with_table
    schema = make_url(url).database
    c = collectors(url)
    first = c.collect()
    assert first.commits_ps is None and first.rows_inserted_ps is None  # no rate from one sample
    with engine.connect() as conn:
        for i in range(1000, 1010):
            conn.exec_driver_sql("BEGIN")
            conn.exec_driver_sql(f"INSERT INTO orders VALUES ({i}, 0)")
            conn.exec_driver_sql("COMMIT")
        conn.exec_driver_sql("UPDATE orders SET v = v + 1 WHERE id < 50")
    second = c.collect()
    with my_admin.connect() as conn:
        maria = "MariaDB" in conn.exec_driver_sql("SELECT VERSION()").scalar()

    assert second.kind == ("mariadb" if maria else "mysql")
    assert second.version.startswith("MariaDB 10." if maria else "MySQL ")
    assert second.commits_ps and second.commits_ps > 0 and second.tps > 0
    assert second.rows_inserted_ps > 0 and second.rows_updated_ps > 0
    assert second.uptime_s > 0 and second.max_connections > 0
    assert 1 <= second.connections <= second.max_connections
    assert dict(second.connections_by_state)["active"] >= 1
    assert second.lock_waits is not None  # root has PROCESS: InnoDB lock waits are known
    assert second.size_bytes and second.size_bytes > 0
    orders = next(t for t in second.tables if t.name == "orders")
    assert orders.schema == schema and orders.size_bytes > 0 and orders.live_rows is not None
    assert orders.free_bytes is not None and orders.last_analyze_ts is None
    # The collector's own connection (in this schema, reading PROCESSLIST) is not listed.
    assert not [s for s in second.sessions if s.database == schema and "PROCESSLIST" in s.query]
    assert second.queries <= 5  # status, transactions, processlist, replica status (+ MySQL deadlocks)
    assert not second.replicas and not second.is_replica and second.note("replication") == ""


def test_statements_panel_says_how_to_turn_performance_schema_on(my_database, collectors, my_admin):
    with my_admin.connect() as conn:
        enabled = bool(conn.exec_driver_sql("SELECT @@performance_schema").scalar())
    snap = collectors(my_database()).collect()
    if enabled:
        # root reads performance_schema, and the server has run statements since it started.
        assert snap.statements and snap.note("statements") == "", snap.notes
    else:
        assert snap.statements == ()
        assert "set performance_schema=ON in the server configuration" in snap.note("statements")
        assert "restart" in snap.note("statements")


def test_slow_panels_are_kept_between_refreshes(schema_with_table, collectors):
    url, engine = schema_with_table
    c = collectors(url)
    first = c.collect()
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE later (id INT PRIMARY KEY)")
    kept = c.collect()
    assert kept.queries < first.queries
    assert [t.name for t in kept.tables] == [t.name for t in first.tables]
    assert kept.note("statements") == first.note("statements")
    c.slow_refresh_s = 0
    assert "later" in [t.name for t in c.collect().tables]


# -- locks, long queries, actions -------------------------------------------------------------

def test_blocking_pair_is_found_and_terminating_the_blocker_frees_the_waiter(
        schema_with_table, collectors, engines):
    url, engine = schema_with_table
    c = collectors(url)
    blocker = engine.connect()
    try:
        a = connection_id(blocker)
        blocker.exec_driver_sql("BEGIN")
        blocker.exec_driver_sql("UPDATE orders SET v = -1 WHERE id = 1")
        waiter = Runner(engines(url), "UPDATE orders SET v = 99 WHERE id = 1",
                        setup=("SET SESSION innodb_lock_wait_timeout = 30",))
        waiter.start()
        assert waiter.ready.wait(5) and waiter.pid

        def b_blocked(s: DatabaseSnapshot) -> bool:
            b = session(s, waiter.pid)
            return b is not None and a in b.blocked_by

        snap = poll_until(c, b_blocked)
        b, held = session(snap, waiter.pid), session(snap, a)
        assert b is not None and b.blocked_by == (a,), (snap.notes, snap.sessions)
        assert b.state == "waiting" and "UPDATE orders SET v = 99" in b.query
        assert held is not None and held.state == "idle in transaction" and held.xact_age_s is not None
        assert snap.lock_waits >= 1
        assert dict(snap.connections_by_state)["waiting"] >= 1

        action = c.build_action("terminate", pid=a)
        assert action.statement == f"KILL {a}"
        result = c.run_action(action)
        assert result.ok, result.message
        waiter.join(5)
        assert not waiter.is_alive() and waiter.error is None
        after = c.collect()
        assert session(after, a) is None and session(after, waiter.pid) is None
    finally:
        blocker.invalidate()
        blocker.close()


class OnceFailingTransactions(MySQLCollector):
    """The transactions statement fails once with a real server error that is not a refusal
    (1242, a subquery returning two rows), as a passing fault would."""

    fail_next = True

    def query(self, conn, sql, params=None):
        if self.fail_next and self.flavor is not None and sql == self.flavor.lock_waits_sql:
            self.fail_next = False
            sql = "SELECT trx_id FROM information_schema.INNODB_TRX WHERE trx_id = (SELECT 1 UNION SELECT 2)"
        return super().query(conn, sql, params)


def test_a_passing_error_on_the_lock_panel_is_asked_again_at_the_next_poll(
        schema_with_table, collectors):
    url, engine = schema_with_table
    c = collectors(url, cls=OnceFailingTransactions)
    holder = engine.connect()
    try:
        a = connection_id(holder)
        holder.exec_driver_sql("BEGIN")
        holder.exec_driver_sql("UPDATE orders SET v = -1 WHERE id = 1")
        first = c.collect()
        assert "activity unavailable: Subquery returns more than 1 row" in first.note("activity")
        assert session(first, a).xact_age_s is None and first.lock_waits is None
        time.sleep(0.15)  # MariaDB's lock-wait cache, see poll_until
        second = c.collect()  # not held until the slow refresh a minute later
        assert second.note("activity") == "", second.notes
        assert session(second, a).state == "idle in transaction"
        assert session(second, a).xact_age_s is not None and second.lock_waits == 0
    finally:
        holder.invalidate()
        holder.close()


def test_a_long_query_shows_its_running_time_and_cancel_stops_it(
        schema_with_table, collectors, engines):
    url, _engine = schema_with_table
    c = collectors(url, long_query_s=0.5)
    sleeper = Runner(engines(url), "SELECT SLEEP(2)")
    started = time.monotonic()
    sleeper.start()
    assert sleeper.ready.wait(5)

    def long_enough(s: DatabaseSnapshot) -> bool:
        mine = session(s, sleeper.pid)
        return mine is not None and (mine.duration_s or 0) >= c.long_query_s

    snap = poll_until(c, long_enough, timeout_s=3)
    mine = session(snap, sleeper.pid)
    assert mine is not None and mine.state == "active" and "SLEEP(2)" in mine.query
    # MariaDB's TIME_MS gives sub-second precision; PROCESSLIST.TIME would still say 0 here.
    assert c.long_query_s <= mine.duration_s < 2.0
    result = c.run_action(c.build_action("cancel", pid=sleeper.pid))
    assert result.ok and result.action.statement == f"KILL QUERY {sleeper.pid}"
    sleeper.join(3)
    assert not sleeper.is_alive() and time.monotonic() - started < 1.9


def test_optimize_analyze_and_explain_on_a_real_table(schema_with_table, collectors):
    url, _engine = schema_with_table
    schema = make_url(url).database
    c = collectors(url)
    analyze = c.run_action(c.build_action("analyze", table="orders"))
    assert analyze.action.statement == f"ANALYZE TABLE `{schema}`.`orders`"
    assert analyze.ok and analyze.message == "OK"
    assert analyze.rows == ((f"{schema}.orders", "analyze", "status", "OK"),)

    optimize = c.run_action(c.build_action("optimize", table="orders", schema=schema))
    assert optimize.ok, optimize.message
    assert [r[1] for r in optimize.rows] and all(r[1] == "optimize" for r in optimize.rows)
    assert optimize.rows[-1][2:] == ("status", "OK")  # InnoDB notes "recreate + analyze" first

    missing = c.run_action(c.build_action("analyze", table="no_such_table"))
    assert not missing.ok and "doesn't exist" in missing.message

    explain = c.run_action(c.build_action("explain", query="SELECT * FROM orders WHERE v LIKE '1%';"))
    assert explain.ok and explain.action.statement.endswith("LIKE '1%'")
    assert explain.rows and "orders" in explain.rows[0]
    with pytest.raises(ValueError, match="single statement"):
        c.build_action("explain", query="SELECT 1; DROP TABLE orders")
    with pytest.raises(ValueError, match="OPTIMIZE"):
        c.build_action("vacuum", table="orders")


def test_killing_a_session_that_is_gone_says_so(my_database, collectors):
    c = collectors(my_database())
    result = c.run_action(c.build_action("terminate", pid=987654321))
    assert not result.ok
    assert result.message == "session 987654321 was not found (it may have ended)"


# -- a restricted account and failures -------------------------------------------------------

@pytest.fixture
def monitor_user(schema_with_table, my_admin) -> Iterator[tuple[str, str, str]]:
    """(url, user, password): an account with SELECT on the test schema only, no PROCESS."""
    url, _engine = schema_with_table
    schema = make_url(url).database
    user, password = f"erpc_mon_{_random.token_hex(3)}", _random.token_urlsafe(12)
    with my_admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'")
        conn.exec_driver_sql(f"GRANT SELECT ON `{schema}`.* TO '{user}'@'127.0.0.1'")
    yield f"mysql+pymysql://{user}@127.0.0.1:3306/{schema}", user, password
    with my_admin.connect() as conn:
        conn.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'127.0.0.1'")


def test_an_account_without_process_sees_its_own_sessions_and_is_told_the_grant(
        monitor_user, schema_with_table, collectors, engines):
    url, user, password = monitor_user
    SecretStore().set("db:restricted", password)
    root_session = engines(schema_with_table[0]).connect()  # someone else's: must stay hidden
    app = engines(url.replace(f"{user}@", f"{user}:{password}@")).connect()
    try:
        c = collectors(url, name="restricted")
        snap = c.collect()
        assert snap.sessions and {s.user for s in snap.sessions} == {user}
        assert connection_id(app) in [s.pid for s in snap.sessions]
        assert f"GRANT PROCESS ON *.* TO '{user}'@'127.0.0.1'" in snap.note("activity")
        assert "GRANT" in snap.note("replication") and f"'{user}'@'127.0.0.1'" in snap.note("replication")
        assert snap.lock_waits is None  # unknowable without PROCESS, not zero
        # The rest works: counters, the tables it may read, a rate on the next poll.
        assert snap.connections >= 3
        assert sum(n for _s, n in snap.connections_by_state) == snap.connections
        assert "orders" in [t.name for t in snap.tables]
        again = c.collect()
        assert again.commits_ps is not None and again.note("activity") == snap.note("activity")
        assert again.queries == 2  # refused panels are not asked again until the slow refresh
    finally:
        app.close()
        root_session.close()


def test_a_wrong_stored_password_is_auth_failed(monitor_user, collectors):
    url, user, _password = monitor_user
    SecretStore().set("db:wrongpw", "not-the-password")
    c = collectors(url, name="wrongpw", password_env="ERPC_TEST_UNSET_PW")
    with pytest.raises(CollectorError) as err:
        c.collect()
    assert err.value.kind is Health.AUTH_FAILED
    assert "erpconsole secret set db:wrongpw" in err.value.message
    assert "ERPC_TEST_UNSET_PW" in err.value.message and user in err.value.message


def test_a_server_that_is_down_is_unreachable(collectors):
    port = free_port()
    c = collectors(f"mysql+pymysql://root@127.0.0.1:{port}/x", connect_timeout_s=2)
    started = time.monotonic()
    with pytest.raises(CollectorError) as err:
        c.collect()
    assert err.value.kind is Health.UNREACHABLE and f"127.0.0.1:{port}" in err.value.message
    assert time.monotonic() - started < 3


def test_an_unknown_database_is_an_error_that_names_it(my_admin, collectors):
    c = collectors("mysql+pymysql://root@127.0.0.1:3306/erpc_no_such_db_x")
    with pytest.raises(CollectorError) as err:
        c.collect()
    assert err.value.kind is Health.ERROR
    assert "erpc_no_such_db_x does not exist" in err.value.message


class SlowPollCollector(MySQLCollector):
    """A poll that takes longer than the statement timeout, through the counted query path."""

    def _poll(self, conn):
        self.query(conn, "SELECT SLEEP(1)")
        return super()._poll(conn)


def test_a_statement_over_the_timeout_is_timeout(my_database, collectors):
    c = collectors(my_database(), cls=SlowPollCollector, statement_timeout_ms=200)
    with pytest.raises(CollectorError) as err:
        c.collect()
    # TIMEOUT (not a finished SLEEP) is the proof that the server cut the statement short.
    assert err.value.kind is Health.TIMEOUT and "200 ms" in err.value.message
