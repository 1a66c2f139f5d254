"""The Top statements and Replication tabs of the Database detail page."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from erpconsole.services.models import DatabaseSnapshot, DbReplica, DbStatement
from erpconsole.ui.common.labels import lag_text
from erpconsole.ui.databases.panels import PanelFrame, QueryPane, beside_query_pane, one_line
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_setup import rows_table
from erpconsole.widgets.units import humanise_bytes

_RIGHT = Qt.AlignmentFlag.AlignRight
_FIGURE_WIDTHS = dict.fromkeys(("calls", "total_ms", "mean_ms", "rows"), 100)


def _ms(v: float) -> str:
    return f"{v:,.1f}"


class StatementsPanel(QWidget):
    """Normalised statements by total time: where the server's time goes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._statements: tuple[DbStatement, ...] = ()
        self._note = ""
        # The figures first, the query last: it takes the width that is left.
        self.model = RowsTableModel([
            Column("total_ms", self.tr("Total ms"), _RIGHT, _ms),
            Column("calls", self.tr("Calls"), _RIGHT, lambda v: f"{v:,}"),
            Column("mean_ms", self.tr("Mean ms"), _RIGHT, _ms),
            Column("rows", self.tr("Rows"), _RIGHT, lambda v: f"{v:,}"),
            Column("query", self.tr("Query")),
        ])
        self.table = rows_table(self.model, "statementsTable", widths=_FIGURE_WIDTHS,
                                sort=("total_ms", Qt.SortOrder.DescendingOrder))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._on_selection())
        self.query_pane = QueryPane(self.tr("Selected statement"))
        split = beside_query_pane(self.table, self.query_pane, (900, 300))
        self.splitter = split
        self.frame = PanelFrame(split, self.tr("No statements recorded yet."))
        layout = QVBoxLayout(self)
        layout.addWidget(self.frame)

    def set_statements(self, statements: tuple[DbStatement, ...], note: str = "") -> None:
        if statements == self._statements and note == self._note:
            return
        self._statements, self._note = statements, note
        rows = [{"query": one_line(s.query), "calls": s.calls, "total_ms": s.total_ms, "mean_ms": s.mean_ms,
                 "rows": s.rows, "statement": s} for s in statements]
        selected = self.selected_statement()
        self.model.set_rows(rows)
        if selected is not None:
            for i, r in enumerate(rows):
                if (r["statement"].ident or r["statement"].query) == (selected.ident or selected.query):
                    self.table.selectRow(self.table.proxy_model().mapFromSource(self.model.index(i, 0)).row())
                    break
        self.frame.set_state(note, bool(rows))
        self._on_selection()

    def selected_statement(self) -> DbStatement | None:
        rows = self.table.selected_source_rows()
        if not rows or rows[0] >= self.model.rowCount():
            return None
        return self.model.row(rows[0])["statement"]

    def _on_selection(self) -> None:
        s = self.selected_statement()
        self.query_pane.set_query(s.query if s else "")

    def rows(self) -> list[dict[str, Any]]:
        return self.model.rows()


def _role(role: str) -> str:
    from PySide6.QtCore import QCoreApplication

    return {
        "replica": QCoreApplication.translate("db_tabs", "replica"),
        "slot": QCoreApplication.translate("db_tabs", "replication slot"),
        "upstream": QCoreApplication.translate("db_tabs", "upstream (this server follows it)"),
    }.get(role, role)


class ReplicationPanel(QWidget):
    """Replicas and slots on a primary; the upstream on a replica."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._replicas: tuple[DbReplica, ...] = ()
        self.model = RowsTableModel([
            Column("name", self.tr("Name")),
            Column("role", self.tr("Role"), fmt=_role),
            Column("client", self.tr("Client")),
            Column("state", self.tr("State")),
            Column("active", self.tr("Active"), fmt=lambda v: self.tr("yes") if v else self.tr("no")),
            Column("lag_bytes", self.tr("Lag"), _RIGHT, humanise_bytes),
            Column("lag_s", self.tr("Lag time"), _RIGHT, lag_text),
            Column("retained_bytes", self.tr("WAL retained"), _RIGHT, humanise_bytes),
        ], row_level=lambda r: "critical" if r.active is False else None)
        self.table = rows_table(self.model, "replicationTable")
        self.role_label = QLabel()
        self.role_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.frame = PanelFrame(self.table, self.tr("No replicas, replication slots or upstream server."))
        layout = QVBoxLayout(self)
        layout.addWidget(self.role_label)
        layout.addWidget(self.frame, 1)

    def set_snapshot(self, snap: DatabaseSnapshot) -> None:
        note = snap.note("replication")
        self.role_label.setText(self.tr("This server is a replica.") if snap.is_replica
                                else self.tr("This server is a primary (or stands alone)."))
        if snap.replicas != self._replicas:
            self._replicas = snap.replicas
            self.model.set_rows(list(snap.replicas))
        self.frame.set_state(note, bool(snap.replicas))

    def rows(self) -> list[DbReplica]:
        return self.model.rows()
