"""The chart's own min/max decimation: what it keeps of the samples, and that the line drawn
slice by slice while data streams is the same as decimating all of it at once."""

import numpy as np
import pytest
from PySide6.QtGui import QPen

from erpconsole.widgets.chart_curve import CHUNKS, CurveItem, column_edges, decimate
from erpconsole.widgets.chart_export import chart_grid
from erpconsole.widgets.live_chart import LiveChart
from erpconsole.widgets.ring_buffer import RingBuffer
from erpconsole.widgets.units import format_value

T0 = 1_700_000_000.0
N = 3600


def _series(seed=3, n=N):
    rng = np.random.default_rng(seed)
    return T0 - n + np.arange(n, dtype=np.float64), 50 + np.cumsum(rng.normal(0, 2, n))


def test_a_one_sample_spike_is_still_drawn():
    ts, values = np.arange(N, dtype=np.float64) + T0, np.full(N, 10.0)
    values[1234] = 95.0
    got_ts, got_values = decimate(ts, values, ts[0], ts[-1], 400)
    assert got_ts.size <= 2 * 401 + 2  # about two points per pixel column, not 3,600
    assert 95.0 in got_values.tolist() and got_ts[got_values.tolist().index(95.0)] == ts[1234]
    assert set(got_values.tolist()) == {10.0, 95.0}


def test_each_column_keeps_its_min_and_max_in_time_order():
    ts, values = _series()
    x0, x1, columns = ts[0] - 50, ts[-1] + 50, 333
    got_ts, got_values = decimate(ts, values, x0, x1, columns)
    assert np.all(np.diff(got_ts) >= 0)  # time order: the line reads left to right
    edges = column_edges(x0, x1, columns)
    sample_column = np.searchsorted(edges, ts, side="right") - 1
    drawn_column = np.searchsorted(edges, got_ts, side="right") - 1
    for c in np.unique(sample_column):
        inside = values[sample_column == c]
        drawn = got_values[drawn_column == c]
        assert drawn.size <= 2
        assert drawn.min() == inside.min() and drawn.max() == inside.max()
    # Each point drawn is a real sample, at its own time.
    assert np.all(np.isin(got_ts, ts)) and np.array_equal(values[np.searchsorted(ts, got_ts)], got_values)


def test_few_samples_are_drawn_as_they_are():
    ts, values = _series(n=300)
    got_ts, got_values = decimate(ts, values, ts[0], ts[-1], 400)
    assert np.array_equal(got_ts, ts) and np.array_equal(got_values, values)


def test_a_silence_in_the_data_breaks_the_line():
    ts = np.array([0.0, 5, 10, 15, 100, 105, 110])
    values = np.array([1.0, 2, 3, 4, 5, 6, 7])
    got_ts, got_values = decimate(ts, values, 0.0, 110.0, 100)
    assert len(got_ts) == 8 and np.isnan(got_values[4]) and 15 < got_ts[4] < 100
    assert np.array_equal(got_values[~np.isnan(got_values)], values)
    # Decimated too: the silence still breaks the line, once.
    ts = np.concatenate((np.arange(0.0, 1000.0), np.arange(2000.0, 3000.0)))
    got_ts, got_values = decimate(ts, np.sin(ts / 50), 0.0, 3000.0, 100)
    assert got_ts.size < 250 and np.isnan(got_values).sum() == 1
    assert 999 < got_ts[np.isnan(got_values)][0] < 2000


def test_streaming_redraws_few_slices_and_draws_what_decimate_gives(qapp):
    buffer = RingBuffer(N)
    buffer.extend(*_series())
    curve = CurveItem(QPen())
    x0, x1, columns = T0 - N - 100, T0 + 200, 404
    assert curve.show_buffer(buffer, x0, x1, columns) == CHUNKS
    rng = np.random.default_rng(5)
    redrawn = []
    for i in range(150):  # the buffer is full: each append also drops the oldest sample
        ts = T0 + i + (60.0 if i >= 100 else 0.0)  # a silence of a minute after 100 samples
        buffer.append(ts, 50 + rng.normal(0, 20))
        redrawn.append(curve.show_buffer(buffer, x0, x1, columns))
        if i % 37 == 0 or i == 149:
            want_ts, want_values = decimate(*buffer.arrays(), x0, x1, columns)
            got_ts, got_values = curve.points()
            # The first pixel column may still show samples just dropped (it is drawn again
            # when its last one goes); everything after it is what decimate gives.
            edges = column_edges(x0, x1, columns)
            first = np.searchsorted(edges, buffer.arrays()[0][0], side="right") - 1
            after = edges[first + 1]
            assert np.array_equal(got_ts[got_ts >= after], want_ts[want_ts >= after])
            assert np.array_equal(got_values[got_ts >= after], want_values[want_ts >= after], equal_nan=True)
            assert np.all(got_ts[got_ts < after] >= edges[first - 1])  # at most one column stale
    assert max(redrawn) <= 2  # the newest slice, and the oldest when a column emptied
    assert sum(redrawn) < 1.5 * len(redrawn)  # mostly the newest alone
    assert curve.show_buffer(buffer, x0, x1, columns) == 0  # nothing new: nothing computed
    buffer.clear()
    buffer.extend([T0, T0 + 1], [1.0, 2.0])  # rewritten: drawn again from scratch
    curve.show_buffer(buffer, x0, x1, columns)
    assert curve.points()[1].tolist() == [1.0, 2.0]


@pytest.fixture
def long_chart(qtbot):
    chart = LiveChart("CPU", unit="%", capacity=N, clock=lambda: T0)
    chart.resize(500, 260)
    qtbot.addWidget(chart)
    chart.show()
    qtbot.waitExposed(chart)
    chart.add_series("cpu", "CPU")
    ts, values = _series()
    values[2000] = 1e6  # one sample far above the rest
    chart.set_history("cpu", ts, values)
    assert chart.refresh()
    return chart, ts, values


def test_the_chart_draws_per_pixel_but_hover_and_export_read_every_sample(long_chart):
    chart, ts, values = long_chart
    width = int(chart.plot_widget().getPlotItem().getViewBox().width())
    drawn_ts, drawn_values = chart.drawn_points("cpu")
    assert 0 < drawn_ts.size <= 2 * width + 4
    assert 1e6 in drawn_values.tolist()  # the spike is on screen
    assert chart.y_range()[1] >= 1e6
    # Hover names the sample nearest the mouse, drawn or not.
    assert drawn_ts.size < N and ts[1001] not in drawn_ts.tolist()
    assert chart.hover_text_at(ts[1001]).splitlines()[1] == f"CPU: {format_value(values[1001], '%')}"
    assert chart.hover_text_at(ts[2000]).splitlines()[1].startswith("CPU: 1")
    head, rows = chart_grid(chart)
    assert len(rows) == N and rows[1001][1] == repr(float(values[1001]))


def test_a_resized_chart_is_decimated_for_its_new_width(long_chart, qtbot):
    chart, _ts, _values = long_chart
    narrow = chart.drawn_points("cpu")[0].size
    chart.resize(1000, 260)
    qtbot.waitUntil(lambda: chart.plot_widget().getPlotItem().getViewBox().width() > 800, timeout=3000)
    assert chart.refresh()  # no new data, but other pixel columns
    assert chart.drawn_points("cpu")[0].size > 1.5 * narrow


class _CountingCurve(CurveItem):
    """The real curve, counting the slices it computes with numpy."""

    numpy_slices = 0

    def _draw_chunk(self, *args):
        self.numpy_slices += 1
        super()._draw_chunk(*args)


def _path_points(item):
    path = item.path()
    return [(path.elementAt(i).x, path.elementAt(i).y) for i in range(path.elementCount())]


def test_a_streamed_sample_is_drawn_without_numpy_and_exactly_as_decimate_gives(qapp):
    buffer = RingBuffer(N)
    buffer.extend(*_series())
    curve = _CountingCurve(QPen())
    x0, x1, columns = T0 - N - 10, T0 + 500, 470
    curve.show_buffer(buffer, x0, x1, columns)
    curve.numpy_slices = 0
    rng = np.random.default_rng(8)
    for i in range(300):  # a full buffer: each new sample drops the oldest
        value = round(50 + rng.normal(0, 20))  # whole numbers: ties for lowest and highest
        buffer.append(T0 + i, value if i != 150 else 1e4)  # and a spike
        curve.show_buffer(buffer, x0, x1, columns)
        want_ts, want_values = decimate(*buffer.arrays(), x0, x1, columns)
        got_ts, got_values = curve.points()
        edges = column_edges(x0, x1, columns)
        after = edges[np.searchsorted(edges, buffer.arrays()[0][0], side="right")]  # past the first column
        assert np.array_equal(got_ts[got_ts >= after], want_ts[want_ts >= after])
        assert np.array_equal(got_values[got_ts >= after], want_values[want_ts >= after])
        # What Qt draws is those points: each slice's path goes through its points in order.
        for k, part in enumerate(curve._parts):
            ts, values = curve._points[k]
            assert _path_points(part)[: ts.size] == list(zip(ts.tolist(), values.tolist()))
        assert curve.value_range() == (float(buffer.arrays()[1].min()), float(buffer.arrays()[1].max()))
    # numpy computes slices again only where the samples reach the next slice (two slices,
    # once here), not once per sample, nor when a pixel column's samples have all left.
    assert curve.numpy_slices <= 2, curve.numpy_slices
