from __future__ import annotations

from erpconsole.services.models import Sample
from erpconsole.services.store import Store, StorePolicy

from .conftest import NOW
from .helpers import count, series_samples, watermark

DAY = 86400.0


def _insert_rollups(store: Store, table: str, sid: int, buckets: list[float]) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO {table} (series_id, bucket_ts, min, max, avg, count) VALUES (?, ?, 1, 1, 1, 1)",
            [(sid, int(b)) for b in buckets],
        )


def _set_watermarks(store: Store, wm_1m: float, wm_1h: float) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO rollup_state (name, watermark) VALUES ('1m', ?), ('1h', ?)", (wm_1m, wm_1h)
        )


def test_old_raw_goes_once_rolled_young_raw_stays(store: Store) -> None:
    old = series_samples("h", "cpu", NOW - 50 * 3600, 60.0, range(30))  # 50 h old
    young = series_samples("h", "cpu", NOW - 47 * 3600, 60.0, range(30))
    store.write_batch(old + young)
    while store.maintain(NOW)["more"]:
        pass
    assert count(store, "samples") == 30
    assert count(store, "samples", "ts < :t", t=NOW - 48 * 3600) == 0
    assert count(store, "rollup_1m") == 60  # the trimmed minutes live on as rollups


def test_raw_not_yet_rolled_is_never_trimmed(store_url: str) -> None:
    store = Store(store_url, StorePolicy(minute_window_s=600))  # rolls 10 minutes per round
    try:
        store.write_batch(series_samples("h", "cpu", NOW - 50 * 3600, 60.0, range(30)))
        result = store.maintain(NOW)
        assert result["rolled_1m"] == 10 and result["trimmed_raw"] == 10
        assert count(store, "samples") == 20
        assert count(store, "samples", "ts < :t", t=watermark(store, "1m")) == 0
    finally:
        store.close()


def test_rollup_retention_minutes_90_days_hours_2_years(store: Store) -> None:
    store.write_batch([Sample("h", "cpu", 1.0, NOW - 3600)])
    sid = 1
    _insert_rollups(store, "rollup_1m", sid, [NOW - 91 * DAY, NOW - 91 * DAY + 60, NOW - 89 * DAY])
    _insert_rollups(store, "rollup_1h", sid, [NOW - 731 * DAY, NOW - 729 * DAY])
    _set_watermarks(store, NOW - 3 * 3600, NOW - 3 * 3600)
    result = store.maintain(NOW)
    assert result["trimmed_1m"] == 2 and result["trimmed_1h"] == 1
    assert count(store, "rollup_1m", "bucket_ts < :t", t=NOW - 90 * DAY) == 0
    assert count(store, "rollup_1m", "bucket_ts = :t", t=int(NOW - 89 * DAY)) == 1
    assert count(store, "rollup_1h") == 1


def test_trimming_is_chunked(small_chunk_store: Store) -> None:
    store = small_chunk_store  # 10 rows per transaction, 25 per table per round
    store.write_batch([Sample("h", "cpu", 1.0, NOW - 3600)])
    _insert_rollups(store, "rollup_1h", 1, [NOW - 800 * DAY + i * 3600 for i in range(60)])
    _set_watermarks(store, NOW - 3 * 3600, NOW - 3 * 3600)
    first = store.maintain(NOW)
    assert first["trimmed_1h"] == 25 and first["more"] is True
    assert count(store, "rollup_1h") == 35
    # The oldest go first: what is left is one contiguous, younger range.
    assert count(store, "rollup_1h", "bucket_ts < :t", t=int(NOW - 800 * DAY + 25 * 3600)) == 0
    assert store.maintain(NOW)["trimmed_1h"] == 25
    last = store.maintain(NOW)
    assert last["trimmed_1h"] == 10 and last["more"] is False
    assert count(store, "rollup_1h") == 0
