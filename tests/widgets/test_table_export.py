"""Tables export what they show: a CSV read back (strict, counted) in the shown sort order and
columns, with a BOM for Excel and formulas kept as text; Ctrl+C copies with the headings."""

from __future__ import annotations

import csv
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication

from erpconsole.widgets import table_export
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_view import DataTableView


@dataclass
class Account:
    name: str
    note: str
    balance: float


ROWS = [Account("Müller", "=HYPERLINK(\"http://x\")", 12.5), Account("anna", "+1 call", -3.0),
        Account("bob", "@SUM(A1)", 7.0), Account("carl", "-2+cmd|' /C calc'!A0", 0.0),
        Account("dora", "line one\nline two", 1.0)]


@pytest.fixture
def view(qtbot):
    model = RowsTableModel([Column("name", "Account"), Column("note", "Note"),
                            Column("balance", "Balance", fmt=lambda v: f"{v:g}")])
    model.set_rows(ROWS)
    table = DataTableView()
    table.setObjectName("accounts")
    table.set_source_model(model)
    table.resize(600, 300)
    qtbot.addWidget(table)
    table.show()
    qtbot.waitExposed(table)
    return table


def _read(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel opens it as UTF-8
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, strict=True))
    return rows


def test_export_writes_the_shown_rows_in_the_shown_order(view, tmp_path, monkeypatch):
    view.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # by balance, numerically
    view.horizontalHeader().moveSection(2, 0)  # Balance first
    out = tmp_path / "accounts.csv"
    asked = []
    monkeypatch.setattr(table_export, "ask_save_path", lambda *a: asked.append(a) or str(out))
    menu = view.context_menu()
    export = next(a for a in menu.actions() if a.text() == "Export as CSV…")
    export.trigger()
    assert asked[0][2] == "accounts.csv"  # the suggested name is the table's
    rows = _read(out)
    assert len(rows) == 1 + len(ROWS)
    assert rows[0] == ["Balance", "Account", "Note"]
    assert [r[1] for r in rows[1:]] == ["Müller", "bob", "dora", "carl", "anna"]
    notes = {r[1]: r[2] for r in rows[1:]}
    assert notes["Müller"] == "'=HYPERLINK(\"http://x\")"
    assert notes["anna"] == "'+1 call" and notes["bob"] == "'@SUM(A1)"
    assert notes["carl"].startswith("'-2+cmd")
    assert notes["dora"] == "line one line two"
    assert {r[1]: r[0] for r in rows[1:]}["anna"] == "-3"  # a negative number stays a number


def test_export_follows_the_filter_and_hidden_columns(view, tmp_path, monkeypatch):
    view.set_filter_text("an")  # anna (and Müller's note has none of it)
    view.setColumnHidden(1, True)
    out = tmp_path / "some.csv"
    monkeypatch.setattr(table_export, "ask_save_path", lambda *a: str(out))
    assert table_export.export_csv(view) == str(out)
    assert _read(out) == [["Account", "Balance"], ["anna", "-3"]]


def test_a_cancelled_dialog_writes_nothing(view, tmp_path, monkeypatch):
    monkeypatch.setattr(table_export, "ask_save_path", lambda *a: "")
    assert table_export.export_csv(view) == ""
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_copies_the_selection_under_its_headings(view, qtbot):
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    sel = view.selectionModel()
    sel.clearSelection()
    for r in (0, 1):
        for c in (0, 2):
            sel.select(view.proxy_model().index(r, c), QItemSelectionModel.SelectionFlag.Select)
    QGuiApplication.clipboard().clear()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "Account\tBalance\nanna\t-3\nbob\t7"


@pytest.mark.parametrize(("cell", "kept"), [
    ("=1+1", "'=1+1"), ("+49 30 1234", "'+49 30 1234"), ("-", "'-"), ("@me", "'@me"),
    ("-3.5", "-3.5"), ("+12", "+12"), ("-12%", "-12%"), ("plain", "plain"), ("", ""),
])
def test_formula_guard(cell, kept):
    assert table_export.guard_formula(cell) == kept


def test_a_plain_table_widget_gets_the_same_copy_and_export(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

    table = QTableWidget(2, 2)
    table.setObjectName("sopHistory")
    table.setHorizontalHeaderLabels(["Run", "Outcome"])
    for r, (run, outcome) in enumerate([("#2", "=open"), ("#1", "passed")]):
        table.setItem(r, 0, QTableWidgetItem(run))
        table.setItem(r, 1, QTableWidgetItem(outcome))
    table_export.install_table_export(table)
    qtbot.addWidget(table)
    table.show()
    qtbot.waitExposed(table)
    table.selectRow(1)
    QGuiApplication.clipboard().clear()
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "Run\tOutcome\n#1\tpassed"
    menu = table_export.table_menu(table)
    assert [a.text() for a in menu.actions()] == ["Copy", "Copy row", "", "Export as CSV…"]
    out = tmp_path / "h.csv"
    monkeypatch.setattr(table_export, "ask_save_path", lambda *a: str(out))
    menu.actions()[3].trigger()
    assert _read(out) == [["Run", "Outcome"], ["#2", "'=open"], ["#1", "passed"]]
