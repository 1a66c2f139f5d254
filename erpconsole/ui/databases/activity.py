"""The Activity tab: every session, who blocks whom, the long and the idle-in-transaction ones;
cancel, terminate and explain from buttons, the context menu or the keyboard."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QMenu,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from erpconsole.services.models import DbSession
from erpconsole.ui.common.labels import db_action_label, format_duration
from erpconsole.ui.databases.blocker_line import BlockerLine
from erpconsole.ui.databases.panels import PanelFrame, QueryPane, action_controls, beside_query_pane, one_line
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_setup import filter_line, rows_table, select_row, selected_row

DEFAULT_LONG_S = 30  # a filter of this table only; the finding's limit is long_query_warning_s
SESSION_ACTIONS = ("cancel", "terminate", "explain")
_SHORTCUTS = {"cancel": "Backspace", "terminate": "Del", "explain": "Ctrl+E"}
_NO_SESSION_KINDS = ("sqlite",)  # one file, no server sessions to cancel
_WIDTHS = {"pid": 60, "user": 80, "state": 130, "duration": 80, "xact_age": 110, "blocked_by": 80, "blocks": 55,
           "wait_event": 130, "application": 100, "client": 120, "database": 80}


def is_idle_in_transaction(s: DbSession) -> bool:
    return s.state.startswith("idle in transaction")


def age_of(s: DbSession) -> float | None:
    """How long the session has held things up: its transaction when idle in one, else its
    running statement; an idle session holds nothing."""
    if is_idle_in_transaction(s):
        return s.xact_age_s
    if s.state.startswith("idle"):
        return None
    return s.duration_s


def blocking_counts(sessions: tuple[DbSession, ...]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for s in sessions:
        for pid in s.blocked_by:
            counts[pid] = counts.get(pid, 0) + 1
    return counts


def _dur(v: float) -> str:
    return format_duration(v)


def _age_key(v: float | None) -> float:
    return -1.0 if v is None else v  # no transaction sorts after the youngest one


class ActivityPanel(QWidget):
    """``action_requested(action, session)`` asks the page to confirm and run an action."""

    action_requested = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sessions: tuple[DbSession, ...] = ()
        self._note = ""
        self._kind = ""
        self._build_table()
        self._build_controls()
        self._build_actions()
        self._build_layout()
        self._on_selection()

    # -- building ------------------------------------------------------------------------

    def _build_table(self) -> None:
        right = Qt.AlignmentFlag.AlignRight
        # What the on-call admin reads first comes first: who, doing what, for how long, behind whom.
        self.model = RowsTableModel([
            Column("pid", self.tr("PID"), right),
            Column("user", self.tr("User")),
            Column("state", self.tr("State")),
            Column("duration", self.tr("Duration"), right, _dur, _age_key),
            Column("xact_age", self.tr("Transaction age"), right, _dur, _age_key),
            Column("blocked_by", self.tr("Blocked by"), fmt=lambda v: ", ".join(map(str, v)),
                   sort_key=lambda v: len(v) if v else 0),
            Column("blocks", self.tr("Blocks"), right, lambda v: str(v) if v else ""),
            Column("wait_event", self.tr("Wait event")),
            Column("application", self.tr("Application")),
            Column("client", self.tr("Client")),
            Column("database", self.tr("Database")),
            Column("query", self.tr("Query")),
        ], row_level=lambda r: r["level"])
        # The oldest open transaction first: at 3 a.m. it is usually the one holding the rest up.
        self.table = rows_table(self.model, "activityTable", widths=_WIDTHS,
                                sort=("xact_age", Qt.SortOrder.DescendingOrder), menu=self.context_menu)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._on_selection())

    def _build_controls(self) -> None:
        self.filter_edit = filter_line(self.tr("Filter by user, client, state, query…"), self._on_filter_text)
        self.long_only = QCheckBox(self.tr("Long-running and idle in transaction only, longer than"))
        self.long_only.toggled.connect(lambda _on: self._rebuild())
        self.long_s = QSpinBox()
        self.long_s.setRange(1, 7 * 86400)
        self.long_s.setValue(DEFAULT_LONG_S)
        self.long_s.setSuffix(self.tr(" s"))
        self.long_s.setToolTip(self.tr("Shows the sessions running longer than this; a filter of this table only (the "
                                   "finding's limit is the inventory's long_query_warning_s, 5 min by default)"))
        self.long_s.valueChanged.connect(lambda _v: self._rebuild() if self.long_only.isChecked() else None)

    def _build_actions(self) -> None:
        self.actions, self.buttons = action_controls(self, SESSION_ACTIONS, self.request)
        # Sessions are acted on under pressure: each action has a key, shown on its button.
        for name, act in self.actions.items():
            act.setShortcut(QKeySequence(_SHORTCUTS[name]))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(act)
            self.buttons[name].setToolTip(self.tr("{0} ({1})").format(
                db_action_label(name), act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)))

    def _build_layout(self) -> None:
        self.blocker_line = BlockerLine()
        self.blocker_line.pid_requested.connect(self._on_blocker_requested)
        self.query_pane = QueryPane(self.tr("Query of the selected session"))
        split = beside_query_pane(self.table, self.query_pane, (1000, 260))
        self.splitter = split
        self.frame = PanelFrame(split, self.tr("No sessions right now."))
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 2)
        top.addWidget(self.long_only)
        top.addWidget(self.long_s)
        top.addStretch(1)
        for button in self.buttons.values():
            top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.blocker_line)
        layout.addWidget(self.frame, 1)

    # -- data ----------------------------------------------------------------------------

    def set_kind(self, kind: str) -> None:
        self._kind = kind
        self._on_selection()

    def set_sessions(self, sessions: tuple[DbSession, ...], note: str = "") -> None:
        if sessions == self._sessions and note == self._note:
            return
        self._sessions, self._note = sessions, note
        self.blocker_line.set_sessions(sessions)
        self._rebuild()

    def _row(self, s: DbSession, blocks: int) -> dict[str, Any]:
        level = "critical" if blocks else ("warning" if s.blocked_by else None)
        return {
            "pid": s.pid, "user": s.user, "database": s.database, "client": s.client,
            "application": s.application, "state": s.state, "wait_event": s.wait_event,
            "duration": s.duration_s, "xact_age": s.xact_age_s, "blocks": blocks,
            "blocked_by": s.blocked_by, "query": one_line(s.query), "session": s, "level": level,
        }

    def _keep(self, s: DbSession) -> bool:
        if not self.long_only.isChecked():
            return True
        age = age_of(s)
        return age is not None and age >= self.long_s.value()

    def _rebuild(self) -> None:
        counts = blocking_counts(self._sessions)
        rows = [self._row(s, counts.get(s.pid, 0)) for s in self._sessions if self._keep(s)]
        selected = self.selected_session()
        if rows != self.model.rows():
            self.model.set_rows(rows)
            if selected is not None:
                self.select_pid(selected.pid)
        self._update_frame()
        self._on_selection()

    def _update_frame(self) -> None:
        shown = self.table.proxy_model().rowCount()
        if self._sessions and self.long_only.isChecked() and not self.model.rowCount():
            empty = self.tr("No session has run or held a transaction open for {0} s or more.").format(
                self.long_s.value())
        elif self._sessions and not shown:
            empty = self.tr("No session matches the filter.")
        else:
            empty = self.tr("No sessions right now.")
        # The filter line stays usable: an emptied filter result shows the text, not the note.
        self.frame.set_state(self._note, shown > 0, empty)

    def _on_filter_text(self, text: str) -> None:
        self.table.set_filter_text(text)
        self._update_frame()

    def rows(self) -> list[dict[str, Any]]:
        return self.model.rows()

    def summary(self) -> tuple[int, int]:
        """(sessions, blocked sessions) for the tab title."""
        return len(self._sessions), sum(1 for s in self._sessions if s.blocked_by)

    # -- selection and actions --------------------------------------------------------------

    def selected_session(self) -> DbSession | None:
        row = selected_row(self.table, self.model)
        return row["session"] if row is not None else None

    def select_pid(self, pid: int) -> bool:
        return select_row(self.table, self.model, lambda r: r["pid"] == pid)

    def _on_blocker_requested(self, pid: int) -> None:
        """The blocker's row, even if the filter or the long-only switch hid it."""
        if not self.select_pid(pid):
            self.filter_edit.clear()
            self.long_only.setChecked(False)
            self.select_pid(pid)
        self.table.setFocus()

    def _on_selection(self) -> None:
        s = self.selected_session()
        self.query_pane.set_query(s.query if s else "")
        sessions_ok = self._kind not in _NO_SESSION_KINDS
        for name in SESSION_ACTIONS:
            enabled = s is not None and sessions_ok and (name != "explain" or bool(s.query.strip()))
            self.actions[name].setEnabled(enabled)
            self.buttons[name].setEnabled(enabled)

    def request(self, action: str) -> None:
        s = self.selected_session()
        if s is not None and self.actions[action].isEnabled():
            self.action_requested.emit(action, s)

    def context_menu(self) -> QMenu:
        menu = self.table.context_menu()
        copy_query = QAction(self.tr("Copy query"), menu)
        copy_query.setEnabled(bool(self.query_pane.query()))
        copy_query.triggered.connect(self.query_pane.copy)
        menu.addAction(copy_query)
        menu.addSeparator()
        for act in self.actions.values():
            menu.addAction(act)
        return menu
