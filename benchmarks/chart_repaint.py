"""Figure: 32 live charts of 3,600 points repainted at 10 Hz; target p95 < 16 ms offscreen.

Each frame appends one point per chart, refreshes every chart and lets Qt paint (the same
path as the UI timer). In the same run, two others: "before", the chart as wave 1 left it
(pyqtgraph PlotDataItems with their own peak downsampling and clipping, the whole buffer
copied and handed over each frame, our ranges and cached axes), and the naive way: plain
pyqtgraph PlotWidgets with antialiasing, pyqtgraph auto-range on, no downsampling and no
clipping, ``setData`` of the whole buffer every frame. Prints one JSON line.

    QT_QPA_PLATFORM=offscreen python benchmarks/chart_repaint.py [--frames 200] [--no-pace] [--ours-only]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
import PySide6  # noqa: E402
from PySide6.QtCore import QEvent, QObject  # noqa: E402
from PySide6.QtWidgets import QApplication, QGraphicsItem, QGridLayout, QWidget  # noqa: E402

from erpconsole.widgets.chart_parts import (  # noqa: E402
    UnitAxisItem,
    ensure_pixmap_cache,
    fixed_view,
    keep_y_range,
    padded_range,
    snapped_x_range,
)
from erpconsole.widgets.live_chart import LiveChart  # noqa: E402
from erpconsole.widgets.ring_buffer import RingBuffer  # noqa: E402

CHARTS = 32
ROUNDS = 2
POINTS = 3600
COLUMNS = 4
T0 = 1_700_000_000.0


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def history(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ts = T0 - POINTS + np.arange(POINTS, dtype=np.float64)
    values = np.clip(50 + np.cumsum(rng.normal(0, 2, POINTS)), 0, 100)
    return ts, values


class Ours:
    """LiveChart as the console uses it."""

    def __init__(self, grid: QGridLayout, index: int) -> None:
        percent = index % 2 == 0
        self.chart = LiveChart(
            f"chart {index}", unit="%" if percent else "B/s", y_range=(0, 100) if percent else None, capacity=POINTS
        )
        self.chart.add_series("v", "value")
        self.chart.set_history("v", *history(index))
        grid.addWidget(self.chart, index // COLUMNS, index % COLUMNS)

    def viewport(self) -> QWidget:
        return self.chart.plot_widget().viewport()

    def step(self, ts: float, value: float) -> None:
        self.chart.append("v", ts, value)
        self.chart.refresh()


class Before:
    """The chart of wave 1: pyqtgraph's PlotDataItem does the downsampling ("peak", one bin
    per pixel) and clipping, and is handed a copy of the whole buffer each frame."""

    def __init__(self, grid: QGridLayout, index: int) -> None:
        percent = index % 2 == 0
        self.fixed = (0.0, 100.0) if percent else None
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(), "left": UnitAxisItem("%" if percent else "B/s")})
        self.plot.setAntialiasing(False)
        item = self.plot.getPlotItem()
        item.disableAutoRange()
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.2)
        for side in ("left", "bottom"):
            item.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        ensure_pixmap_cache()
        item.getViewBox().setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        if self.fixed:
            item.setYRange(*fixed_view(self.fixed), padding=0)
        pen = pg.mkPen("#58a6ff", width=1)
        pen.setCosmetic(True)
        self.curve = pg.PlotDataItem(pen=pen, antialias=False, connect="finite")
        item.addItem(self.curve)
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        self.curve.opts["autoDownsampleFactor"] = 1.0
        self.buffer = RingBuffer(POINTS)
        self.buffer.extend(*history(index))
        self.x_range: tuple[float, float] | None = None
        self.y_range: tuple[float, float] | None = None
        grid.addWidget(self.plot, index // COLUMNS, index % COLUMNS)

    def viewport(self) -> QWidget:
        return self.plot.viewport()

    def step(self, ts: float, value: float) -> None:
        self.buffer.append(ts, value)
        times, values = self.buffer.arrays()
        self.curve.setData(*wave1_with_gaps(times, values))
        wanted = snapped_x_range(float(times[0]), float(times[-1]))
        if wanted != self.x_range:
            self.x_range = wanted
            self.plot.getPlotItem().setXRange(*wanted, padding=0)
        if self.fixed is None:
            lo_i, hi_i = np.searchsorted(times, self.x_range[0]), np.searchsorted(times, self.x_range[1], "right")
            chunk = values[lo_i:hi_i]
            lo, hi = float(chunk.min()), float(chunk.max())
            if self.y_range is None or not keep_y_range(self.y_range, lo, hi):
                self.y_range = padded_range(lo, hi)
                self.plot.getPlotItem().setYRange(*self.y_range, padding=0)


def wave1_with_gaps(ts: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wave 1's copy of the buffer with NaN where the data had a silence."""
    steps = np.diff(ts)
    usual = float(np.median(steps))
    gaps = np.nonzero(steps > 3.0 * usual)[0]
    if len(gaps) == 0:
        return ts.copy(), values.copy()
    return np.insert(ts, gaps + 1, (ts[gaps] + ts[gaps + 1]) / 2), np.insert(values, gaps + 1, np.nan)


class Naive:
    """The straightforward pyqtgraph way."""

    def __init__(self, grid: QGridLayout, index: int) -> None:
        self.plot = pg.PlotWidget(title=f"chart {index}", axisItems={"bottom": pg.DateAxisItem()})
        self.plot.setAntialiasing(True)
        self.plot.addLegend()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.buffer = RingBuffer(POINTS)
        self.buffer.extend(*history(index))
        self.curve = self.plot.plot(*self.buffer.arrays(), pen=pg.mkPen("#58a6ff", width=1), name="value")
        grid.addWidget(self.plot, index // COLUMNS, index % COLUMNS)

    def viewport(self) -> QWidget:
        return self.plot.viewport()

    def step(self, ts: float, value: float) -> None:
        self.buffer.append(ts, value)
        ts_arr, values = self.buffer.arrays()
        self.curve.setData(ts_arr.copy(), values.copy())


def run(app: QApplication, make: Callable[[QGridLayout, int], Ours | Before | Naive], frames: int, pace: bool) -> dict:
    window = QWidget()
    grid = QGridLayout(window)
    charts = [make(grid, i) for i in range(CHARTS)]
    window.resize(1920, 1080)
    window.show()
    counter = PaintCounter()
    for chart in charts:
        chart.viewport().installEventFilter(counter)
    settle(app)
    rng = np.random.default_rng(1)
    # Drawn before the clock starts: what a frame costs is the charts', not numpy's RNG.
    samples = np.clip(50 + rng.normal(0, 20, (frames + 20, CHARTS)), 0, 100).tolist()
    times: list[float] = []
    cpu: list[float] = []  # thread CPU time: less sensitive to other processes on the machine
    ts = T0
    for frame in range(frames + 20):
        started = time.perf_counter()
        cpu_started = time.thread_time()
        if frame == 20:
            counter.count = 0
        ts += 1.0
        for chart, value in zip(charts, samples[frame]):
            chart.step(ts, value)
        app.processEvents()
        elapsed = time.perf_counter() - started
        if frame >= 20:  # warm-up frames are not counted
            times.append(elapsed * 1000)
            cpu.append((time.thread_time() - cpu_started) * 1000)
        if pace:
            time.sleep(max(0.0, 0.1 - elapsed))
    window.close()
    window.deleteLater()
    settle(app)
    return {"times": times, "cpu": cpu, "paints": counter.count}


def settle(app: QApplication) -> None:
    for _ in range(20):
        app.processEvents()
        time.sleep(0.005)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--naive-frames", type=int, default=60, help="the naive way is slow; fewer frames")
    parser.add_argument("--no-pace", action="store_true", help="do not sleep to 10 Hz between frames")
    parser.add_argument("--ours-only", action="store_true", help="skip wave 1's chart and the naive way")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    # Interleaved, so that a busy spell of the machine does not fall on one of them only.
    ours, before = {"times": [], "cpu": [], "paints": 0}, {"times": [], "cpu": [], "paints": 0}
    for _ in range(ROUNDS):
        for make, into in ((Ours, ours), (Before, before))[: 1 if args.ours_only else 2]:
            got = run(app, make, args.frames // ROUNDS, pace=not args.no_pace)
            for name in into:
                into[name] += got[name]
    if args.ours_only:
        before = naive = {"times": [math.nan], "cpu": [math.nan], "paints": 0}
    else:
        naive = run(app, Naive, args.naive_frames, pace=not args.no_pace)
    result = {
        "benchmark": "chart_repaint",
        "charts": CHARTS,
        "points": POINTS,
        "frames": args.frames,
        "p50_ms": round(statistics.median(ours["times"]), 2),
        "p95_ms": round(percentile(ours["times"], 95), 2),
        "max_ms": round(max(ours["times"]), 2),
        "before_p50_ms": round(statistics.median(before["times"]), 2),
        "before_p95_ms": round(percentile(before["times"], 95), 2),
        "before_cpu_p50_ms": round(statistics.median(before["cpu"]), 2),
        "before_cpu_p95_ms": round(percentile(before["cpu"], 95), 2),
        "naive_p50_ms": round(statistics.median(naive["times"]), 2),
        "naive_p95_ms": round(percentile(naive["times"], 95), 2),
        "cpu_p50_ms": round(statistics.median(ours["cpu"]), 2),
        "cpu_p95_ms": round(percentile(ours["cpu"], 95), 2),
        "naive_cpu_p95_ms": round(percentile(naive["cpu"], 95), 2),
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "speedup_p95": round(percentile(naive["times"], 95) / percentile(ours["times"], 95), 1),
        "speedup_p95_vs_before": round(percentile(before["times"], 95) / percentile(ours["times"], 95), 1),
        "paints_per_frame": round(ours["paints"] / args.frames, 2),
        "naive_frames": args.naive_frames,
        "naive_paints_per_frame": round(naive["paints"] / args.naive_frames, 2),
        "target_p95_ms": 16,
        "platform": os.environ.get("QT_QPA_PLATFORM", ""),
        "pyside6": PySide6.__version__,
        "pyqtgraph": pg.__version__,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
