"""The only adapter between services and Qt: service callbacks (on worker threads) become
queued signals on the GUI thread; slow reads (history) run off the GUI thread."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

from erpconsole.services.models import Event, Severity, TargetStatus
from erpconsole.services.monitor import Monitor

log = logging.getLogger(__name__)


class ServiceBridge(QObject):
    """Pages talk to this object only; it never touches a widget."""

    status_changed = Signal(object)  # TargetStatus
    event_logged = Signal(object)  # Event
    history_loaded = Signal(str, int, object)  # target, request id, {(metric, label): (ts, values)}
    history_failed = Signal(str, int, str)
    events_loaded = Signal(object)  # list[Event]
    store_ready = Signal()

    def __init__(self, monitor: Monitor, store=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._monitor = monitor
        self._store = store
        # One reader thread: history reads queue behind each other instead of piling up.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history")
        self._request_id = 0
        self._lock = threading.Lock()
        self._waiting: list[tuple] = []  # reads asked for before the store opened
        # Emitting from a worker thread to receivers living on the GUI thread queues the call.
        monitor.subscribe(self.status_changed.emit, self.event_logged.emit)

    @property
    def inventory_path(self) -> str | None:
        return self._monitor.inventory.path

    def statuses(self) -> list[TargetStatus]:
        return self._monitor.statuses()

    def targets(self) -> list[str]:
        return [s.target for s in self._monitor.statuses()]

    def attach_store(self, store) -> None:
        """Called from the thread that opened the store; runs the reads that waited for it."""
        with self._lock:
            self._store = store
            waiting, self._waiting = self._waiting, []
        for call in waiting:
            self._reader.submit(*call)
        self.store_ready.emit()

    @property
    def has_store(self) -> bool:
        return self._store is not None

    def _read(self, *call) -> None:
        with self._lock:
            if self._store is None:
                self._waiting.append(call)
                return
        self._reader.submit(*call)

    def store_size(self) -> int | None:
        if self._store is None:
            return None
        try:
            return self._store.size_bytes()
        except Exception:  # noqa: BLE001 - a status-bar number must never crash the window
            log.exception("store size")
            return None

    def log_event(self, target: str, message: str, level: Severity = Severity.INFO, detail: str = "") -> None:
        import time

        self._monitor.record(Event(time.time(), target, level, message, detail, kind="note"))

    def request_history(self, target: str, start: float, end: float) -> int:
        """Load one host's stored series between two epoch times; answers by signal."""
        with self._lock:
            self._request_id += 1
            rid = self._request_id
        self._read(self._load_history, target, rid, start, end)
        return rid

    def _load_history(self, target: str, rid: int, start: float, end: float) -> None:
        try:
            data = self._store.host_history(target, start, end)
        except Exception as exc:  # noqa: BLE001 - reported to the page, not raised
            log.exception("history for %s", target)
            self.history_failed.emit(target, rid, str(exc))
            return
        self.history_loaded.emit(target, rid, data)

    def request_recent_events(self, limit: int = 500) -> None:
        self._read(self._load_events, limit)

    def _load_events(self, limit: int) -> None:
        try:
            events = self._store.recent_events(limit)
        except Exception:  # noqa: BLE001
            log.exception("recent events")
            events = []
        self.events_loaded.emit(events)

    def shutdown(self) -> None:
        self._reader.shutdown(wait=True, cancel_futures=True)
