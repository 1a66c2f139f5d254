"""Pieces the Database detail tabs share: a panel that says why it is empty (a missing grant
or extension) instead of showing a bare table, and a pane with the full text of a query."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSplitter, QVBoxLayout, QWidget

from erpconsole.ui.common.labels import db_action_label
from erpconsole.ui.databases.action_dialog import monospace_view
from erpconsole.widgets.theme import current_theme_name, get_theme, status_color

_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    """A query on one table line: newlines and runs of blanks become one space."""
    return _SPACES.sub(" ", text or "").strip()


def when_text(ts: float) -> str:
    """A past moment for a table cell; 0 stands for never."""
    if not ts:
        return QCoreApplication.translate("db_panels", "never")
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


class PanelFrame(QWidget):
    """A content widget with its panel note on top; with no rows the note (or ``empty_text``)
    takes the content's place, so a panel never shows an empty table without a reason."""

    def __init__(self, content: QWidget, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.content = content
        self.note_label = QLabel()
        self.note_label.setObjectName("panelNote")
        self.note_label.setWordWrap(True)
        self.note_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note_label.hide()
        self.note_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._empty_text = empty_text
        self.empty_label = QLabel(empty_text)
        self.empty_label.setObjectName("panelEmpty")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note_label)
        layout.addWidget(content, 1)
        layout.addWidget(self.empty_label, 1)
        self.apply_theme(current_theme_name())

    def set_state(self, note: str, has_rows: bool, empty_text: str | None = None) -> None:
        self.note_label.setText(note)
        self.note_label.setVisible(bool(note))
        if empty_text is not None:
            self._empty_text = empty_text
        # With no rows the empty label takes the room (blank under a note, which says it all).
        self.empty_label.setText("" if note else self._empty_text)
        self.content.setVisible(has_rows)
        self.empty_label.setVisible(not has_rows)

    def empty_text(self) -> str:
        return self.empty_label.text() if not self.empty_label.isHidden() else ""

    def note(self) -> str:
        return self.note_label.text() if not self.note_label.isHidden() else ""

    def shows_content(self) -> bool:
        return not self.content.isHidden()

    def apply_theme(self, name: str) -> None:
        theme = get_theme(name)
        warn = status_color("warning", theme)
        self.note_label.setStyleSheet(
            f"QLabel#panelNote {{ border: 2px solid {warn}; border-radius: 4px; padding: 8px;"
            f" background: {theme.alternate_base}; color: {theme.text}; font-weight: 600; }}")
        self.empty_label.setStyleSheet(f"color: {theme.muted_text}; padding: 16px;")


class QueryPane(QWidget):
    """The whole text of the selected query, monospace, with a Copy button."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(title)
        self.view = monospace_view("", lines=4)
        self.view.setLineWrapMode(self.view.LineWrapMode.WidgetWidth)
        self.view.setPlaceholderText(self.tr("Select a row to see its whole query here."))
        self.copy_button = QPushButton(self.tr("Copy query"))
        self.copy_button.clicked.connect(self.copy)
        self.copy_button.setEnabled(False)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.title, 1)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)

    def set_query(self, text: str) -> None:
        if text != self.view.toPlainText():
            self.view.setPlainText(text)
        self.copy_button.setEnabled(bool(text))

    def query(self) -> str:
        return self.view.toPlainText()

    def copy(self) -> None:
        if self.view.toPlainText():
            QGuiApplication.clipboard().setText(self.view.toPlainText())


def beside_query_pane(table: QWidget, pane: QueryPane, sizes: tuple[int, int]) -> QSplitter:
    """A table with the selected row's whole query beside it (3 : 1 when resized)."""
    split = QSplitter(Qt.Orientation.Horizontal)
    split.addWidget(table)
    split.addWidget(pane)
    split.setStretchFactor(0, 3)
    split.setStretchFactor(1, 1)
    split.setSizes(list(sizes))
    return split


def action_controls(owner: QWidget, names: tuple[str, ...], request: Callable[[str], None],
                    ) -> tuple[dict[str, QAction], dict[str, QPushButton]]:
    """One menu action and one button a database action, by name, both asking ``request``:
    the menu and the row of buttons offer the same actions under the same words."""
    actions: dict[str, QAction] = {}
    buttons: dict[str, QPushButton] = {}
    for name in names:
        act = QAction(db_action_label(name) + "…", owner)
        act.triggered.connect(lambda _=False, n=name: request(n))
        actions[name] = act
        button = QPushButton(db_action_label(name) + "…")
        button.clicked.connect(lambda _=False, n=name: request(n))
        buttons[name] = button
    return actions, buttons
