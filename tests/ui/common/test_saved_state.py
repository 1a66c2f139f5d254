from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel, QSplitter

from erpconsole.ui.common.saved_state import restore_header, restore_splitter
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_setup import rows_table


def _splitter(qtbot, sizes):
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.addWidget(QLabel("charts"))
    splitter.addWidget(QLabel("table"))
    splitter.resize(200, 400)
    qtbot.addWidget(splitter)
    splitter.show()
    splitter.setSizes(sizes)
    return splitter


def _table(qtbot):
    view = rows_table(RowsTableModel([Column("name", "Name"), Column("size", "Size")]))
    qtbot.addWidget(view)
    return view


def test_a_saved_layout_comes_back_and_nothing_saved_keeps_the_defaults(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    left = _splitter(qtbot, [300, 100])
    table = _table(qtbot)
    table.horizontalHeader().resizeSection(0, 170)
    settings.setValue("page/splitter", left.saveState())
    settings.setValue("page/header", table.header_state())
    again, fresh = _splitter(qtbot, [100, 300]), _table(qtbot)
    restore_splitter(settings, "page/splitter", again)
    restore_header(settings, "page/header", fresh)
    assert again.sizes() == left.sizes() and fresh.horizontalHeader().sectionSize(0) == 170
    untouched, plain = _splitter(qtbot, [100, 300]), _table(qtbot)
    width = plain.horizontalHeader().sectionSize(0)
    restore_splitter(settings, "other/splitter", untouched)
    restore_header(settings, "other/header", plain)
    assert untouched.sizes()[0] < untouched.sizes()[1] and plain.horizontalHeader().sectionSize(0) == width
