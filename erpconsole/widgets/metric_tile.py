"""A big, focusable tile for one host or database on the Overview."""

from __future__ import annotations

from numpy.typing import ArrayLike
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from erpconsole.widgets.elided_label import ElidedLabel
from erpconsole.widgets.sparkline import Sparkline
from erpconsole.widgets.text_fit import wrap_to_lines
from erpconsole.widgets.theme import FollowsAppTheme, LEVELS, chart_colors, current_theme_name, get_theme, status_color, status_glyph
from erpconsole.widgets.units import format_value

VALUE_COUNT = 3
# Font sizes in "tile units" (the smaller of width/14 and height/9, in pixels), then the
# pixel clamp: the numbers stay readable from across a room on a large tile.
_FONT_SCALE = {"title": (0.85, 11, 72), "status": (0.6, 10, 40), "value": (1.5, 14, 140), "caption": (0.58, 9, 40),
               "scale": (0.4, 9, 22)}
_EMPHASISED = ("warning", "critical", "stale", "unknown")


def _ignored_label(text: str = "", align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> QLabel:
    label = QLabel(text)
    label.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    # Ignored: the font grows with the tile, the tile must not grow with the font.
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
    label.setMinimumSize(1, 1)
    return label




class MetricTile(FollowsAppTheme, QFrame):
    """Title, status (colour strip and text), three big numbers and a sparkline.

    Emits ``activated(key)`` on a left click or on Enter/Return/Space while focused.
    """

    activated = Signal(str)

    def __init__(self, key: str, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._key = key
        self._level = "pending"
        self._status_text = ""
        self._values: list[tuple[str, str, str | None]] = []
        self._spark_unit = ""
        self._title_text = ""
        self._theme = self._app_theme = current_theme_name()
        self._font_px: dict[str, int] = {}
        self.setObjectName("metricTile")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._build()
        self.set_title(title or key)
        self.set_status("pending", self.tr("waiting for first poll"))
        self.apply_theme(self._theme)

    def _build(self) -> None:
        self._strip = QFrame()
        self._strip.setFixedWidth(8)
        self._title = _ignored_label()
        self._status = _ignored_label()
        self._value_labels = [_ignored_label("–", Qt.AlignmentFlag.AlignHCenter) for _ in range(VALUE_COUNT)]
        self._caption_labels = [_ignored_label("", Qt.AlignmentFlag.AlignHCenter) for _ in range(VALUE_COUNT)]
        self._sparkline = Sparkline()
        self._sparkline.set_y_range((0.0, 100.0))
        self._sparkline.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        # What the line is and its range: a line with no scale says "up" but not "how much".
        # "last seen 14:02 (37 min ago)" on a narrow tile ends in "…", never cut mid-letter.
        self._spark_caption = ElidedLabel(Qt.TextElideMode.ElideRight)
        self._spark_caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._spark_caption.setMinimumSize(1, 1)
        self._spark_scale = _ignored_label("", Qt.AlignmentFlag.AlignRight)
        spark_head = QHBoxLayout()
        spark_head.setContentsMargins(0, 0, 0, 0)
        spark_head.addWidget(self._spark_caption, 3)
        spark_head.addWidget(self._spark_scale, 1)
        numbers = QGridLayout()
        numbers.setHorizontalSpacing(8)
        numbers.setVerticalSpacing(0)
        for col, (value, caption) in enumerate(zip(self._value_labels, self._caption_labels)):
            numbers.addWidget(value, 0, col)
            numbers.addWidget(caption, 1, col)
            numbers.setColumnStretch(col, 1)
        numbers.setRowStretch(0, 3)
        numbers.setRowStretch(1, 1)
        body = QVBoxLayout()
        body.setContentsMargins(10, 6, 10, 6)
        body.addWidget(self._title, 2)
        body.addWidget(self._status, 2)  # two lines: the state, then its cause
        body.addLayout(numbers, 5)
        body.addLayout(spark_head, 1)
        body.addWidget(self._sparkline, 3)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(1, 1, 1, 1)
        outer.setSpacing(0)
        outer.addWidget(self._strip)
        outer.addLayout(body, 1)

    # -- public ---------------------------------------------------------------------------

    @property
    def key(self) -> str:
        return self._key

    def set_title(self, title: str) -> None:
        self._title_text = title
        self._elide_title()
        self.setAccessibleName(title)
        self.setToolTip(self.tr("%1: press Enter or click for details").replace("%1", title))

    def title(self) -> str:
        return self._title_text

    def title_text_shown(self) -> str:
        return self._title.text()

    def set_status(self, level: str, text: str) -> None:
        self._level = level if level in LEVELS else "unknown"
        self._status_text = text
        self._status.setToolTip(text)
        self._restyle_status()
        self._elide_status()
        self._update_description()

    def status(self) -> tuple[str, str]:
        return self._level, self._status_text

    def set_values(self, values: list[tuple[str, str, str | None]]) -> None:
        """Up to three (caption, value text, level) triples; missing ones show a dash."""
        self._values = list(values)[:VALUE_COUNT]
        padded = self._values + [("", "–", None)] * (VALUE_COUNT - len(self._values))
        for (caption, text, level), value_label, caption_label in zip(
            padded, self._value_labels, self._caption_labels
        ):
            value_label.setText(text)
            caption_label.setText(caption)
            caption_label.setToolTip(caption)
            emphasise = level in _EMPHASISED
            value_label.setStyleSheet(f"color: {status_color(level, self._theme)};" if emphasise else "")
        # A style sheet set on a label drops the pixel size _scale_fonts gave it: scale again.
        self._font_px.pop("value", None)
        self._scale_fonts()
        self._update_description()

    def values(self) -> list[tuple[str, str, str | None]]:
        return list(self._values)

    def set_sparkline(self, values: ArrayLike) -> None:
        self._sparkline.set_values(values)
        self._update_spark_scale()

    def set_sparkline_caption(self, caption: str, unit: str) -> None:
        """What the sparkline draws ("CPU, last 15 min") and the unit of its range."""
        self._spark_caption.set_full_text(caption)
        self._spark_unit = unit
        self._update_spark_scale()

    def sparkline_caption(self) -> tuple[str, str]:
        """(what the line is, its range as shown): ("CPU, last 15 min", "0–100 %")."""
        return self._spark_caption.full_text(), self._spark_scale.text()

    def spark_caption_shown(self) -> str:
        return self._spark_caption.text()

    def sparkline(self) -> Sparkline:
        return self._sparkline

    def font_pixel_size(self, part: str) -> int:
        """Pixel size of 'title', 'status', 'value' or 'caption' text (for tests and layouts)."""
        return self._font_px.get(part, 0)

    def apply_theme(self, name: str) -> None:
        self._theme = get_theme(name).name
        self._sparkline.set_color(chart_colors(self._theme)[0])
        muted = f"color: {get_theme(self._theme).muted_text};"
        for label in (self._spark_caption, self._spark_scale):
            label.setStyleSheet(muted)
        self._font_px.pop("scale", None)  # a style sheet drops the pixel size: set_values scales again
        self._restyle_status()
        self.set_values(self._values)

    # -- events ---------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.activated.emit(self._key)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit(self._key)
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._scale_fonts()

    # -- internals ------------------------------------------------------------------------

    def _elide_title(self) -> None:
        """A long name ends in "…" rather than being cut off mid-letter at the tile's edge (the
        tile's tooltip names it whole)."""
        width = max(40, self.width() - 40)
        self._title.setText(self._title.fontMetrics().elidedText(self._title_text, Qt.TextElideMode.ElideRight, width))

    def _elide_status(self) -> None:
        """Two lines, so the cause after the state is read; the rest ends in "…" (the whole of
        it is in the tooltip)."""
        width = max(40, self.width() - 40)
        shown = f"{status_glyph(self._level)} {self._status_text}" if self._status_text else ""
        self._status.setText(wrap_to_lines(shown, self._status.fontMetrics(), width, 2))

    def _update_spark_scale(self) -> None:
        scale = self._sparkline.scale()
        if scale is None:
            self._spark_scale.setText("")
            return
        low, high = (format_value(v, "", 0) for v in scale)
        self._spark_scale.setText(f"{low}–{high} {self._spark_unit}".rstrip())

    def status_text_shown(self) -> str:
        return self._status.text()

    def _scale_fonts(self) -> None:
        unit = min(self.width() / 14.0, self.height() / 9.0)
        parts = {
            "title": [self._title],
            "status": [self._status],
            "value": self._value_labels,
            "caption": self._caption_labels,
            "scale": [self._spark_caption, self._spark_scale],
        }
        for part, labels in parts.items():
            factor, low, high = _FONT_SCALE[part]
            px = int(max(low, min(high, unit * factor)))
            if self._font_px.get(part) == px:
                continue
            self._font_px[part] = px
            for label in labels:
                font = QFont(label.font())
                font.setPixelSize(px)
                font.setBold(part in ("title", "value"))
                label.setFont(font)
        self._strip.setFixedWidth(max(6, int(unit * 0.35)))
        self._elide_title()  # the cut follows the font and the width
        self._elide_status()

    def _restyle_status(self) -> None:
        color = status_color(self._level, self._theme)
        self._strip.setStyleSheet(f"background: {color}; border: none;")
        self._status.setStyleSheet(f"color: {color}; font-weight: 600;")

    def _update_description(self) -> None:
        parts = [self._status_text] + [f"{caption} {text}" for caption, text, _level in self._values]
        self.setAccessibleDescription("; ".join(p for p in parts if p))
