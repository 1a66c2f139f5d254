from dataclasses import dataclass

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication

from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_view import DataTableView


@dataclass
class Proc:
    pid: int
    name: str
    user: str


ROWS = [Proc(10, "postgres", "postgres"), Proc(9, "nginx", "www-data"), Proc(100, "Odoo-bin\tw", "odoo")]


@pytest.fixture
def view(qtbot):
    model = RowsTableModel([Column("pid", "PID"), Column("name", "Process"), Column("user", "User")])
    model.set_rows(ROWS)
    table = DataTableView()
    table.set_source_model(model)
    table.resize(500, 300)
    qtbot.addWidget(table)
    table.show()
    qtbot.waitExposed(table)
    return table


def _column(view, col):
    proxy = view.proxy_model()
    return [proxy.index(r, col).data() for r in range(proxy.rowCount())]


def test_sorts_numerically_by_sort_role(view):
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert _column(view, 0) == ["9", "10", "100"]  # as text it would be 10, 100, 9
    view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert _column(view, 0) == ["100", "10", "9"]


def test_filter_is_case_insensitive_across_columns(view):
    view.set_filter_text("ODOO")
    assert _column(view, 1) == ["Odoo-bin\tw"]
    view.set_filter_text("www")  # matches the User column only
    assert _column(view, 1) == ["nginx"]
    view.set_filter_text("")
    assert view.proxy_model().rowCount() == 3


def _select(view, cells):
    sel = view.selectionModel()
    sel.clearSelection()
    for r, c in cells:
        sel.select(view.proxy_model().index(r, c), QItemSelectionModel.SelectionFlag.Select)


def test_ctrl_c_copies_selected_cells_as_tsv(view, qtbot):
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    QGuiApplication.clipboard().clear()
    _select(view, [(0, 0), (0, 1), (2, 0), (2, 1)])
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "PID\tProcess\n9\tnginx\n100\tOdoo-bin w"


def test_gaps_in_a_selection_stay_empty_cells(view):
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    _select(view, [(0, 0), (1, 1)])
    assert view.selection_as_tsv() == "PID\tProcess\n9\t\n\tpostgres"


def test_copy_follows_on_screen_column_order(view):
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.horizontalHeader().moveSection(2, 0)  # User first
    _select(view, [(0, 0), (0, 2)])
    assert view.selection_as_tsv() == "User\tPID\nwww-data\t9"


def test_context_menu_copy_row(view):
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.setColumnHidden(2, True)
    _select(view, [(1, 1)])
    menu = view.context_menu()
    texts = [a.text() for a in menu.actions()]
    assert texts == ["Copy", "Copy row", "", "Export as CSV…"]
    QGuiApplication.clipboard().clear()
    menu.actions()[1].trigger()
    assert QGuiApplication.clipboard().text() == "PID\tProcess\n10\tpostgres"
    menu.actions()[0].trigger()
    assert QGuiApplication.clipboard().text() == "Process\npostgres"


def test_context_menu_disabled_without_selection(view):
    view.selectionModel().clearSelection()
    copy, copy_row, _sep, export = view.context_menu().actions()
    assert not copy.isEnabled() and not copy_row.isEnabled()
    assert export.isEnabled()  # the rows are there to export without a selection


def test_header_state_round_trip(view, qtbot):
    view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    view.setColumnWidth(0, 123)
    view.horizontalHeader().moveSection(2, 0)
    state = view.header_state()
    assert isinstance(state, bytes) and state

    other = DataTableView()
    qtbot.addWidget(other)
    other.set_source_model(view.source_model())
    assert other.restore_header_state(state) is True
    header = other.horizontalHeader()
    assert header.sectionSize(0) == 123
    assert header.visualIndex(2) == 0
    assert header.sortIndicatorSection() == 1
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert _column(other, 1) == ["postgres", "Odoo-bin\tw", "nginx"]
    assert other.restore_header_state(b"") is False


def test_row_activated_maps_to_source_row(view, qtbot):
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # nginx (source row 1) first
    view.setCurrentIndex(view.proxy_model().index(0, 0))
    with qtbot.waitSignal(view.row_activated) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert blocker.args == [1]
    assert view.selected_source_rows() == [1]


def _narrow_model():
    model = RowsTableModel([Column("pid", "Uptime"), Column("name", "Operating system"), Column("user", "Size")])
    model.set_rows(ROWS)
    return model


def test_a_column_is_never_narrower_than_its_heading(qtbot):
    table = DataTableView()
    qtbot.addWidget(table)
    table.set_source_model(_narrow_model())
    header = table.horizontalHeader()
    metrics = header.fontMetrics()
    for section, text in enumerate(("Uptime", "Operating system", "Size")):
        # The heading, 8 px padding each side, and then some for the sort arrow.
        assert table.heading_width(section) >= metrics.horizontalAdvance(text) + 16
    assert "padding-left: 8px" in header.styleSheet() and "padding-right: 8px" in header.styleSheet()
    header.resizeSection(1, 10)  # set-up code or a drag asking for less
    assert header.sectionSize(1) == table.heading_width(1)
    header.resizeSection(1, 400)  # more is fine
    assert header.sectionSize(1) == 400


def test_a_restored_layout_saved_narrow_gets_its_headings_room(qtbot):
    saved = DataTableView()
    qtbot.addWidget(saved)
    saved.set_source_model(_narrow_model())
    saved.horizontalHeader().blockSignals(True)  # a layout saved by a build without heading room
    saved.horizontalHeader().resizeSection(0, 12)
    saved.horizontalHeader().blockSignals(False)
    state = saved.header_state()
    table = DataTableView()
    qtbot.addWidget(table)
    table.set_source_model(_narrow_model())
    assert table.restore_header_state(state)
    assert table.horizontalHeader().sectionSize(0) == table.heading_width(0)


def test_a_hidden_column_stays_hidden(qtbot):
    table = DataTableView()
    qtbot.addWidget(table)
    table.set_source_model(_narrow_model())
    table.setColumnHidden(1, True)
    table.fit_headings()
    assert table.isColumnHidden(1)


def test_a_narrow_table_settles(qtbot):
    """The stretched last column does not fight the heading room in a table too narrow for it."""
    table = DataTableView()
    qtbot.addWidget(table)
    table.set_source_model(_narrow_model())
    table.resize(60, 100)
    table.show()
    qtbot.waitExposed(table)
    header = table.horizontalHeader()
    assert all(header.sectionSize(s) >= table.heading_width(s) for s in range(3))


def test_a_date_column_keeps_room_for_a_whole_date(qtbot):
    """A column that names a sample cell (a date) is never narrower than it: an elided date
    ("2026-12-…") is cut in the middle of what it says."""
    model = RowsTableModel([Column("pid", "PID"), Column("name", "At", room="2026-12-01 10:00:00"),
                            Column("user", "User")])
    model.set_rows(ROWS)
    table = DataTableView()
    qtbot.addWidget(table)
    table.set_source_model(model)
    table.horizontalHeader().resizeSection(1, 20)
    assert table.horizontalHeader().sectionSize(1) >= table.fontMetrics().horizontalAdvance("2026-12-01 10:00:00")
    assert table.heading_width(1) > table.heading_width(0)  # "At" alone would be narrow
