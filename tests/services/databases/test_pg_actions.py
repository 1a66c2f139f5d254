"""PostgreSQL actions: the confirmation shows exactly what runs, and what must not run is refused
before any connection (the real runs are in tests/integration/test_pg_collector.py)."""

from __future__ import annotations

import pytest

from erpconsole.config import DatabaseConfig
from erpconsole.services.databases.postgres import PostgresCollector
from erpconsole.services.models import DbAction


@pytest.fixture
def pg() -> PostgresCollector:
    # Building actions never connects: no server needed here.
    return PostgresCollector(DatabaseConfig(name="erp-db", url="postgresql+psycopg://m@h/erp"))


def test_signals_put_the_pid_in_the_text(pg) -> None:
    cancel = pg.build_action("cancel", pid=4242)
    assert (cancel.target, cancel.action, cancel.statement, cancel.subject) == (
        "erp-db", "cancel", "SELECT pg_cancel_backend(4242)", "pid 4242")
    assert pg.build_action("terminate", pid=7).statement == "SELECT pg_terminate_backend(7)"


@pytest.mark.parametrize("pid", [None, "4242", "1); DROP TABLE x; --", 4.0, True, 0, -5])
def test_a_pid_that_is_not_a_positive_int_is_refused(pg, pid) -> None:
    with pytest.raises(ValueError, match="pid"):
        pg.build_action("terminate", pid=pid)


def test_maintenance_quotes_names(pg) -> None:
    assert pg.build_action("analyze", schema="public", table="orders").statement == \
        'ANALYZE "public"."orders"'
    vacuum = pg.build_action("vacuum", schema='odd"schema', table='we"ird; DROP')
    assert vacuum.statement == 'VACUUM (ANALYZE) "odd""schema"."we""ird; DROP"'
    assert pg.build_action("analyze", table="Orders").statement == 'ANALYZE "Orders"'


@pytest.mark.parametrize("table, schema", [(None, "public"), ("", "public"), ("t", ""),
                                           ("a\x00b", None)])
def test_maintenance_needs_a_valid_name(pg, table, schema) -> None:
    with pytest.raises(ValueError):
        pg.build_action("vacuum", table=table, schema=schema)


def test_explain_takes_one_statement(pg) -> None:
    assert pg.build_action("explain", query="  SELECT * FROM t WHERE a = 1 ; \n").statement == \
        "EXPLAIN SELECT * FROM t WHERE a = 1"
    assert pg.build_action("explain", query="(SELECT 1) UNION (SELECT 2)").statement == \
        "EXPLAIN (SELECT 1) UNION (SELECT 2)"


@pytest.mark.parametrize("query, why", [
    ("SELECT 1; DROP TABLE t", "one statement"),
    ("SELECT ';'; DELETE FROM t", "one statement"),
    ("SELECT 1;;", "one statement"),
    ("", "type the statement"),
    (";", "type the statement"),
    ("ANALYZE DELETE FROM t", "ANALYZE"),
    ("(analyze, buffers) SELECT 1", "ANALYZE"),
])
def test_explain_refuses(pg, query, why) -> None:
    with pytest.raises(ValueError, match=why):
        pg.build_action("explain", query=query)


@pytest.mark.parametrize("action, message", [("optimize", "MySQL"), ("drop", "unknown action")])
def test_other_actions_are_refused(pg, action, message) -> None:
    with pytest.raises(ValueError, match=message):
        pg.build_action(action, table="t", schema="public")


def test_a_signal_that_found_no_session_is_not_ok(pg) -> None:
    action = pg.build_action("cancel", pid=99)
    assert pg._judge(action, (("False",),)) == (False, "session 99 was not found (it may have ended)")
    ok, message = pg._judge(action, (("True",),))
    assert ok and "99" in message
    ok, message = pg._judge(DbAction("erp-db", "explain", "EXPLAIN SELECT 1"), (("a",), ("b",)))
    assert ok and "2 lines" in message
