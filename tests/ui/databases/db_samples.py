"""Synthetic database snapshots and statuses for the page tests: what a busy ERP database
looks like at 3 a.m. (a long query holding a lock, two sessions waiting behind it)."""

from __future__ import annotations

import time

from erpconsole.services.models import (
    DatabaseSnapshot, DbIndex, DbReplica, DbSequence, DbSession, DbStatement, DbTable, Finding, Health,
    Severity, TargetStatus,
)

LONG_QUERY = "SELECT o.id, o.partner_id, sum(l.amount)\n  FROM sale_order o\n  JOIN sale_order_line l ON l.order_id = o.id\n WHERE o.state = 'draft'\n GROUP BY o.id, o.partner_id"


def sessions():
    return (
        DbSession(4242, "odoo", "erp", "10.0.0.5:51234", "odoo-worker", "active", "", LONG_QUERY, 400.0, 410.0),
        DbSession(4243, "odoo", "erp", "10.0.0.5:51240", "odoo-worker", "active", "Lock:transactionid",
                  "UPDATE sale_order SET state = 'sale' WHERE id = 17", 120.0, 121.0, (4242,)),
        DbSession(4244, "odoo", "erp", "10.0.0.6:40000", "odoo-cron", "active", "Lock:tuple",
                  "UPDATE sale_order SET note = '' WHERE id = 17", 15.0, 15.0, (4242,)),
        DbSession(4245, "report", "erp", "10.0.0.7:41000", "metabase", "idle", "ClientRead", "SELECT 1", 0.1, None),
        DbSession(4246, "odoo", "erp", "10.0.0.5:51299", "odoo-web", "idle in transaction", "ClientRead",
                  "SELECT * FROM res_partner WHERE id = 3", 0.2, 45.0),
    )


def snapshot(target="erp-db", ts=None, i=0, kind="postgresql", **kw):
    ts = time.time() if ts is None else ts
    base = dict(
        version="16.4", uptime_s=86400 * 3 + 7200, connections=24, max_connections=100,
        connections_by_state=(("active", 3 + i % 3), ("idle", 18), ("idle in transaction", 1), ("waiting", 2)),
        commits_ps=120.0 + 10 * (i % 5), rollbacks_ps=1.5, cache_hit_percent=99.2 - 0.1 * (i % 4),
        rows_read_ps=5000.0 + 100 * i, rows_inserted_ps=40.0, rows_updated_ps=25.0, rows_deleted_ps=2.0,
        lock_waits=2, deadlocks_ps=0.0, temp_files_ps=0.1, temp_bytes_ps=1048576.0,
        size_bytes=5 * 1024**3 + i * 1024**2, wraparound_percent=12.0,
        sessions=sessions(),
        statements=(DbStatement("SELECT * FROM sale_order WHERE id = $1", 120000, 54000.0, 0.45, 120000, "1"),
                    DbStatement("UPDATE stock_quant SET quantity = $1 WHERE id = $2", 8000, 91000.0, 11.4, 8000, "2")),
        tables=(DbTable("public", "sale_order", 800 * 1024**2, 1_200_000, 300_000, None, ts - 86400, ts - 3600, 150_000_000),
                DbTable("public", "res_partner", 120 * 1024**2, 50_000, 10, None, None, ts - 7200, 20_000_000)),
        indexes=(DbIndex("public", "sale_order", "sale_order_note_idx", 30 * 1024**2, 0, True, False),
                 DbIndex("public", "sale_order", "sale_order_tmp_idx", 5 * 1024**2, 0, False, False)),
        sequences=(DbSequence("public", "ir_logging_id_seq", 2_000_000_000, 2_147_483_647),),
        replicas=(DbReplica("standby1", "replica", "10.0.0.9", "streaming", True, 4096, 0.5),),
        replication_lag_bytes=4096, replication_lag_s=0.5,
    )
    base.update(kw)
    return DatabaseSnapshot(target, ts, kind, **base)


def status(snap, health=Health.OK, message="", findings=(), interval=10.0):
    now = time.time()
    return TargetStatus(snap.target if snap else "erp-db", "database", health, message, interval, snap,
                        tuple(findings), now, now if health is Health.OK else None)


def finding(target, text, severity=Severity.WARNING, check="db_connections"):
    return Finding(severity, target, check, text)
