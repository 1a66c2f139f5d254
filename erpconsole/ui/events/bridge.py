"""The event log's bridge: every event as it happens, the recent ones from the store, the
audit trail, and a line of the user's own."""

from __future__ import annotations

import logging
import time
from typing import Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance

from erpconsole.services.models import Event, Severity
from erpconsole.ui.common.bridge_base import StoreReader

log = logging.getLogger(__name__)


class EventsApi(Protocol):
    """What the Event log page may call and connect."""

    event_logged: SignalInstance  # Event
    events_loaded: SignalInstance  # list[Event]
    audit_loaded: SignalInstance  # list[AuditEntry], newest first

    def log_event(self, target: str, message: str, level: Severity = Severity.INFO, detail: str = "") -> None: ...
    def request_recent_events(self, limit: int = 500) -> None: ...
    def request_audit(self, target: str | None = None, limit: int = 200) -> None: ...


class EventsBridge(QObject):
    event_logged = Signal(Event)
    events_loaded = Signal(object)  # list[Event]: a list, so `object`
    audit_loaded = Signal(object)  # list[AuditEntry]: a list, so `object`

    def __init__(self, monitor, reader: StoreReader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._monitor = monitor
        self._store_reader = reader
        # Emitting from a worker thread to receivers living on the GUI thread queues the call.
        monitor.subscribe(None, self.event_logged.emit)

    def log_event(self, target: str, message: str, level: Severity = Severity.INFO, detail: str = "") -> None:
        self._monitor.record(Event(time.time(), target, level, message, detail, kind="note"))

    def request_recent_events(self, limit: int = 500) -> None:
        self._store_reader.read(self._load_events, limit)

    def _load_events(self, limit: int) -> None:
        try:
            events = self._store_reader.store.recent_events(limit)
        except Exception:  # noqa: BLE001 - an empty list, and the log says why
            log.exception("recent events")
            events = []
        self.events_loaded.emit(events)

    def request_audit(self, target: str | None = None, limit: int = 200) -> None:
        self._store_reader.read(self._load_audit, target, limit)

    def _load_audit(self, target: str | None, limit: int) -> None:
        try:
            self.audit_loaded.emit(self._store_reader.store.audit.entries(limit, target))
        except Exception:  # noqa: BLE001 - an empty list, and the log says why
            log.exception("audit trail")
            self.audit_loaded.emit([])
