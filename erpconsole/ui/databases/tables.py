"""The Table health tab: size, dead rows, fragmentation, vacuum and analyze times, XID age;
unused or invalid indexes and sequences near their end; Analyze, Vacuum or Optimize a table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QMenu, QSplitter, QVBoxLayout, QWidget

from erpconsole.services.models import DatabaseSnapshot, DbIndex, DbSequence, DbTable
from erpconsole.ui.databases.panels import PanelFrame, action_controls, when_text
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_setup import rows_table, select_row, selected_row
from erpconsole.widgets.units import humanise_bytes

_RIGHT = Qt.AlignmentFlag.AlignRight
TABLE_ACTIONS = ("analyze", "vacuum", "optimize")
# What each server offers; the bridge refuses the rest anyway (ValueError with a sentence).
ACTIONS_BY_KIND = {
    "postgresql": ("analyze", "vacuum"),
    "mysql": ("analyze", "optimize"),
    "mariadb": ("analyze", "optimize"),
    "sqlite": ("analyze", "vacuum"),
}
SEQUENCE_WARNING = 75.0
SEQUENCE_CRITICAL = 90.0
_TABLE_WIDTHS = {"name": 260, "size": 90, "live": 100, "dead": 100, "dead_pct": 70, "free": 90, "last_vacuum": 140,
                 "last_analyze": 140}


def _count(v: int) -> str:
    return f"{v:,}"


def _sequence_level(seq: DbSequence) -> str | None:
    pct = seq.used_percent
    return "critical" if pct >= SEQUENCE_CRITICAL else "warning" if pct >= SEQUENCE_WARNING else None


class TablesPanel(QWidget):
    """``action_requested(action, table)`` asks the page to confirm and run an action."""

    action_requested = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._snap_parts: tuple = ()
        self._kind = ""
        self._kind_set = False
        self._build_table()
        self._build_side_tables()
        self._build_actions()
        self._build_layout()
        self.set_kind("")

    # -- building ------------------------------------------------------------------------

    def _build_table(self) -> None:
        self.model = RowsTableModel([
            Column("name", self.tr("Table")),
            Column("size", self.tr("Size"), _RIGHT, humanise_bytes),
            Column("live", self.tr("Live rows"), _RIGHT, _count),
            Column("dead", self.tr("Dead rows"), _RIGHT, _count),
            Column("dead_pct", self.tr("Dead %"), _RIGHT, lambda v: f"{v:.1f}"),
            Column("free", self.tr("Free bytes"), _RIGHT, humanise_bytes),
            Column("last_vacuum", self.tr("Last vacuum"), fmt=when_text),
            Column("last_analyze", self.tr("Last analyze"), fmt=when_text),
            Column("xid_age", self.tr("XID age"), _RIGHT, _count),
        ])
        self.table = rows_table(self.model, "tablesTable", widths=_TABLE_WIDTHS,
                                sort=("size", Qt.SortOrder.DescendingOrder), menu=self.context_menu)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())

    def _build_side_tables(self) -> None:
        self.index_model = RowsTableModel([
            Column("table", self.tr("Table")),
            Column("name", self.tr("Index")),
            Column("size_bytes", self.tr("Size"), _RIGHT, humanise_bytes),
            Column("scans", self.tr("Scans"), _RIGHT, _count),
            Column("valid", self.tr("Valid"), fmt=lambda v: self.tr("yes") if v else self.tr("INVALID")),
            Column("unique", self.tr("Unique"), fmt=lambda v: self.tr("yes") if v else self.tr("no")),
        ], row_level=lambda r: None if r["valid"] else "critical")
        self.indexes = rows_table(self.index_model, "indexesTable", widths={"table": 220, "name": 220})
        self.sequence_model = RowsTableModel([
            Column("name", self.tr("Sequence")),
            Column("last_value", self.tr("Last value"), _RIGHT, _count),
            Column("max_value", self.tr("Maximum"), _RIGHT, _count),
            Column("used", self.tr("Used %"), _RIGHT, lambda v: f"{v:.1f}"),
        ], row_level=lambda r: _sequence_level(r["sequence"]))
        self.sequences = rows_table(self.sequence_model, "sequencesTable", widths={"name": 260},
                                    sort=("used", Qt.SortOrder.DescendingOrder))

    def _build_actions(self) -> None:
        self.actions, self.buttons = action_controls(self, TABLE_ACTIONS, self.request)
        self.hint = QLabel(self.tr("Select a table to analyze or clean it up."))

    def _build_layout(self) -> None:
        self.frame = PanelFrame(self.table, self.tr("No tables."))
        self.index_frame = PanelFrame(self.indexes, self.tr("No unused or invalid indexes."))
        self.sequence_frame = PanelFrame(self.sequences, self.tr("No sequence is near its end."))
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.frame)
        split.addWidget(self._group(self.tr("Unused and invalid indexes"), self.index_frame))
        split.addWidget(self._group(self.tr("Sequences near their end"), self.sequence_frame))
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 1)
        self.splitter = split
        top = QHBoxLayout()
        top.addWidget(self.hint, 1)
        for button in self.buttons.values():
            top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)

    @staticmethod
    def _group(title: str, content: QWidget) -> QGroupBox:
        box = QGroupBox(title)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(4, 4, 4, 4)
        inner.addWidget(content)
        return box

    # -- data ----------------------------------------------------------------------------

    def set_kind(self, kind: str) -> None:
        if kind == self._kind and self._kind_set:
            return
        self._kind, self._kind_set = kind, True
        offered = ACTIONS_BY_KIND.get(kind, ())
        # Each server measures waste its own way: dead rows and XID age, or free bytes.
        mysql = kind in ("mysql", "mariadb")
        for key in ("dead", "dead_pct", "xid_age"):
            self.table.setColumnHidden(self.model.column_index(key), mysql)
        self.table.setColumnHidden(self.model.column_index("free"), kind == "postgresql")
        for name in TABLE_ACTIONS:
            self.buttons[name].setVisible(name in offered)
            self.actions[name].setVisible(name in offered)
        self._update_actions()

    def set_snapshot(self, snap: DatabaseSnapshot) -> None:
        parts = (snap.tables, snap.indexes, snap.sequences, snap.note("tables"), snap.note("indexes"),
                 snap.note("sequences"))
        if parts == self._snap_parts:
            return
        self._snap_parts = parts
        selected = self.selected_table()
        self.model.set_rows([self._row(t) for t in snap.tables])
        if selected is not None:
            self.select_table(selected.schema, selected.name)
        self.index_model.set_rows([self._index_row(i) for i in snap.indexes])
        self.sequence_model.set_rows([{"name": f"{s.schema}.{s.name}", "last_value": s.last_value,
                                       "max_value": s.max_value, "used": s.used_percent, "sequence": s}
                                      for s in snap.sequences])
        self.frame.set_state(snap.note("tables"), bool(snap.tables))
        self.index_frame.set_state(snap.note("indexes"), bool(snap.indexes))
        self.sequence_frame.set_state(snap.note("sequences"), bool(snap.sequences))
        self._update_actions()

    @staticmethod
    def _row(t: DbTable) -> dict[str, Any]:
        return {
            "name": f"{t.schema}.{t.name}" if t.schema else t.name, "size": t.size_bytes,
            "live": t.live_rows, "dead": t.dead_rows, "dead_pct": t.dead_percent, "free": t.free_bytes,
            "last_vacuum": t.last_vacuum_ts or 0.0, "last_analyze": t.last_analyze_ts or 0.0,
            "xid_age": t.xid_age, "table": t,
        }

    @staticmethod
    def _index_row(i: DbIndex) -> dict[str, Any]:
        return {"table": f"{i.schema}.{i.table}" if i.schema else i.table, "name": i.name,
                "size_bytes": i.size_bytes, "scans": i.scans, "valid": i.valid, "unique": i.unique, "index": i}

    def rows(self) -> list[dict[str, Any]]:
        return self.model.rows()

    # -- selection and actions --------------------------------------------------------------

    def selected_table(self) -> DbTable | None:
        row = selected_row(self.table, self.model)
        return row["table"] if row is not None else None

    def select_table(self, schema: str, name: str) -> bool:
        return select_row(self.table, self.model, lambda r: (r["table"].schema, r["table"].name) == (schema, name))

    def _update_actions(self) -> None:
        chosen = self.selected_table() is not None
        for name in TABLE_ACTIONS:
            self.buttons[name].setEnabled(chosen)
            self.actions[name].setEnabled(chosen)

    def offered_actions(self) -> list[str]:
        return [n for n in TABLE_ACTIONS if not self.buttons[n].isHidden()]

    def request(self, action: str) -> None:
        t = self.selected_table()
        if t is not None and action in self.offered_actions():
            self.action_requested.emit(action, t)

    def context_menu(self) -> QMenu:
        menu = self.table.context_menu()
        menu.addSeparator()
        for name in self.offered_actions():
            menu.addAction(self.actions[name])
        return menu
