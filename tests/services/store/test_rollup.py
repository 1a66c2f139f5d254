from __future__ import annotations

import pytest

from erpconsole.services.models import Sample
from erpconsole.services.store import Store

from .conftest import NOW
from .helpers import count, rows, series_samples, watermark

H0 = NOW - 3 * 3600  # a whole hour, well before the rollup lag


def test_minute_rollup_min_max_avg_count(store: Store) -> None:
    store.write_batch(
        [Sample("h", "cpu", v, H0 + t) for t, v in ((0, 4.0), (15, 8.0), (59.9, 0.0), (60, 10.0), (119, 20.0))]
    )
    store.maintain(NOW)
    got = rows(store, "SELECT bucket_ts, min, max, avg, count FROM rollup_1m ORDER BY bucket_ts")
    assert got == [(H0, 0.0, 8.0, 4.0, 3), (H0 + 60, 10.0, 20.0, 15.0, 2)]


def test_hour_rollup_weights_minutes_by_count(store: Store) -> None:
    # Minute 0 holds one sample (10); minute 1 holds three (30, 40, 50): avg of avgs would be 25.
    samples = [Sample("h", "cpu", 10.0, H0)] + series_samples("h", "cpu", H0 + 60, 10.0, [30, 40, 50])
    store.write_batch(samples)
    store.maintain(NOW)
    assert rows(store, "SELECT bucket_ts, min, max, avg, count FROM rollup_1h") == [(H0, 10.0, 50.0, 32.5, 4)]


def test_rollup_keeps_series_apart(store: Store) -> None:
    store.write_batch(series_samples("a", "cpu", H0, 1.0, [1, 2, 3]) + series_samples("b", "cpu", H0, 1.0, [7, 8, 9]))
    store.maintain(NOW)
    got = rows(
        store,
        "SELECT s.target, m.avg, m.count FROM rollup_1m m JOIN series s ON s.id = m.series_id ORDER BY s.target",
    )
    assert got == [("a", 2.0, 3), ("b", 8.0, 3)]


def test_incomplete_minutes_and_hours_wait(store: Store) -> None:
    store.write_batch(series_samples("h", "cpu", NOW - 30, 1.0, range(30)))  # the current minute
    store.write_batch(series_samples("h", "cpu", NOW - 600, 60.0, range(5)))  # last hour, complete minutes
    store.maintain(NOW)
    assert count(store, "rollup_1m") == 5
    assert count(store, "rollup_1m", "bucket_ts >= :t", t=NOW - 120) == 0
    assert count(store, "rollup_1h") == 0  # the hour is not over yet
    assert watermark(store, "1m") == NOW - 120


def test_rerunning_rollups_never_duplicates(store: Store) -> None:
    store.write_batch(series_samples("h", "cpu", H0, 7.0, range(1000)))
    store.maintain(NOW)
    first_m = rows(store, "SELECT * FROM rollup_1m ORDER BY series_id, bucket_ts")
    first_h = rows(store, "SELECT * FROM rollup_1h ORDER BY series_id, bucket_ts")
    assert len(first_m) > 100 and len(first_h) == 2
    store.maintain(NOW)
    with store.engine.begin() as conn:  # forget the watermarks: the upsert must still hold
        conn.exec_driver_sql("DELETE FROM rollup_state")
    store.maintain(NOW)
    assert rows(store, "SELECT * FROM rollup_1m ORDER BY series_id, bucket_ts") == first_m
    assert rows(store, "SELECT * FROM rollup_1h ORDER BY series_id, bucket_ts") == first_h


def test_long_backlog_is_rolled_in_bounded_windows(store: Store) -> None:
    # 24 h of raw at one point per 10 minutes; one round rolls at most 6 h of it.
    store.write_batch(series_samples("h", "cpu", NOW - 24 * 3600, 600.0, range(144)))
    result = store.maintain(NOW)
    assert result["more"] is True
    assert result["rolled_1m"] == 36
    rounds = 1
    while store.maintain(NOW)["more"]:
        rounds += 1
        assert rounds < 20
    assert count(store, "rollup_1m") == 144
    # The last hour is still open (NOW minus the lag), so its 6 points wait.
    assert rows(store, "SELECT SUM(count) FROM rollup_1h") == [(138,)]


@pytest.mark.parametrize("gap_days", [3, 40])
def test_gap_in_data_is_skipped_in_one_round(store: Store, gap_days: int) -> None:
    store.write_batch([Sample("h", "cpu", 1.0, H0 - gap_days * 86400), Sample("h", "cpu", 2.0, H0)])
    store.maintain(NOW)
    store.maintain(NOW)
    assert count(store, "rollup_1m") == 2
