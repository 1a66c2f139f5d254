from __future__ import annotations

from sqlalchemy import inspect

from erpconsole.services.store import Store
from erpconsole.services.store.db import head_revision

from .helpers import rows

TABLES = {"series", "samples", "rollup_1m", "rollup_1h", "rollup_state", "events", "alembic_version", "audit",
          "access_campaigns", "access_extractions", "access_decisions", "backup_verifications", "backup_drills",
          "sop_runs", "sop_events", "audit_checkpoints", "alerts", "alert_notes", "silences", "outbox",
          "alert_lock", "incidents", "incident_alerts"}


def test_empty_file_migrates_to_head(store: Store) -> None:
    assert TABLES <= set(inspect(store.engine).get_table_names())
    assert rows(store, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    assert head_revision() == "0010"


def test_data_tables_are_clustered_by_series_and_time(store: Store) -> None:
    ddl = dict(rows(store, "SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    for name in ("samples", "rollup_1m", "rollup_1h"):
        assert "WITHOUT ROWID" in ddl[name], name
    pk = inspect(store.engine).get_pk_constraint("samples")["constrained_columns"]
    assert pk == ["series_id", "ts"]
    indexes = {i["name"] for i in inspect(store.engine).get_indexes("events")}
    assert {"ix_events_ts", "ix_events_target_ts"} <= indexes


def test_sqlite_pragmas_on_every_connection(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_reopen_keeps_data_and_version(store_url: str) -> None:
    first = Store(store_url)
    first.write_batch([])
    with first.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO series (target, metric, label) VALUES ('h', 'm', '')")
    first.close()
    again = Store(store_url)
    try:
        assert again.series("h") == [("m", "")]
        assert rows(again, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    finally:
        again.close()


def test_size_bytes_counts_file_and_wal(store: Store, store_url: str) -> None:
    assert store.size_bytes() > 0
