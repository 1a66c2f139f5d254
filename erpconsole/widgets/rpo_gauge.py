"""A horizontal bar: a value against a limit (the newest backup's age against the RPO), with
the limit marked, big enough to read from across a room."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from erpconsole.widgets.theme import FollowsAppTheme, LEVELS, current_theme_name, get_theme, status_color

MIN_SCALE = 1.5  # the bar shows at least 150% of the limit, so the mark sits at two thirds
MAX_SCALE = 3.0  # beyond three times the limit the bar is full and the text says how far


def gauge_scale(fraction: float | None) -> float:
    """The fraction at the right end of the bar."""
    if fraction is None or not math.isfinite(fraction):
        return MIN_SCALE
    return min(MAX_SCALE, max(MIN_SCALE, fraction * 1.1))


class RpoGauge(FollowsAppTheme, QWidget):
    """``set_value(fraction, level, text)``: fraction 1.0 is the limit (the mark)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fraction: float | None = None
        self._level = "unknown"
        self._text = ""
        self._mark_text = ""
        self._theme = self._app_theme = current_theme_name()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(56)

    def set_value(self, fraction: float | None, level: str, text: str, mark_text: str = "") -> None:
        self._fraction = fraction
        self._level = level if level in LEVELS else "unknown"
        self._text = text
        self._mark_text = mark_text
        self.setToolTip(text)
        self.setAccessibleName(text)
        self.update()

    def fraction(self) -> float | None:
        return self._fraction

    def level(self) -> str:
        return self._level

    def text(self) -> str:
        return self._text

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(320, 60)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """The figure on top in big text, the bar under it: neither hides the other."""
        theme = get_theme(self._theme)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        text_h = self.height() * 0.55
        bar = QRectF(1, text_h + 2, self.width() - 2, self.height() - text_h - 3)
        painter.setPen(QPen(QColor(theme.border), 1))
        painter.setBrush(QColor(theme.base))
        painter.drawRoundedRect(bar, 3, 3)
        scale = gauge_scale(self._fraction)
        if self._fraction is not None and math.isfinite(self._fraction):
            filled = QRectF(bar)
            filled.setWidth(max(3.0, bar.width() * min(1.0, max(0.0, self._fraction) / scale)))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(status_color(self._level, self._theme)))
            painter.drawRoundedRect(filled, 3, 3)
        self._paint_mark(painter, bar, scale, theme)
        self._paint_text(painter, QRectF(2, 0, self.width() - 4, text_h), theme)
        painter.end()

    def _paint_mark(self, painter: QPainter, bar: QRectF, scale: float, theme) -> None:
        x = bar.left() + bar.width() / scale
        painter.setPen(QPen(QColor(theme.text), 3))
        painter.drawLine(int(x), int(bar.top()) - 3, int(x), int(bar.bottom()) + 1)
        if self._mark_text:
            font = QFont(self.font())
            font.setPixelSize(max(10, int(bar.height() * 0.6)))
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(QColor(theme.text))
            rect = QRectF(x + 5, bar.top(), max(0.0, bar.right() - x - 7), bar.height())
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self._mark_text)

    def _paint_text(self, painter: QPainter, rect: QRectF, theme) -> None:
        font = QFont(self.font())
        font.setPixelSize(max(12, int(rect.height() * 0.8)))
        font.setBold(True)
        painter.setFont(font)
        color = theme.text if self._level == "ok" else status_color(self._level, self._theme)
        painter.setPen(QColor(color))
        text = painter.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, int(rect.width()))
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
