"""A small painted bar chart over plain arrays (a backup set's sizes), one bar per value,
each with its own status level; cheap enough for a dozen panels on a wall."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from erpconsole.widgets.chart_export import install_bar_menu
from erpconsole.widgets.theme import FollowsAppTheme, chart_colors, current_theme_name, get_theme, status_color


class BarChart(FollowsAppTheme, QWidget):
    """``set_bars(values, levels, labels)``: NaN leaves an empty slot; a level of "warning" or
    "critical" colours that bar, any other uses the first series colour (or ``accent`` levels:
    "alt" uses the second). The top of the scale is written in the corner. With no value to
    draw, ``empty_text`` is written in the middle of a dashed frame, so the chart area says why
    it is empty instead of showing a blank box."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values = np.empty(0)
        self._levels: list[str] = []
        self._labels: list[str] = []
        self._scale_text = ""
        self._empty_text = ""
        self._theme = self._app_theme = current_theme_name()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(48)
        install_bar_menu(self)  # Save as PNG…, Export data as CSV…

    def set_bars(self, values: ArrayLike, levels: list[str] | None = None, labels: list[str] | None = None,
                 scale_text: str = "", empty_text: str = "") -> None:
        self._values = np.asarray(values, dtype=float).ravel()
        self._levels = list(levels or [])
        self._labels = list(labels or [])
        self._scale_text = scale_text
        self._empty_text = empty_text
        self.setToolTip(empty_text if self.is_empty() else "")
        self.update()

    def values(self) -> np.ndarray:
        return self._values

    def levels(self) -> list[str]:
        return list(self._levels)

    def labels(self) -> list[str]:
        return list(self._labels)

    def is_empty(self) -> bool:
        """No bar to draw: no value, or none above zero."""
        finite = self._values[np.isfinite(self._values)]
        return not (finite.size and finite.max() > 0)

    def empty_text(self) -> str:
        """What the chart area says while it has no bar to draw ("" when it has bars)."""
        return self._empty_text if self.is_empty() else ""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(240, 70)

    def _bar_color(self, i: int) -> QColor:
        level = self._levels[i] if i < len(self._levels) else ""
        if level in ("warning", "critical"):
            return QColor(status_color(level, self._theme))
        series = chart_colors(self._theme)
        return QColor(series[1] if level == "alt" else series[0])

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        theme = get_theme(self._theme)
        painter = QPainter(self)
        if self.is_empty() and self._empty_text:
            self._paint_empty(painter, theme)
            painter.end()
            return
        painter.setPen(QPen(QColor(theme.border), 1))
        painter.drawLine(0, self.height() - 1, self.width(), self.height() - 1)
        if not self.is_empty():
            finite = self._values[np.isfinite(self._values)]
            self._paint_bars(painter, float(finite.max()))
        if self._scale_text:
            font = QFont(self.font())
            font.setPixelSize(11)
            painter.setFont(font)
            painter.setPen(QColor(theme.muted_text))
            painter.drawText(QRectF(2, 0, self.width() - 4, 14), Qt.AlignmentFlag.AlignRight, self._scale_text)
        painter.end()

    def _paint_empty(self, painter: QPainter, theme) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(QColor(theme.border), 1, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(QColor(theme.base))
        frame = QRectF(0.5, 0.5, self.width() - 1.0, self.height() - 1.0)
        painter.drawRoundedRect(frame, 4, 4)
        painter.setPen(QColor(theme.muted_text))
        painter.drawText(frame.adjusted(8, 4, -8, -4),
                         int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap), self._empty_text)

    def _paint_bars(self, painter: QPainter, top: float) -> None:
        n = self._values.size
        slot = self.width() / n
        gap = 1.0 if slot > 3 else 0.0
        usable = self.height() - 16  # room for the scale text above the tallest bar
        painter.setPen(Qt.PenStyle.NoPen)
        for i, value in enumerate(self._values):
            if not np.isfinite(value) or value <= 0:
                continue
            h = max(2.0, usable * value / top)
            painter.setBrush(self._bar_color(i))
            painter.drawRect(QRectF(i * slot + gap, self.height() - 1 - h, max(1.0, slot - 2 * gap), h))
