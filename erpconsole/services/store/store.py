"""The metric store: series, raw samples, rollups and the event log in one SQL database."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence

from sqlalchemy.engine import make_url

from erpconsole.services.models import Event, Sample, Severity
from erpconsole.services.store.audit import AuditTrail
from erpconsole.services.store.db import make_engine, migrate, placeholders
from erpconsole.services.store.history import HistoryReader, Resolution, Series, pick_resolution
from erpconsole.services.store.rollup import Rollups, StorePolicy

log = logging.getLogger(__name__)

SeriesKey = tuple[str, str, str]  # (target, metric, label)


class Store:
    """Opens (creating and migrating to head) the store at a SQLAlchemy URL.

    Reads are safe from any thread. Writes are meant for one thread: ``StoreWriter``.
    """

    def __init__(self, url: str, policy: StorePolicy | None = None) -> None:
        self.url = url
        self.policy = policy or StorePolicy()
        self.engine = make_engine(url)
        try:
            migrate(self.engine)
        except Exception:
            self.engine.dispose()
            raise
        q = lambda sql: placeholders(self.engine, sql)  # noqa: E731
        self._insert_sample = q("INSERT INTO samples (series_id, ts, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        self._insert_event = q(
            "INSERT INTO events (ts, target, level, kind, message, detail, state) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        self._insert_series = q("INSERT INTO series (target, metric, label) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        self._q = q
        self._ids: dict[SeriesKey, int] = {}
        self._ids_lock = threading.Lock()
        self._rollups = Rollups(self.engine, self.policy)
        self._reader = HistoryReader(self.engine, self.policy)
        self.audit = AuditTrail(self.engine)
        self._load_series_ids()

    # -- writing (the writer thread) ---------------------------------------------------------

    def write_batch(self, samples: Sequence[Sample], events: Sequence[Event] = ()) -> int:
        """Insert samples and events in one transaction; returns the samples written.

        NaN cannot be stored (SQLite turns it into NULL), so such samples are dropped.
        """
        keys = [(s.target, s.metric, s.label) for s in samples]
        missing = set(keys).difference(self._ids)
        if missing:
            self._create_series(missing)
        ids = self._ids
        rows = [(ids[k], s.ts, s.value) for k, s in zip(keys, samples) if s.value == s.value]
        event_rows = [(e.ts, e.target, str(e.level), e.kind, e.message, e.detail, e.state) for e in events]
        if not rows and not event_rows:
            return 0
        with self.engine.begin() as conn:
            cur = conn.connection.cursor()  # DBAPI executemany: no per-row SQLAlchemy work
            try:
                if rows:
                    cur.executemany(self._insert_sample, rows)
                if event_rows:
                    cur.executemany(self._insert_event, event_rows)
            finally:
                cur.close()
        return len(rows)

    def _create_series(self, keys: set[SeriesKey]) -> None:
        # Committed on its own, so a failed sample batch never leaves stale ids in the cache.
        with self.engine.begin() as conn:
            conn.exec_driver_sql(self._insert_series, sorted(keys))
        self._load_series_ids()

    def _load_series_ids(self) -> None:
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT id, target, metric, label FROM series").fetchall()
        with self._ids_lock:
            self._ids = {(t, m, lb): int(i) for i, t, m, lb in rows}

    def maintain(self, now: float) -> dict:
        """One round of rollups and a chunk of retention; ``more`` says another round has work."""
        return self._rollups.maintain(now)

    # -- reading (any thread) ---------------------------------------------------------------

    def resolution(self, start: float, end: float, now: float | None = None) -> Resolution:
        return pick_resolution(start, end, time.time() if now is None else now, self.policy)

    def history(
        self, target: str, metric: str, label: str, start: float, end: float, now: float | None = None
    ) -> Series:
        """(ts, values) of one series in [start, end), at the resolution the span calls for."""
        return self._reader.history(target, metric, label, start, end, time.time() if now is None else now)

    def host_history(
        self, target: str, start: float, end: float, now: float | None = None
    ) -> dict[tuple[str, str], Series]:
        """{(metric, label): (ts, values)} for every series of ``target`` (empty arrays if none)."""
        return self._reader.host_history(target, start, end, time.time() if now is None else now)

    def series(self, target: str) -> list[tuple[str, str]]:
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                self._q("SELECT metric, label FROM series WHERE target = ? ORDER BY metric, label"), (target,)
            ).fetchall()
        return [(m, lb) for m, lb in rows]

    def recent_events(self, limit: int = 500, target: str | None = None) -> list[Event]:
        """The newest ``limit`` events, newest first."""
        where, params = ("WHERE target = ? ", (target, limit)) if target is not None else ("", (limit,))
        sql = (f"SELECT ts, target, level, message, detail, kind, state FROM events {where}"
               "ORDER BY ts DESC, id DESC LIMIT ?")
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(self._q(sql), params).fetchall()
        return [Event(float(ts), t, _severity(lv), msg, det, kind, st) for ts, t, lv, msg, det, kind, st in rows]

    def last_states(self) -> dict[tuple[str, str], str]:
        """{(kind, target): state} of each target's newest event that set one."""
        sql = ("SELECT e.kind, e.target, e.state FROM events e JOIN (SELECT kind, target, MAX(id) AS id FROM events "
               "WHERE state != '' GROUP BY kind, target) last ON last.id = e.id")
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(sql).fetchall()
        return {(kind, target): state for kind, target, state in rows}

    def size_bytes(self) -> int:
        """Bytes on disk: the SQLite file and its WAL, or pg_database_size on PostgreSQL."""
        if self.engine.dialect.name == "sqlite":
            path = make_url(self.url).database
            if not path or path == ":memory:":
                return 0
            path = os.path.expanduser(path)
            return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one())

    def close(self) -> None:
        self.engine.dispose()


def _severity(level: str) -> Severity:
    try:
        return Severity(level)
    except ValueError:
        return Severity.INFO
