from __future__ import annotations

import numpy as np
import pytest

from erpconsole.services.store import Resolution, Store, StorePolicy
from erpconsole.services.store.history import pick_resolution

from .conftest import NOW
from .helpers import series_samples, watermark

H = 3600.0
D = 86400.0


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (NOW - H, NOW, Resolution.RAW),
        (NOW - 6 * H, NOW, Resolution.RAW),
        (NOW - 47 * H, NOW - 46 * H, Resolution.RAW),
        (NOW - 7 * H, NOW, Resolution.MINUTE),
        (NOW - 50 * H, NOW - 49 * H, Resolution.MINUTE),  # raw is gone that far back
        (NOW - 8 * D, NOW, Resolution.MINUTE),
        (NOW - 9 * D, NOW, Resolution.HOUR),
        (NOW - 100 * D, NOW - 99 * D, Resolution.HOUR),  # minutes are gone that far back
    ],
)
def test_resolution_for_range(start: float, end: float, expected: Resolution) -> None:
    assert pick_resolution(start, end, NOW, StorePolicy()) is expected


@pytest.fixture
def filled(store: Store) -> Store:
    """30 h of one point per 10 s for h/cpu (value = seconds since start), rolled up."""
    start = NOW - 30 * H
    store.write_batch(series_samples("h", "cpu", start, 10.0, np.arange(0, 30 * H, 10.0)))
    store.write_batch(series_samples("h", "disk", NOW - 40 * D, D, range(10), label="/"))
    store.write_batch(series_samples("other", "cpu", start, 60.0, range(100)))
    while store.maintain(NOW)["more"]:
        pass
    return store


def test_short_range_is_raw(filled: Store) -> None:
    ts, values = filled.history("h", "cpu", "", NOW - H, NOW, now=NOW)
    assert filled.resolution(NOW - H, NOW, now=NOW) is Resolution.RAW
    assert len(ts) == 360
    np.testing.assert_array_equal(np.diff(ts), 10.0)
    np.testing.assert_array_equal(values, ts - (NOW - 30 * H))


def test_day_is_minute_averages_with_a_raw_tail(filled: Store) -> None:
    ts, values = filled.history("h", "cpu", "", NOW - 24 * H, NOW, now=NOW)
    wm = watermark(filled, "1m")
    assert wm == NOW - 120
    rolled = ts < wm
    assert rolled.sum() == 24 * 60 - 2
    np.testing.assert_array_equal(np.diff(ts[rolled]), 60.0)
    # A minute's average of 0, 10, ..., 50 seconds past its start.
    np.testing.assert_allclose(values[rolled], ts[rolled] - (NOW - 30 * H) + 25.0)
    assert len(ts[~rolled]) == 12 and ts[-1] == NOW - 10  # the raw tail: the last 2 minutes
    assert np.all(np.diff(ts) > 0)


def test_long_range_is_hours(filled: Store) -> None:
    ts, values = filled.history("h", "cpu", "", NOW - 20 * D, NOW, now=NOW)
    wm_h = watermark(filled, "1h")
    hourly = ts < wm_h
    assert hourly.sum() == 29  # the hours before the open one
    np.testing.assert_array_equal(np.diff(ts[hourly]), H)
    np.testing.assert_allclose(values[hourly], ts[hourly] - (NOW - 30 * H) + (H - 10) / 2)
    np.testing.assert_array_equal(np.diff(ts[~hourly]), 60.0)  # minute tail of the open hour


def test_host_history_has_every_series_of_the_host(filled: Store) -> None:
    data = filled.host_history("h", NOW - 24 * H, NOW, now=NOW)
    assert set(data) == {("cpu", ""), ("disk", "/")}
    ts, values = data[("cpu", "")]
    ts1, values1 = filled.history("h", "cpu", "", NOW - 24 * H, NOW, now=NOW)
    np.testing.assert_array_equal(ts, ts1)
    np.testing.assert_array_equal(values, values1)
    assert len(data[("disk", "/")][0]) == 0  # nothing of it in the last day
    assert filled.host_history("nobody", NOW - H, NOW, now=NOW) == {}


def test_host_history_long_range_reads_hours(filled: Store) -> None:
    data = filled.host_history("h", NOW - 60 * D, NOW, now=NOW)
    disk_ts, disk_values = data[("disk", "/")]
    assert list(disk_values) == list(map(float, range(10)))
    assert list(disk_ts) == [NOW - 40 * D + i * D for i in range(10)]


def test_unknown_series_is_empty(filled: Store) -> None:
    ts, values = filled.history("h", "nope", "", NOW - H, NOW, now=NOW)
    assert ts.dtype == np.float64 and len(ts) == 0 and len(values) == 0
