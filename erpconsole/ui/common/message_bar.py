"""How a page answers what the user started (saved, signed, running, failed) and what it says
instead of a bare table: one line, never a modal box, the same on every page."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from erpconsole.widgets.theme import get_theme, status_color

_ANSWER_LEVELS = ("ok", "warning", "critical")


def text_label(name: str = "", *, rich: bool = False, text: str = "") -> QLabel:
    """A wrapped label whose text can be selected: a person pastes an error into a ticket."""
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(True)
    if rich:
        label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def empty_page_label(name: str) -> QLabel:
    """What a page shows instead of its content when the inventory gives it nothing to show:
    rich text (a heading, an example to copy) read from the top left."""
    label = text_label(name, rich=True)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setContentsMargins(24, 24, 24, 24)
    return label


class MessageBar(QWidget):
    """A line for the page's answers, coloured by level (ok, warning, critical; others plain).

    ``banner``: a page-wide line above the content, padded, with every level but ok coloured
    (ok is ordinary text there: the page reads calm when all is well). ``copy_label``: a button
    that copies what :meth:`say` was given as ``copy_text`` (an export's path and checksum).
    ``hide_when_empty=False`` keeps the line's room, for a line beside a progress bar."""

    def __init__(self, name: str = "", *, rich: bool = False, banner: bool = False, copy_label: str = "",
                 hide_when_empty: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = text_label(name, rich=rich)
        self._banner = banner
        self._hide_when_empty = hide_when_empty
        self._copy_text = ""
        self._level = ""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        self.copy_button: QPushButton | None = None
        if copy_label:
            self.copy_button = QPushButton(copy_label)
            self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self._copy_text))
            layout.addWidget(self.copy_button)
        self.say("", "")

    def say(self, text: str, level: str, theme: str = "dark", copy_text: str = "") -> None:
        """``text`` is rich text on a ``rich`` bar (escape what came from elsewhere)."""
        self._level = level
        self.apply_theme(theme)
        self.label.setText(text)
        self._copy_text = copy_text
        if self.copy_button is not None:
            self.copy_button.setVisible(bool(copy_text))
        if self._hide_when_empty:
            self.setVisible(bool(text))

    def apply_theme(self, theme: str) -> None:
        self.label.setStyleSheet(self._style(theme))

    def _style(self, theme: str) -> str:
        if self._banner:
            color = get_theme(theme).text if self._level == "ok" else status_color(self._level, theme)
            return f"color: {color}; font-weight: 600; padding: 4px;"
        if self._level in _ANSWER_LEVELS:
            return f"color: {status_color(self._level, theme)}; font-weight: 600;"
        return ""

    def text(self) -> str:
        return self.label.text()

    def shown_text(self) -> str:
        """The text while the line is shown, else ""."""
        return self.label.text() if not self.isHidden() else ""

    def copy_text(self) -> str:
        return self._copy_text


class EmptyState(QWidget):
    """What the page says instead of a table, with the button for the next step."""

    button_clicked = Signal()

    def __init__(self, name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = text_label(name, rich=True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.button = QPushButton()
        self.button.clicked.connect(self.button_clicked.emit)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.label)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def set_state(self, text: str, button: str) -> None:
        self.label.setText(text)
        self.button.setText(button)
        self.button.setVisible(bool(button))


class MessageBarMixin:
    """For a page with a banner ``message_bar`` coloured by the page's ``_theme``: one way to
    say a thing there, and the text shown, which tests and the window read."""

    message_bar: MessageBar
    _theme: str

    def _say(self, text: str, level: str = "ok") -> None:
        self.message_bar.say(text, level, self._theme)

    def message(self) -> str:
        return self.message_bar.shown_text()
