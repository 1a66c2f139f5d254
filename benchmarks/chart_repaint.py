"""Figure: 32 live charts of 3,600 points repainted at 10 Hz; target p95 < 16 ms offscreen.

Each frame appends one point per chart, refreshes every chart and lets Qt paint (the same
path as the UI timer). The naive way, in the same run: plain pyqtgraph PlotWidgets with
antialiasing, pyqtgraph auto-range on, no downsampling and no clipping, ``setData`` of the
whole buffer every frame. Prints one JSON line.

    QT_QPA_PLATFORM=offscreen python benchmarks/chart_repaint.py [--frames 200] [--no-pace]
"""

from __future__ import annotations

import argparse
import json
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
from PySide6.QtWidgets import QApplication, QGridLayout, QWidget  # noqa: E402

from erpconsole.widgets.live_chart import LiveChart  # noqa: E402
from erpconsole.widgets.ring_buffer import RingBuffer  # noqa: E402

CHARTS = 32
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


def run(app: QApplication, make: Callable[[QGridLayout, int], Ours | Naive], frames: int, pace: bool) -> dict:
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
    times: list[float] = []
    cpu: list[float] = []  # thread CPU time: less sensitive to other processes on the machine
    ts = T0
    for frame in range(frames + 20):
        started = time.perf_counter()
        cpu_started = time.thread_time()
        if frame == 20:
            counter.count = 0
        ts += 1.0
        for chart in charts:
            chart.step(ts, float(np.clip(50 + rng.normal(0, 20), 0, 100)))
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
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    ours = run(app, Ours, args.frames, pace=not args.no_pace)
    naive = run(app, Naive, args.naive_frames, pace=not args.no_pace)
    result = {
        "benchmark": "chart_repaint",
        "charts": CHARTS,
        "points": POINTS,
        "frames": args.frames,
        "p50_ms": round(statistics.median(ours["times"]), 2),
        "p95_ms": round(percentile(ours["times"], 95), 2),
        "max_ms": round(max(ours["times"]), 2),
        "naive_p50_ms": round(statistics.median(naive["times"]), 2),
        "naive_p95_ms": round(percentile(naive["times"], 95), 2),
        "cpu_p50_ms": round(statistics.median(ours["cpu"]), 2),
        "cpu_p95_ms": round(percentile(ours["cpu"], 95), 2),
        "naive_cpu_p95_ms": round(percentile(naive["cpu"], 95), 2),
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "speedup_p95": round(percentile(naive["times"], 95) / percentile(ours["times"], 95), 1),
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
