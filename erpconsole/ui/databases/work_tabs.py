"""The lower half of the Database detail page, where the work happens: the Activity, Top
statements, Table health and Replication tabs, titled with their counts, and below them the
line that answers an action beside a busy bar while one runs."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QTabWidget, QVBoxLayout, QWidget

from erpconsole.services.models import DatabaseSnapshot
from erpconsole.ui.common.message_bar import MessageBar
from erpconsole.ui.common.words import counted
from erpconsole.ui.databases.activity import ActivityPanel
from erpconsole.ui.databases.tables import TablesPanel
from erpconsole.ui.databases.tabs import ReplicationPanel, StatementsPanel
from erpconsole.widgets.table_view import DataTableView


class DatabaseWorkTabs(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.activity = ActivityPanel()
        self.statements = StatementsPanel()
        self.tables = TablesPanel()
        self.replication = ReplicationPanel()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("dbTabs")
        for panel, title in ((self.activity, self.tr("Activity")), (self.statements, self.tr("Top statements")),
                             (self.tables, self.tr("Table health")), (self.replication, self.tr("Replication"))):
            self.tabs.addTab(panel, title)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # no percentage to give: it runs until the server answers
        self.busy.setMaximumWidth(120)
        self.busy.setMaximumHeight(14)
        self.busy.hide()
        # Keeps its room when empty: the tabs above do not jump at each answer.
        self.action_line = MessageBar("dbActionLine", hide_when_empty=False)
        status_row = QHBoxLayout()
        status_row.addWidget(self.busy)
        status_row.addWidget(self.action_line, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(status_row)

    def panels(self) -> tuple[QWidget, ...]:
        return self.activity, self.statements, self.tables, self.replication

    def views(self) -> tuple[DataTableView, ...]:
        """Every table of the tabs, in the order their header states are saved."""
        return (self.activity.table, self.statements.table, self.tables.table, self.tables.indexes,
                self.tables.sequences, self.replication.table)

    def fill(self, snap: DatabaseSnapshot) -> None:
        self.activity.set_kind(snap.kind)
        self.tables.set_kind(snap.kind)
        self.activity.set_sessions(snap.sessions, snap.note("activity"))
        self.statements.set_statements(snap.statements, snap.note("statements"))
        self.tables.set_snapshot(snap)
        self.replication.set_snapshot(snap)
        total, blocked = self.activity.summary()
        title = self.tr("Activity ({0})").format(total)
        if blocked:
            title = self.tr("Activity ({0}, {1} blocked)").format(total, blocked)
        self.tabs.setTabText(0, title)
        self.tabs.setTabText(1, self.tr("Top statements ({0})").format(len(snap.statements)))
        self.tabs.setTabText(2, self.tr("Table health ({0})").format(len(snap.tables)))
        self.tabs.setTabText(3, self.tr("Replication ({0})").format(len(snap.replicas)))

    def apply_theme(self, name: str) -> None:
        for panel in self.panels():
            for frame in panel.findChildren(type(self.activity.frame)):
                frame.apply_theme(name)
            for model in (getattr(panel, n, None) for n in ("model", "index_model", "sequence_model")):
                if model is not None:
                    model.set_theme(name)

    def say(self, text: str, level: str, theme: str) -> None:
        self.action_line.say(text, level, theme)

    def show_busy(self, running: int) -> None:
        self.busy.setVisible(running > 0)
        self.busy.setToolTip(counted(self, "%n action running", "%n actions running", running))
