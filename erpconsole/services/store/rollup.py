"""Rollups (raw -> 1 minute -> 1 hour) and retention, in short transactions.

Each rollup level keeps a watermark in ``rollup_state``: every bucket before it is final. A
round rolls up one bounded window past the watermark and moves the watermark in the same
transaction, so a crash or a second run never double-counts; the upsert makes re-rolling a
window (after a reset) overwrite rather than duplicate. Retention never deletes data the next
level has not rolled up yet, and deletes at most ``trim_chunk`` rows per transaction, walking
one series at a time along the primary key, so the writer never holds a long lock.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from erpconsole.services.store.db import placeholders

log = logging.getLogger(__name__)

HOUR = 3600.0
DAY = 86400.0


@dataclass(frozen=True, slots=True)
class StorePolicy:
    """Retention and pacing of the store; the defaults are the product's."""

    raw_retention_s: float = 48 * HOUR
    minute_retention_s: float = 90 * DAY
    hour_retention_s: float = 730 * DAY
    rollup_lag_s: float = 120.0  # samples may reach the writer late; a minute is final after this
    minute_window_s: float = 6 * HOUR  # raw rolled up per round at most
    hour_window_s: float = 7 * DAY
    trim_chunk: int = 5000  # rows per delete transaction
    trim_budget: int = 50_000  # rows per table per round


@dataclass(frozen=True, slots=True)
class _Level:
    name: str  # watermark key
    source: str  # table read
    source_ts: str
    dest: str
    seconds: int


MINUTE_LEVEL = _Level("1m", "samples", "ts", "rollup_1m", 60)
HOUR_LEVEL = _Level("1h", "rollup_1m", "bucket_ts", "rollup_1h", 3600)

_UPSERT_TAIL = (
    " ON CONFLICT (series_id, bucket_ts) DO UPDATE SET min = excluded.min, max = excluded.max,"
    " avg = excluded.avg, count = excluded.count"
)


def _floor(ts: float, seconds: int) -> float:
    return math.floor(ts / seconds) * seconds


class Rollups:
    """Rollup and retention rounds on one engine (called from the writer thread)."""

    def __init__(self, engine: Engine, policy: StorePolicy) -> None:
        self._engine = engine
        self._policy = policy
        self._q = lambda sql: placeholders(engine, sql)
        sqlite = engine.dialect.name == "sqlite"
        # Epoch seconds are positive, so truncation is floor; PostgreSQL's CAST rounds instead.
        raw_bucket = "(CAST(r.ts AS INTEGER) / 60) * 60" if sqlite else "CAST(FLOOR(r.ts / 60) * 60 AS BIGINT)"
        # CROSS JOIN makes SQLite walk series first and seek each series' key range, instead of
        # scanning the whole data table for a time range.
        self._roll_sql = {
            "1m": self._q(
                "INSERT INTO rollup_1m (series_id, bucket_ts, min, max, avg, count)"
                f" SELECT r.series_id, {raw_bucket} AS b, MIN(r.value), MAX(r.value), AVG(r.value), COUNT(*)"
                " FROM series s CROSS JOIN samples r"
                " WHERE r.series_id = s.id AND r.ts >= ? AND r.ts < ?"
                " GROUP BY r.series_id, b" + _UPSERT_TAIL
            ),
            "1h": self._q(
                "INSERT INTO rollup_1h (series_id, bucket_ts, min, max, avg, count)"
                " SELECT m.series_id, (m.bucket_ts / 3600) * 3600 AS b, MIN(m.min), MAX(m.max),"
                " SUM(m.avg * m.count) / SUM(m.count), SUM(m.count)"
                " FROM series s CROSS JOIN rollup_1m m"
                " WHERE m.series_id = s.id AND m.bucket_ts >= ? AND m.bucket_ts < ?"
                " GROUP BY m.series_id, b" + _UPSERT_TAIL
            ),
        }

    # -- watermarks -------------------------------------------------------------------------

    def watermark(self, conn: Connection, name: str) -> float:
        row = conn.exec_driver_sql(self._q("SELECT watermark FROM rollup_state WHERE name = ?"), (name,)).first()
        return float(row[0]) if row else 0.0

    def set_watermark(self, conn: Connection, name: str, value: float) -> None:
        conn.exec_driver_sql(
            self._q(
                "INSERT INTO rollup_state (name, watermark) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET watermark = excluded.watermark"
            ),
            (name, value),
        )

    def _earliest(self, conn: Connection, table: str, col: str, since: float) -> float | None:
        """First time at or after ``since`` in ``table``: one key seek per series, no scan."""
        sql = (
            f"SELECT MIN(m) FROM (SELECT (SELECT MIN(t.{col}) FROM {table} t"
            f" WHERE t.series_id = s.id AND t.{col} >= ?) AS m FROM series s) x"
        )
        row = conn.exec_driver_sql(self._q(sql), (since,)).first()
        return None if row is None or row[0] is None else float(row[0])

    # -- rollups ----------------------------------------------------------------------------

    def roll(self, level: _Level, complete_until: float) -> tuple[int, bool]:
        """Roll one window of ``level`` before ``complete_until``: (buckets written, more to do)."""
        complete = _floor(complete_until, level.seconds)
        with self._engine.begin() as conn:
            wm = self.watermark(conn, level.name)
            first = self._earliest(conn, level.source, level.source_ts, wm)
            if first is None or first >= complete:
                return 0, False
            start = max(wm, _floor(first, level.seconds))
            window = self._policy.minute_window_s if level is MINUTE_LEVEL else self._policy.hour_window_s
            end = min(complete, start + window)
            written = conn.exec_driver_sql(self._roll_sql[level.name], (start, end)).rowcount
            self.set_watermark(conn, level.name, end)
        log.debug("rolled %s [%s, %s): %d buckets", level.name, start, end, written)
        return max(written, 0), end < complete

    # -- retention --------------------------------------------------------------------------

    def trim(self, table: str, col: str, cutoff: float) -> tuple[int, bool]:
        """Delete rows older than ``cutoff`` in chunks: (rows deleted, more left)."""
        budget = self._policy.trim_budget
        deleted = 0
        with self._engine.connect() as conn:
            sids = [
                r[0]
                for r in conn.exec_driver_sql(
                    self._q(
                        f"SELECT s.id FROM series s WHERE EXISTS"
                        f" (SELECT 1 FROM {table} t WHERE t.series_id = s.id AND t.{col} < ?)"
                    ),
                    (cutoff,),
                )
            ]
        for sid in sids:
            while deleted < budget:
                n = self._trim_chunk(table, col, sid, cutoff, min(self._policy.trim_chunk, budget - deleted))
                deleted += n
                if n == 0:
                    break
            if deleted >= budget:
                return deleted, True
        return deleted, False

    def _trim_chunk(self, table: str, col: str, sid: int, cutoff: float, limit: int) -> int:
        with self._engine.begin() as conn:
            # The limit-th oldest key bounds the chunk: a key-range delete, portable SQL.
            bound = conn.exec_driver_sql(
                self._q(
                    f"SELECT {col} FROM {table} WHERE series_id = ? AND {col} < ?"
                    f" ORDER BY {col} LIMIT 1 OFFSET ?"
                ),
                (sid, cutoff, limit - 1),
            ).first()
            if bound is None:
                sql, params = f"DELETE FROM {table} WHERE series_id = ? AND {col} < ?", (sid, cutoff)
            else:
                sql, params = f"DELETE FROM {table} WHERE series_id = ? AND {col} <= ?", (sid, bound[0])
            return max(conn.exec_driver_sql(self._q(sql), params).rowcount, 0)

    # -- one round --------------------------------------------------------------------------

    def maintain(self, now: float) -> dict:
        """One rollup window per level, then one budget of retention per table."""
        p = self._policy
        out: dict = {}
        out["rolled_1m"], more_1m = self.roll(MINUTE_LEVEL, now - p.rollup_lag_s)
        with self._engine.connect() as conn:
            wm_1m = self.watermark(conn, "1m")
        out["rolled_1h"], more_1h = self.roll(HOUR_LEVEL, wm_1m)
        with self._engine.connect() as conn:
            wm_1h = self.watermark(conn, "1h")
        # Raw rows stay until rolled into minutes, minutes until rolled into hours.
        out["trimmed_raw"], more_raw = self.trim("samples", "ts", min(now - p.raw_retention_s, wm_1m))
        out["trimmed_1m"], more_m = self.trim("rollup_1m", "bucket_ts", min(now - p.minute_retention_s, wm_1h))
        out["trimmed_1h"], more_h = self.trim("rollup_1h", "bucket_ts", now - p.hour_retention_s)
        out["more"] = any((more_1m, more_1h, more_raw, more_m, more_h))
        return out
