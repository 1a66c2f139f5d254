"""The incidents of the Alerts page: each with its state, when it was opened, its alerts, time
to acknowledge and to repair; for the selected one its timeline (the alerts, acknowledgements,
notes, audit rows, event-log lines and SOP runs the store holds), and Close incident… which
asks what caused it, what fixed it and what follows up."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QSplitter, QVBoxLayout, QWidget

from erpconsole.ui.alerts.bridge import AlertsApi
from erpconsole.ui.alerts.incident_dialogs import CloseIncidentDialog
from erpconsole.ui.common.labels import format_duration
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_setup import rows_table


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else ""


def _clock(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else ""


def _secs(value: float | None) -> str:
    return "-" if value is None else format_duration(value)


class IncidentsView(QWidget):
    def __init__(self, bridge: AlertsApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._shown: int | None = None  # the incident whose timeline is shown
        self.model = RowsTableModel([
            Column("id", self.tr("#")),
            Column("title", self.tr("Title")),
            Column("state", self.tr("State")),
            Column("opened_at", self.tr("Opened"), fmt=_when, room=_when(1.0)),
            Column("alerts", self.tr("Alerts")),
            Column("tta_s", self.tr("Time to acknowledge"), fmt=_secs),
            Column("ttr_s", self.tr("Time to repair"), fmt=_secs),
        ])
        self.table = rows_table(self.model, "incidentsTable", widths={"title": 300})
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the store's order: open first
        self.table.selectionModel().selectionChanged.connect(self._on_selected)
        self.timeline = RowsTableModel([
            Column("ts", self.tr("Time"), fmt=_clock, room=_clock(1.0)),
            Column("source", self.tr("Kind"), fmt=self._kind),
            Column("target", self.tr("Target")),
            Column("who", self.tr("Who")),
            Column("text", self.tr("What happened")),
        ])
        self.timeline_table = rows_table(self.timeline, "incidentTimeline", widths={"text": 560})
        self.timeline_table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # as it happened, oldest first
        self.close_button = QPushButton(self.tr("&Close incident…"))
        self.close_button.setToolTip(self.tr("Close the selected incident with its cause, fix and follow-ups"))
        self.close_button.clicked.connect(self.close_selected)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.timeline_table)
        split.setSizes([260, 420])
        buttons = QHBoxLayout()
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        bridge.incidents_loaded.connect(self._on_loaded)
        bridge.timeline_loaded.connect(self._on_timeline)
        self._update_buttons()

    def _kind(self, source: str) -> str:
        return {"alert": self.tr("alert"), "note": self.tr("note"), "audit": self.tr("audit"),
                "event": self.tr("event"), "sop": self.tr("SOP run"), "incident": self.tr("incident")}.get(
            source, source)

    def reload(self) -> None:
        self._bridge.request_incidents()

    def selected(self) -> dict | None:
        picked = self.table.selectionModel().selectedRows()
        return self.model.row(self.table.source_row(picked[0].row())) if len(picked) == 1 else None

    def _on_loaded(self, rows) -> None:
        chosen = self.selected()
        shown = [{"id": r.id, "title": r.title, "state": r.state, "opened_at": r.opened_at,
                  "alerts": len(r.alert_ids), "tta_s": t.tta_s if t else None, "ttr_s": t.ttr_s if t else None,
                  "closed_at": r.closed_at} for r, t in rows]
        self.model.set_rows(shown)
        wanted = chosen["id"] if chosen else (shown[0]["id"] if shown else None)
        for view_row in range(self.table.model().rowCount()):
            if self.model.row(self.table.source_row(view_row))["id"] == wanted:
                self.table.selectRow(view_row)
        self._shown = None
        self._on_selected()

    def _on_selected(self, *_args) -> None:
        row = self.selected()
        if row is None:
            self._shown = None
            self.timeline.set_rows([])
        elif row["id"] != self._shown:
            self._shown = row["id"]
            self._bridge.request_timeline(row["id"])
        self._update_buttons()

    def _on_timeline(self, number: int, entries) -> None:
        if number != self._shown:
            return  # the selection moved on
        rows = [e.as_json() for e in entries]
        if rows != self.timeline.rows():  # the 5 s reload leaves a line being read where it is
            self.timeline.set_rows(rows)

    def _update_buttons(self) -> None:
        row = self.selected()
        self.close_button.setEnabled(row is not None and row["state"] == "open")

    def close_selected(self) -> None:
        row = self.selected()
        if row is None or row["state"] != "open":
            return
        dialog = CloseIncidentDialog(row["id"], row["title"], self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._bridge.close_incident(row["id"], *dialog.values())
