import time

import numpy as np
import pytest
from PySide6.QtGui import QPainter

from erpconsole.widgets.chart_curve import CurveItem
from erpconsole.widgets.live_chart import LiveChart
from erpconsole.widgets.theme import DARK, LIGHT

NOW = 1_700_000_000.0


class FakeClock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def chart(qtbot, clock):
    widget = LiveChart("Network", unit="B/s", capacity=100, clock=clock)
    widget.resize(640, 300)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _drawn(chart, key):
    return chart.drawn_points(key)


def test_append_then_refresh_paints_once(chart, qtbot, paint_counter):
    chart.add_series("rx", "eth0 in")
    chart.refresh()
    qtbot.wait(20)
    counter = paint_counter(chart.plot_widget().viewport())
    for i in range(5):
        chart.append("rx", NOW - 5 + i, 1000.0 * i)
    assert chart.refresh() is True
    qtbot.waitUntil(lambda: counter.count >= 1, timeout=2000)
    x, y = _drawn(chart, "rx")
    assert y.tolist() == [0.0, 1000.0, 2000.0, 3000.0, 4000.0]

    counter.count = 0
    assert chart.refresh() is False
    qtbot.wait(50)
    assert counter.count == 0


def test_hidden_chart_does_not_repaint(chart, qtbot):
    chart.add_series("rx", "eth0 in")
    chart.hide()
    chart.append("rx", NOW, 42.0)
    assert chart.refresh() is False
    assert _drawn(chart, "rx")[1].size == 0
    chart.show()
    qtbot.waitExposed(chart)
    assert chart.refresh() is True
    assert _drawn(chart, "rx")[1].tolist() == [42.0]


def test_chart_on_a_hidden_parent_does_not_repaint(qtbot, clock):
    from PySide6.QtWidgets import QStackedWidget, QWidget

    stack = QStackedWidget()
    qtbot.addWidget(stack)
    stack.addWidget(QWidget())
    chart = LiveChart("CPU", unit="%", clock=clock)
    stack.addWidget(chart)
    stack.show()
    chart.add_series("cpu", "CPU")
    chart.append("cpu", NOW, 10.0)
    assert chart.refresh() is False
    stack.setCurrentWidget(chart)
    assert chart.refresh() is True


def test_set_history_replaces_data(chart):
    chart.add_series("rx", "eth0 in")
    for i in range(10):
        chart.append("rx", NOW - 100 + i, 1.0)
    ts = np.arange(NOW - 50, NOW, 10.0)
    chart.set_history("rx", ts, np.full(ts.size, 7.0))
    got_ts, got_values = chart.series_data("rx")
    assert got_ts.tolist() == ts.tolist()
    assert got_values.tolist() == [7.0] * ts.size
    assert chart.refresh() is True
    assert _drawn(chart, "rx")[1].tolist() == [7.0] * ts.size


def test_set_history_longer_than_capacity_keeps_newest(chart):
    chart.add_series("rx", "eth0 in")
    ts = np.arange(0.0, 250.0) + NOW
    chart.set_history("rx", ts, ts - NOW)
    got_ts, got_values = chart.series_data("rx")
    assert got_ts.size == 100
    assert got_values[0] == 150.0 and got_values[-1] == 249.0


def test_hover_text_formats_local_time_and_values_with_unit(chart):
    chart.add_series("rx", "eth0 in")
    chart.add_series("tx", "eth0 out")
    t0 = time.mktime((2024, 3, 5, 14, 7, 0, 0, 0, -1))
    for i in range(10):
        chart.append("rx", t0 + i * 10, 1536.0 * (i + 1))
        chart.append("tx", t0 + i * 10, 3 * 1024**2)
    text = chart.hover_text_at(t0 + 21)  # nearest point is t0 + 20, the third one
    assert text.splitlines() == ["2024-03-05 14:07:21", "eth0 in: 4.5 KiB/s", "eth0 out: 3.0 MiB/s"]


def test_hover_overlay_shows_the_text(chart):
    chart.add_series("t", "CPU temp")
    chart.append("t", NOW - 1, 55.0)
    chart.append("t", NOW, 56.0)
    chart.refresh()
    chart.show_hover_at(NOW)
    label = chart._hover.label
    assert label.isVisible()
    assert "CPU temp: 56" in label.textItem.toPlainText()
    chart.hide_hover()
    assert not label.isVisible()


def test_time_window_follows_the_clock(chart, clock):
    chart.add_series("rx", "eth0 in")
    chart.set_time_window(300)
    chart.append("rx", NOW - 10, 1.0)
    assert chart.refresh() is True
    assert chart.x_range() == (NOW - 300, NOW)
    assert chart.refresh() is False
    clock.now += 60  # no new data, but the window slides so a gap shows
    assert chart.refresh() is True
    assert chart.x_range() == (NOW - 240, NOW + 60)
    chart.set_time_window(None)
    assert chart.refresh() is True
    assert chart.x_range() == (NOW - 40, NOW + 20)  # one point: fitted with some air


def test_y_auto_range_is_ours_and_pyqtgraph_auto_range_stays_off(chart):
    chart.add_series("rx", "eth0 in")
    for i in range(20):
        chart.append("rx", NOW - 20 + i, 100.0 + i)
    chart.refresh()
    lo, hi = chart.y_range()
    assert lo <= 100.0 and hi >= 119.0
    assert chart.plot_widget().getPlotItem().getViewBox().autoRangeEnabled() == [False, False]
    view_lo, view_hi = chart.plot_widget().getPlotItem().getViewBox().viewRange()[1]
    assert view_lo == pytest.approx(lo) and view_hi == pytest.approx(hi)


def test_fixed_y_range_for_percentages(qtbot, clock):
    chart = LiveChart("CPU", unit="%", y_range=(0, 100), clock=clock)
    qtbot.addWidget(chart)
    chart.show()
    chart.add_series("cpu", "CPU")
    chart.append("cpu", NOW, 3.0)
    chart.refresh()
    lo, hi = chart.plot_widget().getPlotItem().getViewBox().viewRange()[1]
    # Both ends inside the view with a little room: a line at 100 % is not on the top edge.
    assert -8.0 < lo < 0.0 and 100.0 < hi < 108.0
    assert chart.y_range() == (0, 100)
    # The major ticks step evenly through 0 and 100, both in view: both ends are labelled.
    major = chart.plot_widget().getPlotItem().getAxis("left").tickSpacing(lo, hi, 200)[0][0]
    assert 100.0 % major == 0
    chart.close()


def test_curves_are_configured_for_streaming(chart):
    chart.add_series("rx", "eth0 in", color="#ff0000")
    curve = chart._series["rx"].curve
    assert not chart.plot_widget().renderHints() & QPainter.RenderHint.Antialiasing
    assert curve.parentItem() is chart.plot_widget().getPlotItem().getViewBox().childGroup
    pen = curve.pen()
    assert pen.width() <= 1 and pen.isCosmetic()
    assert pen.color().name() == "#ff0000"


def test_no_data_hint_until_data_arrives(chart):
    chart.add_series("rx", "eth0 in")
    assert chart.is_empty_hint_shown()
    chart.append("rx", NOW, 1.0)
    chart.refresh()
    assert not chart.is_empty_hint_shown()
    chart.clear()
    chart.refresh()
    assert chart.is_empty_hint_shown()
    assert chart.series_data("rx")[0].size == 0


def test_unknown_series_and_duplicates_are_errors(chart):
    with pytest.raises(KeyError, match="nope"):
        chart.append("nope", NOW, 1.0)
    chart.add_series("a", "A")
    with pytest.raises(ValueError):
        chart.add_series("a", "A again")


def test_apply_theme_recolours_background_and_auto_series(chart):
    chart.add_series("a", "A")
    chart.apply_theme("dark")
    view = chart.plot_widget()
    assert view.backgroundBrush().color().name() == DARK.chart_background
    assert chart._series["a"].curve.pen().color().name() == DARK.series[0]
    chart.apply_theme("light")
    assert view.backgroundBrush().color().name() == LIGHT.chart_background
    assert chart._series["a"].curve.pen().color().name() == LIGHT.series[0]
    assert chart.theme_name() == "light"


def test_legend_lists_each_series_with_its_colour(chart):
    chart.apply_theme("dark")
    chart.add_series("rx", "eth0 <in>")
    chart.add_series("tx", "eth0 out", color="#123456")
    assert chart.legend_entries() == [("eth0 <in>", DARK.series[0]), ("eth0 out", "#123456")]
    assert "eth0 &lt;in&gt;" in chart._legend_label.text()


def test_a_shared_buffer_is_drawn_not_copied(qtbot, clock):
    from erpconsole.widgets.ring_buffer import RingBuffer

    shared = RingBuffer(100)
    charts = []
    for _ in range(2):
        chart = LiveChart("CPU", unit="%", capacity=100, clock=clock)
        qtbot.addWidget(chart)
        chart.show()
        chart.add_series("cpu", "CPU")
        chart.show_buffer("cpu", shared)
        charts.append(chart)
    for i in range(5):
        shared.append(NOW - 10 + i, float(i))
    for chart in charts:
        assert chart.is_dirty() and chart.refresh()
        ts, values = chart.series_data("cpu")
        assert np.shares_memory(values, shared.arrays()[1]) and values.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
        assert _drawn(chart, "cpu")[1].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
        assert not chart.refresh()  # nothing new in the buffer: nothing to draw
    shared.append(NOW - 4, 5.0)
    assert charts[0].refresh() and _drawn(charts[0], "cpu")[1][-1] == 5.0
    with pytest.raises(ValueError, match="shared buffer"):
        charts[0].append("cpu", NOW, 1.0)


def test_history_and_clear_let_go_of_a_shared_buffer_without_emptying_it(chart):
    from erpconsole.widgets.ring_buffer import RingBuffer

    shared = RingBuffer(100)
    shared.append(NOW - 5, 1.0)
    chart.add_series("rx", "eth0 in")
    chart.show_buffer("rx", shared)
    chart.set_history("rx", [NOW - 100, NOW - 50], [7.0, 8.0])
    assert chart.series_data("rx")[1].tolist() == [7.0, 8.0] and len(shared) == 1
    chart.append("rx", NOW, 9.0)  # its own buffer again: the chart may write
    chart.show_buffer("rx", shared)
    assert chart.shows_buffer("rx", shared)
    chart.clear()
    assert len(chart.series_data("rx")[0]) == 0 and len(shared) == 1
    assert not chart.shows_buffer("rx", shared)


def test_reset_forgets_series_legend_and_ranges(chart, clock):
    chart.add_series("rx", "eth0 in")
    chart.set_history("rx", [NOW - 10, NOW], [1e6, 5e6])
    chart.refresh()
    assert chart.legend_entries() and chart.y_range() is not None
    chart.reset()
    assert chart.series_keys() == [] and chart.legend_entries() == []
    assert chart.y_range() is None and chart.x_range() is None
    assert not [i for i in chart.plot_widget().getPlotItem().items if isinstance(i, CurveItem)]
    assert chart.is_empty_hint_shown()
    chart.add_series("rx", "eth1 in")  # the same key again, for the next target
    chart.set_history("rx", [NOW - 10, NOW], [1.0, 2.0])
    chart.refresh()
    assert chart.legend_entries()[0][0] == "eth1 in"
    lo, hi = chart.y_range()
    assert hi < 100  # found again from this data, not kept from the megabytes before
