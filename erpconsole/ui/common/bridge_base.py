"""What the domain bridges share: the store and its one reader thread, request ids, and the
live statuses and stored history that the hosts and the databases pages both show.

A bridge turns service callbacks (on worker threads) into queued signals on the GUI thread and
runs slow reads off it; it never touches a widget."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

from erpconsole.services.models import Event, Severity, StoreHealth, TargetStatus

log = logging.getLogger(__name__)


class StoreReader(QObject):
    """The metric store once it is open, and the one thread that reads it: reads queue behind
    each other instead of piling up, and reads asked for before the store opened wait for it."""

    store_ready = Signal()
    store_health_changed = Signal(StoreHealth)  # writes started failing, or succeed again

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = None
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history")
        self._lock = threading.Lock()
        self._waiting: list[tuple] = []
        self._store_size: int | None = None
        self._store_health = StoreHealth(True)
        # Shared by every bridge, so that no two requests anywhere carry the same id.
        self._ids = itertools.count(1)

    @property
    def store(self):
        return self._store

    @property
    def has_store(self) -> bool:
        return self._store is not None

    def next_request_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def attach_store(self, store, writer=None) -> None:
        """Called from the thread that opened the store; runs the reads that waited for it.
        ``writer``: the store's writer, whose health the status bar shows."""
        if writer is not None:
            writer.subscribe(self._on_store_health)
        with self._lock:
            self._store = store
            waiting, self._waiting = self._waiting, []
        for call in waiting:
            self._reader.submit(*call)
        self._measure_store()
        self.store_ready.emit()

    def read(self, *call) -> None:
        """``call[0](*call[1:])`` on the reader thread, once the store is open."""
        with self._lock:
            if self._store is None:
                self._waiting.append(call)
                return
        self._reader.submit(*call)

    @property
    def store_health(self) -> StoreHealth:
        return self._store_health

    def _on_store_health(self, health: StoreHealth) -> None:
        self._store_health = health
        self.store_health_changed.emit(health)  # queued to the GUI thread

    def store_size(self) -> int | None:
        """The last measured size (never a query on the caller's thread); refresh_store_size()
        measures again on the reader thread."""
        return self._store_size

    def refresh_store_size(self) -> None:
        if self._store is not None:
            self._reader.submit(self._measure_store)

    def _measure_store(self) -> None:
        try:
            self._store_size = self._store.size_bytes()
        except Exception:  # noqa: BLE001 - a status-bar number must never crash anything
            log.exception("store size")

    def shutdown(self) -> None:
        # A read in flight may wait on a slow database: do not hold the exit for it.
        self._reader.shutdown(wait=False, cancel_futures=True)


class StatusBridge(QObject):
    """Live statuses and stored history of the watched targets, for a domain whose pages show
    them (hosts, databases). Each such bridge hears the monitor itself."""

    status_changed = Signal(TargetStatus)
    # target, request id, {(metric, label): (ts, values)}: a dict, so `object`.
    history_loaded = Signal(str, int, object)
    history_failed = Signal(str, int, str)  # target, request id, message
    hosts_changed = Signal()  # a host was added, edited or removed

    def __init__(self, monitor, reader: StoreReader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._monitor = monitor
        self._store_reader = reader
        # Emitting from a worker thread to receivers living on the GUI thread queues the call.
        monitor.subscribe(self.status_changed.emit, None)

    @property
    def inventory_path(self) -> str | None:
        return self._monitor.inventory.path

    def statuses(self) -> list[TargetStatus]:
        return self._monitor.statuses()

    def is_watched(self, target: str) -> bool:
        return self._monitor.is_watched(target)

    def targets(self) -> list[str]:
        return [s.target for s in self._monitor.statuses()]

    def request_history(self, target: str, start: float, end: float) -> int:
        """Load one target's stored series between two epoch times; answers by signal."""
        rid = self._store_reader.next_request_id()
        self._store_reader.read(self._load_history, target, rid, start, end)
        return rid

    def _load_history(self, target: str, rid: int, start: float, end: float) -> None:
        try:
            data = self._store_reader.store.host_history(target, start, end)
        except Exception as exc:  # noqa: BLE001 - reported to the page, not raised
            log.exception("history for %s", target)
            self.history_failed.emit(target, rid, str(exc))
            return
        self.history_loaded.emit(target, rid, data)

    def _note(self, target: str, message: str, level: Severity = Severity.INFO) -> None:
        """A line in the event log for what a person did here."""
        self._monitor.record(Event(time.time(), target, level, message, "", kind="note"))
