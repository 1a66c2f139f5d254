"""PostgreSQL rows -> snapshot parts, on rows shaped like the server's (Decimal intervals from
PostgreSQL 14+, NULLs where a role may not read), and the version-dependent statement text."""

from __future__ import annotations

from decimal import Decimal

from erpconsole.services.databases import pg_queries, pg_rows
from erpconsole.services.models import DbReplica


def act_row(pid, state="idle", wtype="", wevent="", blockers=None, own=False, duration=None):
    return (pid, "app", "erp", "10.0.0.9:5555", "odoo", state, wtype, wevent, "SELECT 1",
            duration, None, blockers, own, Decimal("1765000000.25"))


def test_activity_counts_every_client_and_lists_all_but_our_own() -> None:
    a = pg_rows.activity([
        act_row(1, "active", own=True),
        act_row(2, "active", duration=Decimal("-0.000004")),
        act_row(3, "active", "Lock", "transactionid", blockers=[2], duration=Decimal("12.5")),
        act_row(4, "idle in transaction"),
        act_row(5, ""),  # another user's session, seen without pg_read_all_stats
    ])
    assert a.connections == 5 and a.lock_waits == 1
    assert a.by_state == (("active", 2), ("idle", 0), ("idle in transaction", 1), ("waiting", 1),
                          ("unknown", 1))
    assert sum(n for _, n in a.by_state) == a.connections
    assert [s.pid for s in a.sessions] == [2, 3, 4, 5]
    waiting = a.sessions[1]
    assert (waiting.state, waiting.wait_event, waiting.blocked_by, waiting.duration_s) == (
        "waiting", "Lock:transactionid", (2,), 12.5)
    assert a.sessions[0].duration_s == 0.0  # started after our now(): not negative
    assert waiting.query_start_ts == 1765000000.25


def test_replication_worst_lag_ignores_slots() -> None:
    reps = pg_rows.replicas([
        ("standby1", "replica", "10.0.0.7", "streaming", None, 1024, Decimal("0.5"), None),
        ("standby2", "replica", "10.0.0.8", "catchup", None, 4096, None, None),
        ("slot_a", "slot", "", "reserved", False, None, None, 10**9),
    ])
    assert pg_rows.worst_lag(reps) == (4096, 0.5)
    assert reps[2] == DbReplica("slot_a", "slot", "", "reserved", False, None, None, 10**9)
    assert pg_rows.worst_lag(()) == (None, None)


def test_a_replica_reports_its_upstream() -> None:
    up = pg_rows.upstream(("10.0.0.6:5432", "streaming", 0, 0))
    assert (up.role, up.name, up.active, up.lag_bytes, up.lag_s) == (
        "upstream", "10.0.0.6:5432", True, 0, 0.0)
    gone = pg_rows.upstream(("", "disconnected", 2048, Decimal("95.25")))
    assert (gone.name, gone.active, pg_rows.worst_lag([gone])) == (
        "upstream", False, (2048, 95.25))


def test_cache_hit_needs_an_interval_with_block_accesses() -> None:
    assert pg_rows.hit_percent(None, None) is None
    assert pg_rows.hit_percent(0.0, 0.0) is None
    assert pg_rows.hit_percent(99.0, 1.0) == 99.0


def test_version_and_wraparound() -> None:
    assert pg_rows.short_version("15.20 (Debian 15.20-0+deb12u1)") == "PostgreSQL 15.20"
    assert pg_rows.short_version("17.2") == "PostgreSQL 17.2"
    assert pg_rows.wraparound_percent(2**30) == 50.0
    assert pg_rows.wraparound_percent(None) is None


def test_statements_columns_follow_the_server_version() -> None:
    assert "total_exec_time" in pg_queries.statements(130000, "public")
    old = pg_queries.statements(120015, "ext")
    assert "total_time" in old and "mean_time" in old and "exec_time" not in old
    assert '"ext".pg_stat_statements' in old
    assert "wal_status" in pg_queries.replication_primary(150000)
    assert "wal_status" not in pg_queries.replication_primary(120000)
