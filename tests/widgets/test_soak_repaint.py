"""Thousands of repaints in one process: guards against PySide6 paint-override leaks.

PySide6 6.12.0 on Python 3.11 drops a reference to None on every Python ``paint()`` override
and dies with "Fatal Python error: none_dealloc" after a few thousand repaints (DESIGN.md).
Both kinds of override are exercised here: pyqtgraph's ``GraphicsItem.paint`` (the chart's
hover line, shown over the streaming curve; the curve itself is painted by Qt, see
chart_curve) and a widget ``paintEvent`` (the sparkline). Each is counted, so the test
cannot pass without really painting.
"""

import math
import sys
import time

import numpy as np
import pytest
from pyqtgraph.graphicsItems.InfiniteLine import InfiniteLine
from PySide6.QtWidgets import QHBoxLayout, QWidget

from erpconsole.widgets.live_chart import LiveChart
from erpconsole.widgets.sparkline import Sparkline

CHART_REPAINTS = 10_000
SPARK_REPAINTS = 10_000
TIME_LIMIT_S = 60.0


class CountingSparkline(Sparkline):
    def __init__(self):
        super().__init__()
        self.paints = 0

    def paintEvent(self, event):  # noqa: N802
        self.paints += 1
        super().paintEvent(event)


@pytest.fixture
def curve_paints(monkeypatch):
    counter = {"n": 0}
    original = InfiniteLine.paint

    def counting_paint(self, painter, option, widget=None):
        counter["n"] += 1
        return original(self, painter, option, widget)

    monkeypatch.setattr(InfiniteLine, "paint", counting_paint)
    return counter


@pytest.mark.soak
def test_twenty_thousand_repaints_survive(qtbot, qapp, curve_paints, paint_counter):
    host = QWidget()
    layout = QHBoxLayout(host)
    chart = LiveChart("soak", unit="%", y_range=None, capacity=600)
    chart.add_series("cpu", "CPU")
    chart.add_series("io", "IO wait")
    spark = CountingSparkline()
    spark.set_y_range((0.0, 100.0))
    layout.addWidget(chart, 3)
    layout.addWidget(spark, 1)
    host.resize(640, 240)
    qtbot.addWidget(host)
    host.show()
    chart.append("cpu", 1_699_999_999.0, 50.0)
    chart.refresh()
    chart.show_hover_at(1_699_999_999.0)  # its line is in the region each new point repaints
    qtbot.waitUntil(lambda: spark.paints > 0 and curve_paints["n"] > 0, timeout=5000)
    viewport_paints = paint_counter(chart.plot_widget().viewport())
    refcount_none = sys.getrefcount(None)

    started = time.perf_counter()
    t0 = 1_700_000_000.0
    painted_by_refresh = 0
    for i in range(CHART_REPAINTS):
        chart.append("cpu", t0 + i, 50 + 45 * math.sin(i / 30))
        chart.append("io", t0 + i, 5 + 4 * math.cos(i / 7))
        painted_by_refresh += chart.refresh()
        # QGraphicsView paints its scene from the viewport; repainting the chart widget
        # alone would leave that to the event loop.
        chart.plot_widget().viewport().repaint()
        if i % 16 == 0:
            chart.show_hover_at(t0 + i)  # a mouse resting near the newest point: in view
            qapp.processEvents()
    history = 50 + 40 * np.sin(np.arange(SPARK_REPAINTS + 900) / 25.0)
    spark_before = spark.paints
    for i in range(SPARK_REPAINTS):
        spark.set_values(history[i : i + 900])
        spark.repaint()
        if i % 16 == 0:
            qapp.processEvents()
    qapp.processEvents()
    elapsed = time.perf_counter() - started

    print(f"soak: {elapsed:.1f} s, viewport paints {viewport_paints.count}, curve paint() calls "
          f"{curve_paints['n']}, sparkline paints {spark.paints - spark_before}")
    assert painted_by_refresh == CHART_REPAINTS
    assert viewport_paints.count >= CHART_REPAINTS
    assert curve_paints["n"] >= CHART_REPAINTS  # the Python paint() override ran each time
    assert spark.paints - spark_before >= SPARK_REPAINTS
    assert viewport_paints.count + spark.paints - spark_before >= 20_000
    assert chart.series_data("cpu")[0].size == 600
    # A leak of references to None (the 6.12 bug) shows up long before the crash.
    assert sys.getrefcount(None) >= refcount_none - 1000
    assert elapsed < TIME_LIMIT_S, f"soak took {elapsed:.1f} s"
