"""The set-up every listing repeats, once: a table of rows (whole rows selected, columns at
their widths, a first sort order), the filter line above it, and the selected row found again
after the rows are replaced."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QMenu

from erpconsole.widgets.table_model import RowsTableModel
from erpconsole.widgets.table_view import DataTableView


def rows_table(model: RowsTableModel, name: str = "", *, widths: Mapping[str, int] | None = None,
               sort: tuple[str, Qt.SortOrder] | None = None, whole_rows: bool = True,
               menu: Callable[[], QMenu] | None = None) -> DataTableView:
    """``widths`` and ``sort`` name columns by key; ``menu`` builds the context menu instead of
    the copy-only one (it usually adds the page's actions to :meth:`DataTableView.context_menu`)."""
    view = DataTableView()
    if name:
        view.setObjectName(name)
    view.set_source_model(model)
    if whole_rows:
        view.setSelectionBehavior(DataTableView.SelectionBehavior.SelectRows)
    if sort is not None:
        view.sortByColumn(model.column_index(sort[0]), sort[1])
    header = view.horizontalHeader()
    for key, width in (widths or {}).items():
        header.resizeSection(model.column_index(key), width)
    if menu is not None:
        view.customContextMenuRequested.disconnect()
        view.customContextMenuRequested.connect(lambda pos: menu().exec(view.viewport().mapToGlobal(pos)))
    return view


def filter_line(placeholder: str, on_text: Callable[[str], Any]) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    edit.textChanged.connect(on_text)
    return edit


def words_match(edit: QLineEdit, hay: str) -> bool:
    """Whether every word typed in the filter line is in ``hay``, case aside; none typed, yes."""
    text = edit.text().strip().casefold()
    if not text:
        return True
    hay = hay.casefold()
    return all(word in hay for word in text.split())


def mode_combo(modes: tuple[tuple[str, str], ...], on_change: Callable[..., Any]) -> QComboBox:
    """A choice of which rows to show beside the filter line: (key, title) pairs, key as data."""
    box = QComboBox()
    for key, title in modes:
        box.addItem(title, key)
    box.currentIndexChanged.connect(on_change)
    return box


def filter_row(edit: QLineEdit, modes: QComboBox) -> QHBoxLayout:
    """The line above a listing: the filter, the mode beside it, room after them for the
    page's own buttons."""
    row = QHBoxLayout()
    row.addWidget(edit, 2)
    row.addWidget(modes)
    row.addStretch(1)
    return row


def selected_row(view: DataTableView, model: RowsTableModel) -> Any | None:
    """The first selected row, or None; a selection left over from before a reset is none."""
    rows = view.selected_source_rows()
    if not rows or rows[0] >= model.rowCount():
        return None
    return model.row(rows[0])


def select_row(view: DataTableView, model: RowsTableModel, matches: Callable[[Any], bool]) -> bool:
    """Selects the first row that ``matches``; False when there is none or the filter hides it."""
    for i, row in enumerate(model.rows()):
        if matches(row):
            proxy = view.proxy_model().mapFromSource(model.index(i, 0))
            if proxy.isValid():
                view.selectRow(proxy.row())
            return proxy.isValid()
    return False
