from PySide6.QtWidgets import QWidget

from erpconsole.ui.common.target_rows import TargetRowsMixin
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_setup import rows_table


class _Listing(TargetRowsMixin, QWidget):
    def __init__(self):
        super().__init__()
        self.model = RowsTableModel([Column("name", "Name")])
        self.table = rows_table(self.model)
        self.table.setParent(self)


def test_rows_are_found_and_selected_by_target_across_a_rebuild(qtbot):
    page = _Listing()
    qtbot.addWidget(page)
    rows = [{"name": "This workstation", "target": "local"}, {"name": "erp-db", "target": "erp-db"}]
    page.model.set_rows(rows)
    assert page.rows() == rows and page.row_for("erp-db") == rows[1] and page.row_for("gone") is None
    assert page.selected_target() is None
    page.select("erp-db")
    assert page.selected_target() == "erp-db"
    page.model.set_rows(list(reversed(rows)))  # a reset drops the selection; the page selects again
    page.select("erp-db")
    assert page.selected_target() == "erp-db" and len(page.table.selectionModel().selectedRows()) == 1
