"""The Help menu's own entries: Where things are, Keyboard shortcuts (F1)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMainWindow, QMenu

from erpconsole.ui.help.bridge import HelpApi
from erpconsole.ui.help.places_dialog import WhereThingsAreDialog
from erpconsole.ui.help.shortcuts_dialog import ShortcutsDialog


def _tr(text: str) -> str:
    return QCoreApplication.translate("HelpMenu", text)


@dataclass(frozen=True)
class HelpActions:
    places: QAction
    shortcuts: QAction


def add_help_actions(window: QMainWindow, menu: QMenu, bridge: HelpApi) -> HelpActions:
    """Adds the entries to ``menu``; each opens its dialog, non-modal, over ``window``."""
    places = QAction(_tr("&Where things are…"), window)
    places.triggered.connect(lambda: _show(WhereThingsAreDialog(bridge, window)))
    shortcuts = QAction(_tr("&Keyboard shortcuts"), window)
    shortcuts.setShortcut(QKeySequence.StandardKey.HelpContents)  # F1 on every desktop here
    if shortcuts.shortcut().isEmpty():
        shortcuts.setShortcut(QKeySequence("F1"))
    shortcuts.triggered.connect(lambda: _show(ShortcutsDialog(window, window)))
    menu.addAction(places)
    menu.addAction(shortcuts)
    menu.addSeparator()
    return HelpActions(places, shortcuts)


def _show(dialog: QDialog) -> QDialog:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
