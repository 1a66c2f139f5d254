"""A page's layout as the user left it (splitter positions, column order and widths), put
back from QSettings; nothing saved yet leaves the page's own defaults."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QSplitter

from erpconsole.widgets.table_view import DataTableView


def restore_splitter(settings: QSettings, key: str, splitter: QSplitter) -> None:
    state = settings.value(key)
    if state is not None:
        splitter.restoreState(state)


def restore_header(settings: QSettings, key: str, view: DataTableView) -> None:
    header = settings.value(key)
    if header is not None:
        view.restore_header_state(header)
