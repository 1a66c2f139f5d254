"""A strip of ticks over a time window (each backup one tick) where a gap longer than a limit
is shaded and labelled, so it is seen at once."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from erpconsole.widgets.theme import FollowsAppTheme, chart_colors, current_theme_name, get_theme, status_color


def find_gaps(times: ArrayLike, start: float, end: float, max_gap: float) -> list[tuple[float, float]]:
    """Spans inside [start, end] longer than ``max_gap`` with no time in them. Times before the
    window count as the left edge (a backup from before the window still covers its start);
    with none before, the window starts at the first time."""
    ts = np.sort(np.asarray(times, dtype=float).ravel())
    ts = ts[np.isfinite(ts) & (ts <= end)]
    if ts.size == 0:
        return [(start, end)] if end - start > max_gap else []
    before = ts[ts < start]
    inside = ts[ts >= start]
    edges = ([float(before[-1])] if before.size else []) + [float(t) for t in inside] + [end]
    gaps = []
    for left, right in zip(edges, edges[1:]):
        if right - left > max_gap:
            gaps.append((max(left, start), right))
    return gaps


class TimelineStrip(FollowsAppTheme, QWidget):
    """``set_ticks(times, levels, start, end, max_gap)``; levels "full" draw a tall tick,
    "warning"/"critical" a coloured one, anything else a short one."""

    def __init__(self, gap_label: Callable[[float], str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._times = np.empty(0)
        self._levels: list[str] = []
        self._start = self._end = 0.0
        self._gaps: list[tuple[float, float]] = []
        self._gap_label = gap_label or (lambda s: f"{s / 86400:.1f} d")
        self._theme = self._app_theme = current_theme_name()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(34)

    def set_ticks(self, times: ArrayLike, levels: list[str], start: float, end: float, max_gap: float) -> None:
        self._times = np.asarray(times, dtype=float).ravel()
        self._levels = list(levels)
        self._start, self._end = start, end
        self._gaps = find_gaps(self._times, start, end, max_gap)
        self.update()

    def gaps(self) -> list[tuple[float, float]]:
        return list(self._gaps)

    def visible_ticks(self) -> int:
        return int(((self._times >= self._start) & (self._times <= self._end)).sum())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(320, 34)

    def _x(self, t: float) -> float:
        span = max(1.0, self._end - self._start)
        return 1 + (self.width() - 2) * (t - self._start) / span

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        theme = get_theme(self._theme)
        painter = QPainter(self)
        painter.setPen(QPen(QColor(theme.border), 1))
        painter.setBrush(QColor(theme.base))
        painter.drawRect(QRectF(0, 0, self.width() - 1, self.height() - 1))
        self._paint_gaps(painter, theme)
        self._paint_ticks(painter)
        painter.end()

    def _paint_gaps(self, painter: QPainter, theme) -> None:
        color = QColor(status_color("critical", self._theme))
        fill = QColor(color)
        fill.setAlpha(70)
        font = QFont(self.font())
        font.setPixelSize(max(10, int(self.height() * 0.36)))
        font.setBold(True)
        painter.setFont(font)
        for left, right in self._gaps:
            rect = QRectF(self._x(left), 1, max(2.0, self._x(right) - self._x(left)), self.height() - 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRect(rect)
            label = self._gap_label(right - left)
            if painter.fontMetrics().horizontalAdvance(label) + 4 < rect.width():
                painter.setPen(QColor(theme.text))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_ticks(self, painter: QPainter) -> None:
        normal = QColor(chart_colors(self._theme)[0])
        full = QColor(chart_colors(self._theme)[1])
        h = self.height()
        for t, level in zip(self._times, self._levels + [""] * (len(self._times) - len(self._levels))):
            if not self._start <= t <= self._end:
                continue
            color = QColor(status_color(level, self._theme)) if level in ("warning", "critical") else (
                full if level == "full" else normal)
            tall = level in ("full", "critical", "warning")
            painter.setPen(QPen(color, 3 if tall else 2))
            x = int(self._x(t))
            painter.drawLine(x, 3 if tall else int(h * 0.4), x, h - 3)
