from PySide6.QtCore import QPoint, Qt

from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_setup import filter_line, rows_table, select_row, selected_row
from erpconsole.widgets.table_view import DataTableView

ROWS = [{"name": "erp-db", "size": 30}, {"name": "erp-app", "size": 10}, {"name": "mail", "size": 20}]


def _model():
    model = RowsTableModel([Column("name", "Name"), Column("size", "Size")])
    model.set_rows(ROWS)
    return model


def _shown(view):
    proxy = view.proxy_model()
    return [proxy.index(r, 0).data() for r in range(proxy.rowCount())]


def test_rows_table_sets_name_whole_rows_widths_and_first_sort(qtbot):
    model = _model()
    view = rows_table(model, "sizesTable", widths={"name": 210}, sort=("size", Qt.SortOrder.DescendingOrder))
    qtbot.addWidget(view)
    assert view.objectName() == "sizesTable"
    assert view.selectionBehavior() is DataTableView.SelectionBehavior.SelectRows
    assert view.horizontalHeader().sectionSize(0) == 210
    assert _shown(view) == ["erp-db", "mail", "erp-app"]


def test_rows_table_keeps_cell_selection_when_asked(qtbot):
    view = rows_table(_model(), whole_rows=False)
    qtbot.addWidget(view)
    assert view.selectionBehavior() is DataTableView.SelectionBehavior.SelectItems


class _Menu:
    def __init__(self, opened):
        self._opened = opened

    def exec(self, pos):
        self._opened.append(pos)


def test_rows_table_menu_builds_the_menu_it_opens(qtbot):
    own, opened = [], []
    view = rows_table(_model(), menu=lambda: _Menu(opened))
    qtbot.addWidget(view)
    view.context_menu = lambda: _Menu(own)  # the copy-only menu, had it stayed connected
    view.customContextMenuRequested.emit(QPoint(3, 4))
    assert opened == [view.viewport().mapToGlobal(QPoint(3, 4))] and own == []


def test_filter_line_reports_each_change(qtbot):
    seen = []
    edit = filter_line("Filter by name", seen.append)
    qtbot.addWidget(edit)
    assert edit.placeholderText() == "Filter by name" and edit.isClearButtonEnabled()
    edit.setText("erp")
    assert seen == ["erp"]


def test_select_row_finds_the_row_again_and_selected_row_reads_it(qtbot):
    model = _model()
    view = rows_table(model, sort=("size", Qt.SortOrder.AscendingOrder))
    qtbot.addWidget(view)
    assert selected_row(view, model) is None
    assert select_row(view, model, lambda r: r["name"] == "mail")
    assert selected_row(view, model) == {"name": "mail", "size": 20}
    assert not select_row(view, model, lambda r: r["name"] == "nowhere")


def test_select_row_says_false_for_a_row_the_filter_hides(qtbot):
    model = _model()
    view = rows_table(model)
    qtbot.addWidget(view)
    view.set_filter_text("erp")
    assert not select_row(view, model, lambda r: r["name"] == "mail")
    assert selected_row(view, model) is None
    assert select_row(view, model, lambda r: r["name"] == "erp-app")
    assert selected_row(view, model)["name"] == "erp-app"


def test_selected_row_is_none_after_the_rows_shrink_under_a_selection(qtbot):
    model = _model()
    view = rows_table(model)
    qtbot.addWidget(view)
    select_row(view, model, lambda r: r["name"] == "mail")
    model.set_rows(ROWS[:1])
    assert selected_row(view, model) is None
