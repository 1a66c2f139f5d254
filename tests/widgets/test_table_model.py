from dataclasses import dataclass

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush

from erpconsole.widgets.table_model import Column, LevelRole, RowRole, RowsTableModel, SortRole
from erpconsole.widgets.theme import DARK


@dataclass
class Proc:
    pid: int
    name: str
    cpu: float | None


COLUMNS = [
    Column("pid", "PID", Qt.AlignmentFlag.AlignRight),
    Column("name", "Process"),
    Column("cpu", "CPU %", Qt.AlignmentFlag.AlignRight, fmt=lambda v: f"{v:.1f}"),
]


@pytest.fixture
def model(qtmodeltester):
    m = RowsTableModel(COLUMNS)
    m.set_rows([Proc(10, "postgres", 12.345), Proc(9, "nginx", None), Proc(100, "odoo-bin\tworker", 0.5)])
    qtmodeltester.check(m)
    return m


def test_shape_and_headers(model):
    assert model.rowCount() == 3 and model.columnCount() == 3
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.headerData(2, Qt.Orientation.Horizontal) == "CPU %"
    assert model.headerData(0, Qt.Orientation.Vertical) is None


def test_display_is_formatted_and_sort_role_is_raw(model):
    idx = model.index(0, 2)
    assert model.data(idx) == "12.3"
    assert model.data(idx, SortRole) == pytest.approx(12.345)
    assert model.data(idx, Qt.ItemDataRole.ToolTipRole) == "12.3"
    assert model.data(model.index(1, 2)) == ""  # None shows empty, fmt is not called
    assert model.data(model.index(0, 0), SortRole) == 10


def test_row_role_and_row(model):
    assert model.data(model.index(1, 0), RowRole) is model.row(1)
    assert model.row(1).name == "nginx"


def test_alignment(model):
    align = model.data(model.index(0, 0), Qt.ItemDataRole.TextAlignmentRole)
    assert align & Qt.AlignmentFlag.AlignRight


def test_set_rows_resets(model, qtbot):
    with qtbot.waitSignals([model.modelAboutToBeReset, model.modelReset]):
        model.set_rows([{"pid": 1, "name": "init", "cpu": 0.0}])
    assert model.rowCount() == 1
    assert model.data(model.index(0, 1)) == "init"  # dict rows work too


def test_sort_key_and_unsortable_values(qtmodeltester):
    from enum import Enum

    class Sev(Enum):
        WARNING = "warning"

    m = RowsTableModel([Column("sev", "Severity"), Column("size", "Size", sort_key=lambda v: -v)])
    m.set_rows([{"sev": Sev.WARNING, "size": 3}])
    qtmodeltester.check(m)
    assert m.data(m.index(0, 0), SortRole) == "warning"
    assert m.data(m.index(0, 1), SortRole) == -3


def test_row_level_colours(qtmodeltester):
    m = RowsTableModel(COLUMNS, row_level=lambda r: {"nginx": "critical", "cron": "stale"}.get(r.name))
    m.set_theme("dark")
    m.set_rows([Proc(1, "nginx", 1.0), Proc(2, "cron", 1.0), Proc(3, "bash", 1.0)])
    qtmodeltester.check(m)
    bg = m.data(m.index(0, 0), Qt.ItemDataRole.BackgroundRole)
    assert isinstance(bg, QBrush) and bg.color().name() == DARK.status["critical"]
    assert bg.color().alpha() < 255  # a tint, text stays readable
    fg = m.data(m.index(1, 0), Qt.ItemDataRole.ForegroundRole)
    assert fg.color().name() == DARK.muted_text
    assert m.data(m.index(2, 0), Qt.ItemDataRole.BackgroundRole) is None
    assert m.data(m.index(0, 1), LevelRole) == "critical"


def test_invalid_index_gives_nothing(model):
    assert model.data(QModelIndex()) is None
