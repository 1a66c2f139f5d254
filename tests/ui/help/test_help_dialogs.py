"""Help's dialogs: Where things are opens and copies the real paths; Keyboard shortcuts lists
the window's own actions, so a shortcut added to a menu shows up without touching Help."""

from __future__ import annotations

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMainWindow

from erpconsole.ui.help.bridge import EVIDENCE, INVENTORY, LOG, STORE, HelpBridge
from erpconsole.ui.help.places_dialog import WhereThingsAreDialog
from erpconsole.ui.help.shortcuts_dialog import ShortcutsDialog, shortcut_rows


class _Opened(QObject):
    """Stands in for the desktop: file URLs handed to QDesktopServices land here."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:  # noqa: A003 - the name QDesktopServices calls
        self.urls.append(url)


def _bridge(tmp_path):
    inventory = tmp_path / "inventory.toml"
    inventory.write_text("")
    return HelpBridge(lambda: str(inventory), f"sqlite:///{tmp_path / 'store.sqlite3'}",
                      str(tmp_path / "erpconsole.log"), str(tmp_path / "evidence"), version="9.8.7")


def test_where_things_are_lists_each_place_with_its_path_and_the_version(qtbot, tmp_path):
    dialog = WhereThingsAreDialog(_bridge(tmp_path))
    qtbot.addWidget(dialog)
    assert dialog.version_label.text() == "erpconsole 9.8.7"
    assert list(dialog.path_labels) == [INVENTORY, STORE, LOG, EVIDENCE]
    assert dialog.path_labels[INVENTORY].text() == str(tmp_path / "inventory.toml")
    assert dialog.path_labels[EVIDENCE].text() == f"{tmp_path / 'evidence'} (not there yet)"


def test_open_hands_the_path_to_the_desktop_and_copy_puts_it_on_the_clipboard(qtbot, tmp_path):
    dialog = WhereThingsAreDialog(_bridge(tmp_path))
    qtbot.addWidget(dialog)
    opened = _Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        dialog.open_buttons[INVENTORY].click()
        dialog.open_buttons[EVIDENCE].click()  # made on the way: a file manager cannot open nothing
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in opened.urls] == [str(tmp_path / "inventory.toml"), str(tmp_path / "evidence")]
    assert (tmp_path / "evidence").is_dir()
    dialog.copy_buttons[LOG].click()
    assert QGuiApplication.clipboard().text() == str(tmp_path / "erpconsole.log")


def test_a_store_on_a_server_cannot_be_opened_but_its_url_copied(qtbot):
    bridge = HelpBridge(lambda: None, "postgresql+psycopg://monitor@db1/erp", "/x.log", "/e")
    dialog = WhereThingsAreDialog(bridge)
    qtbot.addWidget(dialog)
    assert not dialog.open_buttons[STORE].isEnabled()
    dialog.copy_buttons[STORE].click()
    assert QGuiApplication.clipboard().text() == "postgresql+psycopg://monitor@db1/erp"


def _window(qtbot) -> QMainWindow:
    window = QMainWindow()
    qtbot.addWidget(window)
    menu = window.menuBar().addMenu("&File")
    quit_action = QAction("&Quit", window)
    quit_action.setShortcut(QKeySequence("Ctrl+Q"))
    menu.addAction(quit_action)
    menu.addAction(QAction("&Import hosts…", window))  # no shortcut: not listed
    sub = menu.addMenu("&Recent")
    again = QAction("Open &again…", window)
    again.setShortcut(QKeySequence("Ctrl+Shift+O"))
    sub.addAction(again)
    return window


def test_shortcuts_come_from_the_window_actions(qtbot):
    window = _window(qtbot)
    rows = [(r.where, r.action, r.keys) for r in shortcut_rows(window)]
    assert rows == [("File", "Quit", "Ctrl+Q"), ("File › Recent", "Open again", "Ctrl+Shift+O")]
    late = QAction("&Refresh", window)
    late.setShortcut(QKeySequence("F5"))
    window.addAction(late)  # not in a menu, still a shortcut of the window
    assert ("On pages", "Refresh", "F5") in [(r.where, r.action, r.keys) for r in shortcut_rows(window)]
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    assert [r.action for r in dialog.rows()] == ["Quit", "Open again", "Refresh"]
    shown = dialog.table.proxy_model()
    assert [shown.index(r, 1).data() for r in range(shown.rowCount())] == ["Quit", "Open again", "Refresh"]


def test_the_console_help_menu_has_where_things_are_and_f1(console_factory, qtbot):
    window = console_factory().window
    actions = window.help_actions
    assert actions.shortcuts.shortcut() == QKeySequence("F1")
    listed = {(r.action, r.keys) for r in shortcut_rows(window)}
    assert ("Keyboard shortcuts", "F1") in listed and ("Full screen", "F11") in listed
    assert ("Overview", "Ctrl+1") in listed  # the page keys, read from the View menu
    actions.places.trigger()
    shown = window.findChildren(WhereThingsAreDialog)
    assert len(shown) == 1 and shown[0].isVisible()
    assert shown[0].path_labels[STORE].text().split(" (")[0].endswith("store.sqlite3")
    actions.shortcuts.trigger()
    assert window.findChildren(ShortcutsDialog)[0].isVisible()
    for dialog in shown + window.findChildren(ShortcutsDialog):
        dialog.close()
