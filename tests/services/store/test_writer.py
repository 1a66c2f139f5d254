from __future__ import annotations

import math
import sys
import time

from erpconsole.services.models import Event, Sample, Severity
from erpconsole.services.store import Store, StoreWriter

from .conftest import NOW
from .helpers import count, rows, series_samples


def test_round_trip_through_the_writer(store: Store) -> None:
    writer = StoreWriter(store, flush_interval_s=10.0)  # only flush() writes
    try:
        writer.put(series_samples("app-1", "cpu.percent", NOW - 100, 1.0, range(100)))
        writer.put(series_samples("app-1", "disk.used_percent", NOW - 100, 10.0, range(10), label="/"))
        writer.put(series_samples("db-1", "cpu.percent", NOW - 50, 1.0, [7.5] * 50))
        writer.put_event(Event(NOW, "db-1", Severity.WARNING, "slow", "detail", kind="health"))
        assert writer.flush(5.0)
    finally:
        writer.close()
    assert count(store, "samples") == 160
    assert count(store, "series") == 3
    assert sorted(store.series("app-1")) == [("cpu.percent", ""), ("disk.used_percent", "/")]
    got = rows(
        store,
        "SELECT r.ts, r.value FROM samples r JOIN series s ON s.id = r.series_id"
        " WHERE s.target = 'app-1' AND s.metric = 'cpu.percent' ORDER BY r.ts",
    )
    assert got == [(NOW - 100 + i, float(i)) for i in range(100)]
    assert store.recent_events(10) == [Event(NOW, "db-1", Severity.WARNING, "slow", "detail", "health")]
    assert writer.written == 160 and writer.errors == 0


def test_series_ids_are_reused_and_duplicates_and_nan_ignored(store: Store) -> None:
    writer = StoreWriter(store, flush_interval_s=0.05)
    try:
        for _ in range(3):
            writer.put([Sample("h", "m", 1.0, NOW), Sample("h", "m", 2.0, NOW + 1), Sample("h", "m", math.nan, NOW + 2)])
            assert writer.flush(5.0)
    finally:
        writer.close()
    assert count(store, "series") == 1
    assert rows(store, "SELECT ts, value FROM samples ORDER BY ts") == [(NOW, 1.0), (NOW + 1, 2.0)]


def test_close_drains_the_queue(store: Store) -> None:
    writer = StoreWriter(store, flush_interval_s=60.0, batch_size=1000)
    for i in range(20):
        writer.put(series_samples("h", f"m{i % 4}", NOW + i * 100, 1.0, range(100)))
    writer.close()
    assert not writer.alive
    assert count(store, "samples") == 2000


def test_a_failing_write_neither_kills_the_thread_nor_loses_the_batch(store: Store, caplog) -> None:
    writer = StoreWriter(store, flush_interval_s=0.05)
    try:
        writer.put([Sample("h", "m", 1.0, NOW)])
        assert writer.flush(5.0)
        # A real OperationalError: the table vanishes under the writer.
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE samples RENAME TO samples_away")
        writer.put([Sample("h", "m", 2.0, NOW + 1)])
        assert writer.flush(5.0)
        assert writer.errors >= 1 and writer.alive and writer.dropped == 0
        assert "kept for the next try" in caplog.text
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE samples_away RENAME TO samples")
        writer.put([Sample("h", "m", 3.0, NOW + 2)])
        assert writer.flush(5.0)
    finally:
        writer.close()
    assert rows(store, "SELECT value FROM samples ORDER BY ts") == [(1.0,), (2.0,), (3.0,)]


def test_failing_maintenance_is_logged_and_writing_goes_on(store: Store, caplog) -> None:
    writer = StoreWriter(store, flush_interval_s=0.02, maintain_interval_s=0.01)
    try:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE rollup_state")
        writer.put([Sample("h", "m", 1.0, NOW)])
        assert writer.flush(5.0)
        deadline = time.monotonic() + 3.0
        while "store maintenance failed" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.02)
        writer.put([Sample("h", "m", 2.0, NOW + 1)])
        assert writer.flush(5.0)
        assert writer.alive
    finally:
        writer.close()
    assert "store maintenance failed" in caplog.text
    assert count(store, "samples") == 2


def test_bad_data_is_dropped_not_retried_forever(store: Store, caplog) -> None:
    writer = StoreWriter(store, flush_interval_s=0.05)
    try:
        writer.put([Sample("h", "m", 1.0, None)])  # type: ignore[arg-type]  # NOT NULL ts
        assert writer.flush(5.0)
        writer.put([Sample("h", "m", 2.0, NOW)])
        assert writer.flush(5.0)
    finally:
        writer.close()
    assert writer.dropped == 1 and writer.errors == 1
    assert "dropped" in caplog.text
    assert rows(store, "SELECT value FROM samples") == [(2.0,)]


def wait_until_writing(writer: StoreWriter, timeout: float = 5.0) -> None:
    """Until the writer's thread is inside a write (its stack reaches ``_write``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = sys._current_frames().get(writer._thread.ident)
        while frame is not None and frame.f_code.co_name != "_write":
            frame = frame.f_back
        if frame is not None:
            return
        time.sleep(0.005)
    raise AssertionError("the writer never started its write")


def test_put_never_blocks_when_the_queue_is_full(store: Store, caplog) -> None:
    writer = StoreWriter(store, flush_interval_s=0.05, max_queued=2)
    # Hold the writer thread inside a flush while the queue fills up behind it.
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO events (ts, level, message) VALUES (0, 'info', 'lock')")
        writer.put([Sample("h", "m", 0.0, NOW)])
        wait_until_writing(writer)  # it waits on the write lock (busy_timeout) from now on
        started = time.monotonic()
        for i in range(10):
            writer.put([Sample("h", "m", float(i), NOW + 1 + i)])
        assert time.monotonic() - started < 0.1
    writer.close()
    assert writer.dropped >= 7
    assert "queue full" in caplog.text
    assert count(store, "samples") == 11 - writer.dropped


def test_health_is_one_failing_and_one_recovery_per_streak_on_a_full_sqlite(store: Store) -> None:
    from sqlalchemy import event

    def cap(dbapi_conn, _record) -> None:
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    heard = []
    writer = StoreWriter(store, flush_interval_s=10.0)  # only flush() writes
    writer.subscribe(heard.append)
    try:
        event.listen(store.engine, "connect", cap)
        store.engine.dispose()
        for i in range(3):
            writer.put_event(Event(NOW + i, "", Severity.INFO, "note " + "x" * 20_000, kind="note"))
            assert writer.flush(5.0)
        assert writer.errors == 3 and count(store, "events") == 0
        assert [(h.ok, h.reason) for h in heard] == [(False, "disk full")]
        assert writer.health.since is not None and "OperationalError" in writer.health.detail
        event.remove(store.engine, "connect", cap)
        store.engine.dispose()
        assert writer.flush(5.0)
        assert [h.ok for h in heard] == [False, True] and writer.health.ok
        assert count(store, "events") == 3  # kept through the streak, none lost
    finally:
        writer.close()
