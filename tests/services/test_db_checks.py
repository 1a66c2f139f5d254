"""Database findings: the defaults of the issue (connections 80/95%, cache hit under 95%,
replication lag 60/300 s, a query over 5 min, wraparound 50/80%) and quiet cases that do not fire."""

from __future__ import annotations

import pytest

from erpconsole.services import checks
from erpconsole.services.models import DatabaseSnapshot, DbSession, DbThresholds, Severity


def snap(**kw) -> DatabaseSnapshot:
    return DatabaseSnapshot(target="erp-db", ts=0.0, kind="postgresql", **kw)


def found(s: DatabaseSnapshot, t: DbThresholds | None = None) -> list[tuple[str, Severity]]:
    return [(f.check, f.severity) for f in checks.db_findings(s, t or DbThresholds())]


def test_a_quiet_database_has_no_findings() -> None:
    quiet = snap(connections=10, max_connections=100, cache_hit_percent=99.9, replication_lag_s=2,
                 wraparound_percent=10,
                 sessions=(DbSession(1, state="active", duration_s=10.0),
                           DbSession(2, state="idle", duration_s=3600.0)))
    assert found(quiet) == []


@pytest.mark.parametrize("used, expected", [(80, []), (81, [("db_connections", Severity.WARNING)]),
                                            (95, [("db_connections", Severity.WARNING)]),
                                            (96, [("db_connections", Severity.CRITICAL)])])
def test_connections_against_the_maximum(used, expected) -> None:
    assert found(snap(connections=used, max_connections=100)) == expected


def test_connections_message_names_the_numbers() -> None:
    [f] = checks.db_findings(snap(connections=191, max_connections=200), DbThresholds())
    assert f.message == "191 of 200 connections in use (96%; critical over 95%)"


def test_cache_hit_under_95_warns() -> None:
    assert found(snap(cache_hit_percent=94.0)) == [("db_cache_hit", Severity.WARNING)]
    assert found(snap(cache_hit_percent=95.0)) == []


@pytest.mark.parametrize("lag, expected", [(60, []), (61, [("db_replication_lag", Severity.WARNING)]),
                                           (300, [("db_replication_lag", Severity.WARNING)]),
                                           (301, [("db_replication_lag", Severity.CRITICAL)])])
def test_replication_lag(lag, expected) -> None:
    assert found(snap(replication_lag_s=lag)) == expected


def test_a_query_over_five_minutes_and_a_long_idle_transaction() -> None:
    s = snap(sessions=(DbSession(7, user="erp", state="active", duration_s=301.0),
                       DbSession(8, user="erp", state="idle in transaction", duration_s=1.0,
                                 xact_age_s=400.0),
                       DbSession(9, state="active", duration_s=299.0)))
    fs = checks.db_findings(s, DbThresholds())
    assert [(f.check, f.severity) for f in fs] == [("db_long_query", Severity.WARNING)] * 2
    assert "session 7 (erp)" in fs[0].message and "5 min" in fs[0].message
    assert "idle in a transaction" in fs[1].message


def test_wraparound() -> None:
    assert found(snap(wraparound_percent=49.9)) == []
    assert found(snap(wraparound_percent=50)) == []
    assert found(snap(wraparound_percent=50.5)) == [("db_wraparound", Severity.WARNING)]
    assert found(snap(wraparound_percent=80.5)) == [("db_wraparound", Severity.CRITICAL)]


def test_thresholds_from_the_inventory_apply() -> None:
    t = DbThresholds(connections_warning=50, connections_critical=60, long_query_warning_s=10)
    s = snap(connections=55, max_connections=100,
             sessions=(DbSession(1, state="active", duration_s=11.0),))
    assert found(s, t) == [("db_connections", Severity.WARNING), ("db_long_query", Severity.WARNING)]


def test_a_30_s_query_over_a_10_s_limit_reads_in_seconds() -> None:
    # It read "running for 0 min (warning at 0.166667 min)".
    s = snap(sessions=(DbSession(7, user="erp", state="active", duration_s=30.0),
                       DbSession(8, user="erp", state="active", duration_s=10.0)))
    [f] = checks.db_findings(s, DbThresholds(long_query_warning_s=10))
    assert f.message == "query of session 7 (erp) running for 30 s (warning over 10 s)"


def test_durations_in_findings_take_the_unit_that_fits() -> None:
    s = snap(replication_lag_s=4000.0,
             sessions=(DbSession(8, user="odoo", state="idle in transaction", duration_s=1.0,
                                 xact_age_s=745.0),))
    lag, idle = checks.db_findings(s, DbThresholds())
    assert lag.message == "replication lag 1.11 h (critical over 5 min)"
    assert idle.message.startswith("session 8 (odoo) idle in a transaction for 12.4 min "
                                    "(warning over 5 min)")
