"""Help > Keyboard shortcuts (F1): every shortcut of the window, read from its real actions (the
menus first, by menu, then the window's other actions), so the list cannot go stale."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMainWindow, QMenu, QVBoxLayout, QWidget

from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_setup import rows_table


@dataclass(frozen=True)
class ShortcutRow:
    where: str
    action: str
    keys: str


def _plain(text: str) -> str:
    """A menu text as a person reads it: no "&" marker, no trailing "…"."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").removesuffix("…").strip()


def _keys(action: QAction) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts() if not s.isEmpty())


def _menu_actions(menu: QMenu, where: str):
    for action in menu.actions():
        if action.menu() is not None:
            yield from _menu_actions(action.menu(), where + " › " + _plain(action.menu().title()))
        elif not action.isSeparator():
            yield where, action


def shortcut_rows(window: QMainWindow) -> list[ShortcutRow]:
    """(menu, action, keys) for every action of ``window`` that has a shortcut; each once."""
    found: list[tuple[str, QAction]] = []
    for top in window.menuBar().actions():
        if top.menu() is not None:
            found += list(_menu_actions(top.menu(), _plain(top.menu().title())))
    others = QCoreApplication.translate("ShortcutsDialog", "On pages")  # tables' and pages' own
    found += [(others, a) for a in window.findChildren(QAction) if a.menu() is None]
    rows: list[ShortcutRow] = []
    seen: set[tuple[str, str]] = set()
    for where, action in found:
        keys, text = _keys(action), _plain(action.text())
        if keys and text and (text, keys) not in seen:
            seen.add((text, keys))
            rows.append(ShortcutRow(where, text, keys))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpShortcutsDialog")
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.resize(560, 420)
        self.model = RowsTableModel([Column("where", self.tr("Menu")), Column("action", self.tr("Action")),
                                     Column("keys", self.tr("Keys"))])
        self.model.set_rows(shortcut_rows(window))
        self.table = rows_table(self.model, "helpShortcuts", widths={"where": 120, "action": 260})
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # menu order
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def rows(self) -> list[ShortcutRow]:
        return list(self.model.rows())
