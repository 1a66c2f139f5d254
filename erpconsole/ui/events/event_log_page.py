"""Every health change, every error, with time and details; a line of your own for the record."""

from __future__ import annotations

import time

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from erpconsole.services.models import Event
from erpconsole.ui.events.bridge import EventsApi
from erpconsole.ui.common.labels import display_name
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_setup import filter_line, rows_table
from erpconsole.widgets.theme import GLYPHS

MAX_ROWS = 5000  # a wall display runs for weeks: keep the table bounded


def _level(severity: object) -> str:
    """"▲ warning", "■ critical": the shape of the other pages; info has none."""
    word = getattr(severity, "value", str(severity))
    return f"{GLYPHS[word]} {word}" if word in GLYPHS else word


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


class EventLogPage(QWidget):
    def __init__(self, bridge: EventsApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._events: list[Event] = []
        self._dirty = False
        self.model = RowsTableModel(
            [
                Column("ts", self.tr("Time"), fmt=_when, room=_when(0.0)),
                Column("level", self.tr("Level"), fmt=_level),
                Column("target", self.tr("Target"), fmt=display_name),
                Column("message", self.tr("Message")),
            ],
            row_level=lambda e: e.level.value,
        )
        self.table = rows_table(self.model, sort=("ts", Qt.SortOrder.DescendingOrder), whole_rows=False)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.filter = filter_line(self.tr("Filter by any text (target, level, message)…"), self.table.set_filter_text)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText(self.tr("Select an event to see its details."))
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("Write a line in the event log (what you saw, what you did)…"))
        self.note.returnPressed.connect(self._add_note)
        add = QPushButton(self.tr("Add note"))
        add.clicked.connect(self._add_note)

        note_row = QHBoxLayout()
        note_row.addWidget(self.note, 1)
        note_row.addWidget(add)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setSizes([600, 150])
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(split, 1)
        layout.addLayout(note_row)

        bridge.event_logged.connect(self._on_event)
        bridge.events_loaded.connect(self._on_loaded)
        bridge.request_recent_events(MAX_ROWS)

    def events(self) -> list[Event]:
        return list(self._events)

    def _on_loaded(self, events: list[Event]) -> None:
        known = {(e.ts, e.target, e.message) for e in self._events}
        older = [e for e in events if (e.ts, e.target, e.message) not in known]
        self._events = sorted(older + self._events, key=lambda e: e.ts)[-MAX_ROWS:]
        self._dirty = True
        self.refresh(force=True)

    def _on_event(self, event: Event) -> None:
        self._events.append(event)
        if len(self._events) > MAX_ROWS:
            del self._events[: len(self._events) - MAX_ROWS]
        self._dirty = True

    def refresh(self, force: bool = False) -> None:
        if self._dirty and (force or self.isVisible()):
            self._dirty = False
            first_fill = self.model.rowCount() == 0
            self.model.set_rows(list(self._events))
            if first_fill and self._events:
                # All but the message: sized to its contents, the last column would stop
                # stretching and leave the rest of the width empty.
                for column in range(self.model.columnCount() - 1):
                    self.table.resizeColumnToContents(column)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        event = self.model.row(self.table.source_row(current.row())) if current.isValid() else None
        if event is None:
            self.detail.clear()
            return
        lines = [f"{_when(event.ts)}  {event.level.value}  {display_name(event.target)}", event.message]
        if event.detail:
            lines += ["", event.detail]
        self.detail.setPlainText("\n".join(lines))

    def _add_note(self) -> None:
        text = self.note.text().strip()
        if text:
            self._bridge.log_event("", text)
            self.note.clear()
