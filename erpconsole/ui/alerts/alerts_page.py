"""The alerts the store holds, active first: acknowledge with a comment (A), take it back,
silence a target or a tag, add a note, open the target; the resolved ones on demand."""

from __future__ import annotations

import time

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from erpconsole.ui.alerts.bridge import AlertsApi
from erpconsole.ui.alerts.dialogs import CommentDialog, SilenceDialog
from erpconsole.ui.alerts.incident_dialogs import OpenIncidentDialog
from erpconsole.ui.alerts.incidents_view import IncidentsView
from erpconsole.ui.common.labels import display_name
from erpconsole.ui.common.message_bar import MessageBar
from erpconsole.ui.common.words import counted
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_setup import filter_line, rows_table
from erpconsole.widgets.theme import GLYPHS

RELOAD_MS = 5000  # the badge and the table follow the store this often
_STATE_ORDER = {"firing": 0, "pending": 1, "acknowledged": 2, "silenced": 3, "resolved": 4}
_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else ""


def _row_level(row) -> str | None:
    """A firing alert in its severity's colour; one a person has in hand (acknowledged,
    silenced) in the calm one of what waits; a resolved one plain."""
    if row.state == "resolved":
        return None
    return "pending" if row.state in ("acknowledged", "silenced") else row.severity


def _severity(word: str) -> str:
    """"■ critical", "▲ warning": the shape of the other pages beside the colour."""
    return f"{GLYPHS[word]} {word}" if word in GLYPHS else word


def firing_unacknowledged(rows) -> int:
    return sum(1 for r in rows if r.state == "firing")


class AlertsPage(QWidget):
    target_requested = Signal(str, str)  # kind ("host" | "database"), target
    count_changed = Signal(int)  # firing and not acknowledged
    new_critical = Signal(str, str)  # target, summary: a critical alert not seen before
    on_call_changed = Signal(str)  # who is on call now ("" with no rota in the inventory)

    def __init__(self, bridge: AlertsApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._seen: set[str] | None = None  # alert ids seen; None before the first load
        self._sized = False  # columns fitted to their contents once, on the first rows
        self._detail_row = None  # the alert the detail shows, as last read
        self._theme = "dark"
        self.model = RowsTableModel(
            [
                Column("state", self.tr("State"), sort_key=lambda s: _STATE_ORDER.get(s, 9)),
                Column("severity", self.tr("Severity"), fmt=_severity,
                       sort_key=lambda s: _SEVERITY_ORDER.get(s, 9)),
                Column("rule", self.tr("Rule")),
                Column("target", self.tr("Target"), fmt=display_name),
                Column("summary", self.tr("Summary")),
                Column("started_at", self.tr("Since"), fmt=_when, room=_when(1.0)),
                Column("acked_by", self.tr("Acknowledged by")),
                Column("acked_at", self.tr("Acknowledged at"), fmt=_when, room=_when(1.0)),
                Column("comment", self.tr("Comment")),
            ],
            row_level=_row_level,
        )
        self.table = rows_table(self.model, "alertsTable", widths={"summary": 330})
        # The store's order (active first, newest first) until a heading is clicked: sorting
        # 10,000 resolved alerts by a column costs more than the read itself.
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.horizontalHeader().setResizeContentsPrecision(200)  # fitted on a sample of rows
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("alertDetail")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText(self.tr("Select an alert to see its value, what to do first and "
                                               "who has it in hand."))
        self.filter = filter_line(self.tr("Filter by any text (target, rule, state, summary)…"),
                                  self.table.set_filter_text)
        self.history = QCheckBox(self.tr("Show &resolved alerts (history)"))
        self.history.toggled.connect(self.reload)
        self.message = MessageBar("alertsMessage")
        self.duty = MessageBar("alertsDuty")  # who is on call, what could not be delivered

        self.ack_button = QPushButton(self.tr("&Acknowledge…"))
        self.ack_button.setToolTip(self.tr("Acknowledge the selected alerts with a comment (key A)"))
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.unack_button = QPushButton(self.tr("&Unacknowledge"))
        self.unack_button.clicked.connect(self.unacknowledge_selected)
        self.silence_button = QPushButton(self.tr("&Silence…"))
        self.silence_button.clicked.connect(self.silence_selected)
        self.note_button = QPushButton(self.tr("Add &note…"))
        self.note_button.clicked.connect(self.note_selected)
        self.open_button = QPushButton(self.tr("&Open target"))
        self.open_button.clicked.connect(self.open_selected)
        self.incident_button = QPushButton(self.tr("Open &incident…"))
        self.incident_button.setToolTip(self.tr("Open an incident from the selected alerts"))
        self.incident_button.clicked.connect(self.open_incident)
        shortcut = QShortcut(QKeySequence(Qt.Key.Key_A), self.table)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(self.acknowledge_selected)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())

        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.history)
        buttons = QHBoxLayout()
        for b in (self.ack_button, self.unack_button, self.silence_button, self.note_button, self.open_button,
                  self.incident_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.duty)
        layout.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setSizes([600, 160])
        alerts_tab = QWidget()
        inner = QVBoxLayout(alerts_tab)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addLayout(top)  # the filter and the history are the alerts' own
        inner.addWidget(split, 1)
        inner.addLayout(buttons)
        self.incidents = IncidentsView(self._bridge)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("alertsTabs")
        self.tabs.addTab(alerts_tab, self.tr("A&lerts"))
        self.tabs.addTab(self.incidents, self.tr("Inci&dents"))
        self.tabs.currentChanged.connect(lambda _i: self.reload())
        layout.addWidget(self.tabs, 1)

        bridge.alerts_loaded.connect(self._on_loaded)
        bridge.acted.connect(self._on_acted)
        bridge.duty_loaded.connect(self._on_duty)
        bridge.notes_loaded.connect(self._on_notes)
        self._timer = QTimer(self)
        self._timer.setInterval(RELOAD_MS)
        self._timer.timeout.connect(self.reload)
        self._timer.start()
        self._update_buttons()
        self.reload()

    # -- reading --------------------------------------------------------------------------------

    def reload(self) -> None:
        self._bridge.request_alerts(self.history.isChecked())
        if self.tabs.currentWidget() is self.incidents:
            self.incidents.reload()

    def _on_loaded(self, rows, include_resolved: bool) -> None:
        if include_resolved != self.history.isChecked():
            return  # an answer to the other view: the next one is on its way
        chosen = {r.id for r in self.selected()}
        first_fill = self.model.rowCount() == 0
        self.model.set_rows(list(rows))
        if not self._sized and rows:
            self._sized = True
            for key in ("state", "severity", "rule", "target"):
                self.table.resizeColumnToContents(self.model.column_index(key))
        self._reselect(chosen)
        # The top alert's value and runbook below, at a glance; never on top of a person's choice,
        # which an acknowledgement (A) then acts on.
        if first_fill and rows and not chosen:  # replace, whatever keys are held (selectRow would extend)
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.table.selectionModel().select(self.table.model().index(0, 0), flags)
        self.count_changed.emit(firing_unacknowledged(rows))
        fresh = [r for r in rows if r.state == "firing" and r.severity == "critical"
                 and self._seen is not None and r.id not in self._seen]
        self._seen = (self._seen or set()) | {r.id for r in rows}
        for row in fresh:
            self.new_critical.emit(row.target, row.summary)
        self._update_buttons()

    def _reselect(self, ids: set[str]) -> None:
        if not ids:
            return
        selection = self.table.selectionModel()
        for view_row in range(self.table.model().rowCount()):
            if self.model.row(self.table.source_row(view_row)).id in ids:
                selection.select(self.table.model().index(view_row, 0),
                                 selection.SelectionFlag.Select | selection.SelectionFlag.Rows)

    def show_view(self, name: str) -> bool:
        """"incidents" or "alerts": the tab shown (False: no such view)."""
        tab = {"alerts": 0, "incidents": 1}.get(name)
        if tab is not None:
            self.tabs.setCurrentIndex(tab)
        return tab is not None

    def refresh(self, force: bool = False) -> None:
        """The window's 10 Hz repaint: nothing to draw, the table follows the store's reads."""

    def rows(self) -> list:
        return self.model.rows()

    def selected(self) -> list:
        picked = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return [self.model.row(self.table.source_row(i.row())) for i in picked]

    def _update_buttons(self, *_args) -> None:
        chosen = self.selected()
        shown = chosen[0] if len(chosen) == 1 else None
        if shown != self._detail_row:  # another alert, or the same one changed (acknowledged, ...)
            self._detail_row = shown
            self.detail.setPlainText(self._describe(shown) if shown else "")
            if shown:
                self._bridge.request_notes(shown.id)
        active = [r for r in chosen if r.state != "resolved"]
        self.ack_button.setEnabled(bool(active))
        self.unack_button.setEnabled(any(r.acked_by for r in chosen))
        self.note_button.setEnabled(len(chosen) == 1)
        self.open_button.setEnabled(len(chosen) == 1)
        self.incident_button.setEnabled(bool(chosen))

    def _describe(self, row) -> str:
        lines = [row.summary, self.tr("Rule {0}, {1}, since {2}").format(row.rule, row.severity, _when(row.started_at))]
        if row.value:
            lines.append(self.tr("Value: {0}").format(row.value))
        if row.runbook:
            lines.append(self.tr("What to do first: {0}").format(row.runbook))
        if row.acked_by:
            lines.append(self.tr("Acknowledged by {0} at {1}: {2}").format(row.acked_by, _when(row.acked_at),
                                                                          row.comment or ""))
        if row.resolved_at:
            lines.append(self.tr("Resolved at {0}").format(_when(row.resolved_at)))
        return "\n".join(lines)

    # -- acting ---------------------------------------------------------------------------------

    def acknowledge_selected(self) -> None:
        chosen = [r for r in self.selected() if r.state != "resolved"]
        if not chosen:
            self.message.say(self.tr("Select the alerts to acknowledge first."), "warning", self._theme)
            return
        dialog = CommentDialog(
            self.tr("Acknowledge alerts"),
            counted(self, "%n alert is acknowledged: its escalation stops; it still resolves by itself.",
                    "%n alerts are acknowledged: their escalation stops; they still resolve by themselves.",
                    len(chosen)),
            self.tr("&Comment:"), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._bridge.acknowledge([r.id for r in chosen], dialog.text())
            self.message.say(self.tr("Acknowledging…"), "", self._theme)

    def unacknowledge_selected(self) -> None:
        chosen = [r.id for r in self.selected() if r.acked_by]
        if chosen:
            self._bridge.unacknowledge(chosen)

    def silence_selected(self) -> None:
        chosen = self.selected()
        dialog = SilenceDialog(chosen[0].target if chosen else "", [], self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._bridge.silence(*dialog.values())

    def note_selected(self) -> None:
        chosen = self.selected()
        if len(chosen) != 1:
            return
        dialog = CommentDialog(self.tr("Add a note"), self.tr("The note is kept with alert {0} and in the "
                                                                "audit trail.").format(chosen[0].id),
                               self.tr("&Note:"), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._bridge.add_note(chosen[0].id, dialog.text())

    def open_selected(self) -> None:
        chosen = self.selected()
        if len(chosen) != 1:
            return
        kind = self._bridge.target_kind(chosen[0].target)
        if kind:
            self.target_requested.emit(kind, chosen[0].target)
        else:
            self.message.say(self.tr("{0} is not watched by this console: it has no page to open.").format(
                display_name(chosen[0].target)), "warning", self._theme)

    def open_incident(self) -> None:
        chosen = [r.id for r in self.selected()]
        if not chosen:
            self.message.say(self.tr("Select the alerts the incident is about first."), "warning", self._theme)
            return
        dialog = OpenIncidentDialog(chosen, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._bridge.open_incident(chosen, dialog.text())
            self.message.say(self.tr("Opening the incident…"), "", self._theme)

    def _on_notes(self, alert_id: str, notes) -> None:
        row = self._detail_row
        if row is None or alert_id != row.id:
            return  # the selection moved on
        kinds = {"ack": self.tr("acknowledged"), "unack": self.tr("acknowledgement taken back"),
                 "note": self.tr("note"), "missed_response": self.tr("time to respond missed")}
        lines = [self._describe(row)]
        if notes:
            lines += ["", self.tr("History:")]
            lines += [self.tr("{0}  {1}  {2}: {3}").format(_when(ts), author, kinds.get(kind, kind), text)
                      for ts, author, kind, text in notes]
        self.detail.setPlainText("\n".join(lines))

    def _on_duty(self, on_call, states) -> None:
        lines = []
        if on_call is not None:
            lines.append(self.tr("On call now: {0}; second in line: {1}").format(
                on_call.person or self.tr("nobody"), on_call.second or self.tr("nobody")))
        for state in states:
            if state.last_error:  # waiting for a reason, not merely for the next pass
                lines.append(counted(self, "{0}: %n notification waiting: {1}",
                                     "{0}: %n notifications waiting: {1}", state.waiting).format(
                    state.channel, state.last_error))
        self.on_call_changed.emit((on_call.person or self.tr("nobody")) if on_call is not None else "")
        undelivered = any(s.last_error for s in states)
        self.duty.say("\n".join(lines), "warning" if undelivered else "", self._theme)

    def _on_acted(self, text: str, level: str) -> None:
        self.message.say(text, level, self._theme)
        self._detail_row = None  # a note or an acknowledgement: its history is read again
        self.reload()
        self.incidents.reload()  # an incident opened or closed

    def apply_theme(self, name: str) -> None:
        self._theme = name
        self.model.set_theme(name)
        self.message.apply_theme(name)
        self.duty.apply_theme(name)
