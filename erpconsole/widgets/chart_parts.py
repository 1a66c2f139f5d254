"""Pieces of LiveChart that need no chart state: a series record, axes, range arithmetic, the
hover overlay."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QPixmapCache

from erpconsole.widgets.ring_buffer import RingBuffer

if TYPE_CHECKING:
    from erpconsole.widgets.chart_curve import CurveItem
from erpconsole.widgets.theme import Theme
from erpconsole.widgets.units import BYTE_UNITS, format_local_time, format_value

FloatArray = np.ndarray
SCROLL_FRACTION = 0.05
_STEPS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
MIN_PIXMAP_CACHE_KB = 64 * 1024


def ensure_pixmap_cache(min_kb: int = MIN_PIXMAP_CACHE_KB) -> None:
    """Raise Qt's pixmap cache so every visible chart's cached axes fit.

    The axes' DeviceCoordinateCache pixmaps live in QPixmapCache (10 MB by default). With
    the grid they cover the plot area, ~0.5 MB per chart at 1080p, so 32 charts overflow it;
    the cache then thrashes and each axis repaints every frame (measured: 69 ms -> 13 ms of
    paint per frame for 32 charts once they fit).
    """
    if QPixmapCache.cacheLimit() < min_kb:
        QPixmapCache.setCacheLimit(min_kb)


@dataclass
class ChartSeries:
    """One curve of a LiveChart and the buffer it draws."""

    key: str
    name: str
    color: str | None  # None: taken from the theme's series colours
    own: RingBuffer
    curve: CurveItem
    shared: RingBuffer | None = None  # filled by its owner; the chart only reads it
    drawn: tuple[RingBuffer, int] | None = None  # the buffer and its version last pushed

    def __post_init__(self) -> None:
        if self.drawn is None:  # a new curve is as empty as a new buffer
            self.drawn = (self.own, self.own.version)

    @property
    def buffer(self) -> RingBuffer:
        return self.own if self.shared is None else self.shared

    @property
    def dirty(self) -> bool:
        buffer = self.buffer
        return self.drawn[0] is not buffer or self.drawn[1] != buffer.version

    def mark_drawn(self) -> None:
        self.drawn = (self.buffer, self.buffer.version)


class UnitAxisItem(pg.AxisItem):
    """A value axis whose tick labels carry the unit, bytes humanised (KiB/s, MiB/s...)."""

    def __init__(self, unit: str, orientation: str = "left", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self._unit = unit

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:  # noqa: N802
        """Byte units tick at binary steps (1 MiB, 2 MiB, ...) instead of 977 KiB."""
        span = maxVal - minVal
        if self._unit not in BYTE_UNITS or span <= 0 or size <= 0:
            return super().tickSpacing(minVal, maxVal, size)
        ideal = span / max(2.0, size / 60.0)
        base = 1024.0 ** max(0, math.floor(math.log(max(ideal, 1.0), 1024)))
        major = next((m * base for m in _STEPS if m * base >= ideal), _STEPS[-1] * base)
        return [(major, 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        digits = 0 if spacing >= 1 else min(3, max(1, int(math.ceil(-math.log10(spacing)))))
        return [format_value(v * scale, self._unit, digits) for v in values]


def curve_pen(color: str) -> pg.QtGui.QPen:
    # Width 0: Qt's one-pixel hairline, cosmetic by definition, and the curve's bounding
    # rect is its points' (a width-1 pen makes Qt stroke the whole path to find it).
    return pg.mkPen(color, width=0)


def hover_text(ts: float, series: Iterable[ChartSeries], unit: str) -> str:
    """Local time, then each series' sample nearest ``ts`` (drawn or not) with its unit."""
    lines = [format_local_time(ts)]
    for one in series:
        times, values = one.buffer.arrays()
        if times.size:
            lines.append(f"{one.name}: {format_value(float(values[nearest_index(times, ts)]), unit)}")
    return "\n".join(lines)


def nearest_index(ts: FloatArray, x: float) -> int:
    """Index of the timestamp nearest ``x`` in a sorted, non-empty array."""
    i = int(np.searchsorted(ts, x))
    if i <= 0:
        return 0
    if i >= ts.size:
        return ts.size - 1
    return i if ts[i] - x < x - ts[i - 1] else i - 1


def nice_step(raw: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``raw`` (raw > 0)."""
    exponent = math.floor(math.log10(raw))
    for mantissa in (1.0, 2.0, 5.0, 10.0):
        step = mantissa * 10.0**exponent
        if step >= raw * (1 - 1e-9):
            return step
    return 10.0 ** (exponent + 1)


def snapped_x_range(lo: float, hi: float, fraction: float = SCROLL_FRACTION) -> tuple[float, float]:
    """[lo, hi] widened outwards to whole steps of about ``fraction`` of the span.

    Streaming moves the x range in these steps instead of on every point: between steps the
    axes keep their cached tick pictures and only the curves repaint, which is most of the
    per-frame cost saved (measured here: ~4 ms to ~0.5 ms per chart repaint).
    """
    span = hi - lo
    if span <= 0:
        return lo - 30.0, hi + 30.0
    step = nice_step(span * fraction)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


FIXED_HEADROOM = 0.04  # of the span, beyond each end of a fixed axis


def fixed_view(y_range: tuple[float, float]) -> tuple[float, float]:
    """A fixed axis such as 0–100 % shown with a little room past both ends, so a line at 100
    is not drawn on the top edge and the ticks at both ends get their labels."""
    lo, hi = y_range
    room = (hi - lo) * FIXED_HEADROOM
    return lo - room, hi + room


def padded_range(lo: float, hi: float) -> tuple[float, float]:
    """A y range around [lo, hi] with some air, never dipping below zero for positive data."""
    span = hi - lo
    pad = span * 0.1 if span > 0 else max(abs(hi) * 0.1, 1.0)
    low = lo - pad
    if lo >= 0 > low:
        low = 0.0
    return low, hi + pad


def keep_y_range(current: tuple[float, float], lo: float, hi: float) -> bool:
    """True while the data fits the current range and still fills a fair part of it.

    The hysteresis keeps the y axis still while streaming: a steady axis is easier to read
    and lets pyqtgraph keep its cached axis picture.
    """
    c0, c1 = current
    if lo < c0 or hi > c1:
        return False
    wanted = padded_range(lo, hi)
    return (wanted[1] - wanted[0]) >= 0.4 * (c1 - c0)


class HoverOverlay:
    """A vertical line and a text box that follow the mouse over a plot."""

    def __init__(self, plot_item: pg.PlotItem, text_for: Callable[[float], str]) -> None:
        self._item = plot_item
        self._text_for = text_for
        self.line = pg.InfiniteLine(angle=90, movable=False)
        self.label = pg.TextItem(anchor=(0, 0))
        for part in (self.line, self.label):
            part.setZValue(1000)
            part.hide()
            plot_item.addItem(part, ignoreBounds=True)

    def apply_theme(self, theme: Theme) -> None:
        self.line.setPen(pg.mkPen(theme.muted_text, width=1, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.label.setColor(theme.text)
        self.label.fill = pg.mkBrush(pg.mkColor(theme.alternate_base).darker(100))
        self.label.border = pg.mkPen(theme.border)

    def show_at_scene(self, scene_pos: QPointF) -> bool:
        vb = self._item.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            self.hide()
            return False
        x = vb.mapSceneToView(scene_pos).x()
        self.show_at(x)
        return True

    def show_at(self, x: float) -> None:
        text = self._text_for(x)
        (x0, x1), (_y0, y1) = self._item.getViewBox().viewRange()
        self.line.setPos(x)
        self.label.setText(text)
        right_half = x > (x0 + x1) / 2
        self.label.setAnchor((1, 0) if right_half else (0, 0))
        self.label.setPos(x, y1)
        self.line.show()
        self.label.show()

    def hide(self) -> None:
        self.line.hide()
        self.label.hide()

    def is_shown(self) -> bool:
        return self.label.isVisible()
