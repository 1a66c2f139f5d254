"""The server-free parts of the MySQL/MariaDB collector: version differences, action text,
statement vetting, row -> model rules, error codes -> health. The collector itself is tested
against the real MariaDB in tests/integration/test_mysql_collector.py."""

from __future__ import annotations

import pytest
from pymysql.err import OperationalError, ProgrammingError
from sqlalchemy import exc as sa_exc

from erpconsole.services.databases import mysql_actions, mysql_rows
from erpconsole.services.databases.mysql_errors import ErrorContext, classify, quote_account
from erpconsole.services.databases.mysql_sql import TRX_LOCK_WAITS_IS, TRX_LOCK_WAITS_PS, Flavor
from erpconsole.services.models import DbAction, Health


def test_flavor_from_version_strings() -> None:
    maria = Flavor.parse("10.11.19-MariaDB-0+deb12u1")
    assert (maria.kind, maria.label) == ("mariadb", "MariaDB 10.11.19")
    assert maria.timeout_sql(3000) == "SET SESSION max_statement_time = 3.000"
    assert maria.replica_status_sql == "SHOW REPLICA STATUS"
    assert maria.replication_privilege == "SLAVE MONITOR"
    assert maria.lock_waits_sql == TRX_LOCK_WAITS_IS and "TIME_MS" in maria.processlist_sql

    old_maria = Flavor.parse("10.4.32-MariaDB")
    assert old_maria.replica_status_sql == "SHOW SLAVE STATUS"
    assert old_maria.replication_privilege == "REPLICATION CLIENT"

    mysql8 = Flavor.parse("8.0.36-0ubuntu0.22.04.1", performance_schema=True)
    assert (mysql8.kind, mysql8.label) == ("mysql", "MySQL 8.0.36")
    assert mysql8.timeout_sql(3000) == "SET SESSION max_execution_time = 3000"
    assert mysql8.replica_status_sql == "SHOW REPLICA STATUS"
    assert mysql8.lock_waits_sql == TRX_LOCK_WAITS_PS and "TIME_MS" not in mysql8.processlist_sql
    assert Flavor.parse("8.0.36", performance_schema=False).lock_waits_sql is None
    assert Flavor.parse("8.0.21").replica_status_sql == "SHOW SLAVE STATUS"
    assert Flavor.parse("5.7.44-log").lock_waits_sql == TRX_LOCK_WAITS_IS


def test_actions_are_exact_statements_with_checked_literals() -> None:
    build = lambda action, **kw: mysql_actions.build("db", action, default_schema="erp", **kw)  # noqa: E731
    assert build("cancel", pid=42).statement == "KILL QUERY 42"
    assert build("terminate", pid="42").statement == "KILL 42"
    assert build("analyze", table="orders").statement == "ANALYZE TABLE `erp`.`orders`"
    assert build("optimize", table="we`ird", schema="s").statement == "OPTIMIZE TABLE `s`.`we``ird`"
    for bad in ("42; DROP TABLE x", None, 0, -1, True):
        with pytest.raises(ValueError):
            build("terminate", pid=bad)
    with pytest.raises(ValueError, match="PostgreSQL and SQLite"):
        build("vacuum", table="orders")
    with pytest.raises(ValueError):
        build("reindex", table="orders")
    with pytest.raises(ValueError, match="schema"):
        mysql_actions.build("db", "analyze", default_schema=None, table="orders")


@pytest.mark.parametrize("query, expected", [
    ("SELECT 1;", "SELECT 1"),
    ("  SELECT 1 ;  -- done\n", "SELECT 1"),
    ("SELECT ';' AS x, `a;b` FROM t WHERE c = \"x;\" ; ", "SELECT ';' AS x, `a;b` FROM t WHERE c = \"x;\""),
    ("SELECT 'it\\'s; fine'", "SELECT 'it\\'s; fine'"),
    ("SELECT 1 /* ; */ FROM dual", "SELECT 1 /* ; */ FROM dual"),
    ("SELECT 1 # ; a comment\n", "SELECT 1 # ; a comment"),
])
def test_one_statement_passes(query: str, expected: str) -> None:
    assert mysql_actions.single_statement(query) == expected


@pytest.mark.parametrize("query", [
    "SELECT 1; SELECT 2", "SELECT 1;DROP TABLE t;", "", " ; -- nothing\n",
    "SELECT 1 /*!50000 ; DROP TABLE t */",
])
def test_several_or_no_statements_are_refused(query: str) -> None:
    with pytest.raises(ValueError):
        mysql_actions.single_statement(query)


def test_judging_analyze_and_optimize_rows() -> None:
    optimize = DbAction("db", "optimize", "OPTIMIZE TABLE `erp`.`t`")
    ok, message = mysql_actions.judge(optimize, (
        ("erp.t", "optimize", "note", "Table does not support optimize, doing recreate + analyze instead"),
        ("erp.t", "optimize", "status", "OK")))
    assert ok and message.endswith("; OK")
    ok, message = mysql_actions.judge(DbAction("db", "analyze", "ANALYZE TABLE `erp`.`x`"), (
        ("erp.x", "analyze", "Error", "Table 'erp.x' doesn't exist"),
        ("erp.x", "analyze", "status", "Operation failed")))
    assert not ok and message == "Table 'erp.x' doesn't exist; Operation failed"


def test_session_states_follow_command_and_transactions() -> None:
    trx = mysql_rows.transactions([
        (10, "RUNNING", 30, None),
        (11, "LOCK WAIT", 2, 10), (11, "LOCK WAIT", 2, 12), (11, "LOCK WAIT", 2, 10),
    ])
    rows = [
        (10, "erp", "10.0.0.9:5000", "erp", "Sleep", "", None, 12.5),
        (11, "erp", "localhost", "erp", "Query", "Updating", "UPDATE t SET v=1", 2.0),
        (12, "erp", "10.0.0.9:5001", "erp", "Sleep", "", None, 1),
        (13, "app", "10.0.0.9:5002", "erp", "Query", "Waiting for table metadata lock", "ALTER", 4),
        (14, "repl", "10.0.0.7:4000", None, "Binlog Dump", "Sending binlog", None, 90000),
        (15, "app", "10.0.0.9:5003", "erp", "Query", "Sending data", "SELECT", 0.2),
    ]
    s = {x.pid: x for x in mysql_rows.sessions(rows, trx)}
    assert (s[10].state, s[10].xact_age_s) == ("idle in transaction", 30.0)
    assert (s[11].state, s[11].blocked_by, s[11].client) == ("waiting", (10, 12), "local")
    assert s[11].wait_event == mysql_rows.ROW_LOCK_WAIT
    assert (s[12].state, s[13].state, s[14].state, s[15].state) == (
        "idle", "waiting", "replication", "active")
    counts = dict(mysql_rows.state_counts(tuple(s.values()), 7, sees_all=True))
    assert counts == {"active": 2, "idle": 1, "idle in transaction": 1, "waiting": 2, "replication": 1}
    # Without PROCESS: what is not visible is "other", and the counts still add up.
    partial = dict(mysql_rows.state_counts((s[12],), 9, sees_all=False))
    assert partial == {"active": 1, "idle": 1, "idle in transaction": 0, "waiting": 0, "other": 7}


def test_replica_status_in_old_and_new_words() -> None:
    old = mysql_rows.upstream({"Master_Host": "db1", "Master_Port": 3306, "Slave_IO_Running": "Yes",
                               "Slave_SQL_Running": "Yes", "Seconds_Behind_Master": 4,
                               "Last_IO_Error": "", "Last_SQL_Error": ""})
    assert (old.role, old.client, old.active, old.lag_s) == ("upstream", "db1:3306", True, 4.0)
    new = mysql_rows.upstream({"Source_Host": "db2", "Source_Port": 3307, "Replica_IO_Running": "No",
                               "Replica_SQL_Running": "Yes", "Seconds_Behind_Source": None,
                               "Last_IO_Error": "error connecting to master"})
    assert not new.active and new.lag_s is None and "error connecting" in new.state


def _wrapped(cls, code: int, text: str) -> sa_exc.DBAPIError:
    return sa_exc.OperationalError("SELECT 1", None, cls(code, text))


CTX = ErrorContext(name="erp-db", password_env=None, address="db:3306", database="erp",
                   account="'mon'@'%'", user="mon", statement_timeout_ms=3000, read_timeout_s=6)


@pytest.mark.parametrize("code, text, health, words", [
    (1045, "Access denied for user 'mon'@'x' (using password: YES)", Health.AUTH_FAILED,
     "erpconsole secret set db:erp-db"),
    (2003, "Can't connect to MySQL server on 'db'", Health.UNREACHABLE, "cannot reach db:3306"),
    (2013, "Lost connection to MySQL server during query (timed out)", Health.TIMEOUT, "6 s"),
    (2006, "MySQL server has gone away", Health.UNREACHABLE, "cannot reach"),
    (1969, "Query execution was interrupted (max_statement_time exceeded)", Health.TIMEOUT, "3000 ms"),
    (3024, "Query execution was interrupted, maximum statement execution time exceeded",
     Health.TIMEOUT, "3000 ms"),
    (1049, "Unknown database 'erp'", Health.ERROR, "erp does not exist"),
    (1227, "Access denied; you need (at least one of) the PROCESS privilege(s) for this operation",
     Health.ERROR, "GRANT PROCESS ON *.* TO 'mon'@'%'"),
    (1142, "SELECT command denied to user 'mon'@'x' for table `performance_schema`.`threads`",
     Health.ERROR, "GRANT SELECT ON `performance_schema`.* TO 'mon'@'%'"),
    (1044, "Access denied for user 'mon'@'%' to database 'erp'", Health.ERROR,
     "GRANT SELECT ON `erp`.* TO 'mon'@'%'"),
    (1094, "Unknown thread id: 4242", Health.ERROR, "session 4242 was not found (it may have ended)"),
])
def test_error_codes_become_health_states(code, text, health, words) -> None:
    cls = ProgrammingError if code in (1142, 1044) else OperationalError
    err = classify(_wrapped(cls, code, text), CTX)
    assert err is not None and err.kind is health and words in err.message


def test_other_errors_are_left_to_the_base_class() -> None:
    assert classify(_wrapped(OperationalError, 1064, "You have an error in your SQL syntax"), CTX) is None
    assert classify(ValueError("x"), CTX) is None


def test_accounts_are_quoted_for_grant() -> None:
    assert quote_account("monitor@10.0.0.%") == "'monitor'@'10.0.0.%'"
    assert quote_account("o'neil@localhost") == "'o''neil'@'localhost'"


def test_a_metadata_lock_waiter_waits_on_the_other_holders_of_its_table() -> None:
    rows = [(10, "erp", "erp", "", None, 0.0), (11, "erp", "erp", "Query", "Waiting for table metadata lock", 5.0),
            (12, "erp", "erp", "Query", "Waiting for table metadata lock", 4.0)]
    listed = mysql_rows.sessions([(pid, user, "h", db, cmd, st, "ALTER TABLE t ADD c int", t)
                                  for pid, user, db, cmd, st, t in rows], {10: mysql_rows.TrxInfo(30.0, False)})
    assert [s.pid for s in listed if mysql_rows.waits_for_metadata(s)] == [11, 12]
    # 10's transaction read t; 11 (ALTER) holds t's upgradable lock while it waits; 12 holds nothing.
    held = [(10, "erp", "t"), (10, "erp", "other"), (11, "erp", "t"), (12, "erp", "unrelated")]
    out = {s.pid: s.blocked_by for s in mysql_rows.metadata_blockers(listed, held)}
    assert out == {10: (), 11: (10,), 12: ()}
