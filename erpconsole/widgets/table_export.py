"""What every table offers, as pgAdmin users expect: the selection copied as tab-separated text
with its headings (pasted into a spreadsheet or a ticket, the columns stay named), and the rows
as shown (filtered, in the shown sort and column order) exported as CSV for Excel: UTF-8 with a
byte-order mark, and a cell that Excel would run as a formula (= + - @) kept as text."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QTableView, QWidget

from erpconsole.guards.csv_cells import guard_cell

_CELL_BREAKS = re.compile(r"[\t\r\n]+")

Grid = tuple[list[str], list[list[str]]]  # headings, rows of cells


def _tr(text: str) -> str:
    return QCoreApplication.translate("TableExport", text)


def clean_cell(text: object) -> str:
    """A tab or newline inside a cell would break the TSV grid when pasted."""
    return _CELL_BREAKS.sub(" ", "" if text is None else str(text))


def guard_formula(cell: str) -> str:
    """A cell Excel would evaluate (=, +, -, @, tab or CR first) gets a leading apostrophe, so
    it opens as the text it was (the one implementation, shared with the services' CSVs)."""
    return str(guard_cell(cell))


def visible_columns(view: QTableView) -> list[int]:
    """The columns a person sees, in the order they see them (moved or hidden sections too)."""
    header = view.horizontalHeader()
    model = view.model()
    columns = [c for c in range(model.columnCount()) if not header.isSectionHidden(c)]
    return sorted(columns, key=header.visualIndex)


def headings(view: QTableView, columns: Iterable[int]) -> list[str]:
    model = view.model()
    return [clean_cell(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole))
            for c in columns]


def grid(view: QTableView, rows: Sequence[int] | None = None) -> Grid:
    """Headings and the shown text of ``rows`` (view rows, default every shown row)."""
    model = view.model()
    cols = visible_columns(view)
    rows = range(model.rowCount()) if rows is None else rows
    return headings(view, cols), [[clean_cell(model.index(r, c).data()) for c in cols] for r in rows]


def selection_grid(view: QTableView) -> Grid:
    """The selected cells in on-screen row and column order; a gap stays an empty cell."""
    indexes = view.selectionModel().selectedIndexes()
    if not indexes:
        return [], []
    header = view.horizontalHeader()
    cells = {(i.row(), i.column()): i.data() for i in indexes}
    rows = sorted({r for r, _c in cells})
    cols = sorted({c for _r, c in cells}, key=header.visualIndex)
    return headings(view, cols), [[clean_cell(cells.get((r, c), "")) for c in cols] for r in rows]


def selected_rows_grid(view: QTableView) -> Grid:
    return grid(view, sorted({i.row() for i in view.selectionModel().selectedIndexes()}))


def as_tsv(table: Grid) -> str:
    head, rows = table
    if not rows:
        return ""
    return "\n".join("\t".join(line) for line in [head, *rows])


def write_csv(path: str | Path, table: Grid) -> int:
    """Writes headings and rows; returns the rows written. utf-8-sig: Excel reads the BOM as
    UTF-8 (without it, it guesses the ANSI code page and mangles names such as Müller)."""
    head, rows = table
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow([guard_formula(h) for h in head])
        out.writerows([guard_formula(c) for c in row] for row in rows)
    return len(rows)


def ask_save_path(parent: QWidget, title: str, name: str, filters: str) -> str:
    """The file dialog (one place, so a test can answer it)."""
    path, _chosen = QFileDialog.getSaveFileName(parent, title, name, filters)
    return path


def suggested_name(name: str, suffix: str) -> str:
    """A file name from a table's object name or a chart's title: word characters only."""
    base = re.sub(r"[^\w.-]+", "-", name).strip("-") or "table"
    return f"{base}.{suffix}"


def export_csv(view: QTableView) -> str:
    """Asks where, then writes the shown rows; returns the path ("" when the user cancelled).
    A file that cannot be written is said in a box: the user asked for it."""
    path = ask_save_path(view, _tr("Export as CSV"), suggested_name(view.objectName(), "csv"), _tr("CSV files (*.csv)"))
    if not path:
        return ""
    try:
        write_csv(path, grid(view))
    except OSError as exc:
        QMessageBox.warning(view, _tr("Export as CSV"), _tr("Could not write {path}: {error}").format(
            path=path, error=exc.strerror or exc))
        return ""
    return path


def add_export_action(view: QTableView, menu: QMenu) -> QAction:
    """"Export as CSV…" at the end of a table's menu; off while the table shows no row."""
    menu.addSeparator()
    action = QAction(_tr("Export as CSV…"), menu)
    action.setEnabled(view.model().rowCount() > 0)
    action.triggered.connect(lambda: export_csv(view))
    menu.addAction(action)
    return action


def _copy(text: str) -> None:
    if text:
        QGuiApplication.clipboard().setText(text)


def table_menu(view: QTableView) -> QMenu:
    """Copy, Copy row and Export as CSV… for a table that is not a DataTableView."""
    menu = QMenu(view)
    has_selection = view.selectionModel().hasSelection()
    for text, take in ((_tr("Copy"), selection_grid), (_tr("Copy row"), selected_rows_grid)):
        action = QAction(text, menu)
        action.setEnabled(has_selection)
        action.triggered.connect(lambda _on=False, take=take: _copy(as_tsv(take(view))))
        menu.addAction(action)
    menu.actions()[0].setShortcut(QKeySequence.StandardKey.Copy)
    add_export_action(view, menu)
    return menu


class _CopyKey(QObject):
    """Ctrl+C on the table copies the selection under its headings (Qt's own copies one cell)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.KeyPress and event.matches(QKeySequence.StandardKey.Copy):
            _copy(as_tsv(selection_grid(watched)))
            return True
        return False


def install_table_export(view: QTableView) -> None:
    """Gives a plain QTableView or QTableWidget what DataTableView has built in."""
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    view.customContextMenuRequested.connect(
        lambda pos: table_menu(view).exec(view.viewport().mapToGlobal(pos)))
    view.installEventFilter(_CopyKey(view))
