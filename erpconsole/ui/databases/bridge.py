"""The databases pages' bridge: statuses and history (from the common base), what kind of
server a target is, and the confirmed actions (VACUUM, terminate...) run on their own workers."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance

from erpconsole.services.models import DbAction, DbActionResult, TargetStatus
from erpconsole.ui.common.bridge_base import StatusBridge, StoreReader

log = logging.getLogger(__name__)


class DatabasesApi(Protocol):
    """What the Databases and Database detail pages and their action runner may call and connect."""

    status_changed: SignalInstance  # TargetStatus
    hosts_changed: SignalInstance  # the inventory changed (a database may be gone)
    history_loaded: SignalInstance  # target, request id, series
    history_failed: SignalInstance  # target, request id, message
    db_action_finished: SignalInstance  # DbActionResult

    @property
    def inventory_path(self) -> str | None: ...
    def statuses(self) -> list[TargetStatus]: ...
    def is_watched(self, target: str) -> bool: ...
    def targets(self) -> list[str]: ...
    def request_history(self, target: str, start: float, end: float) -> int: ...
    def database_kind(self, target: str) -> str: ...
    def build_db_action(self, target: str, action: str, **subject) -> DbAction: ...
    def run_db_action(self, action: DbAction) -> None: ...


class DatabasesBridge(StatusBridge):
    db_action_finished = Signal(DbActionResult)

    def __init__(self, monitor, reader: StoreReader, parent: QObject | None = None) -> None:
        super().__init__(monitor, reader, parent)
        # Database actions (VACUUM may take minutes): their own threads, never the GUI's.
        self._actions = ThreadPoolExecutor(max_workers=2, thread_name_prefix="db-action")

    def database_kind(self, target: str) -> str:
        return self._monitor.database_kind(target)

    def build_db_action(self, target: str, action: str, **subject) -> DbAction:
        """The exact statement for the confirmation; ValueError says why there is none."""
        return self._monitor.build_db_action(target, action, **subject)

    def run_db_action(self, action: DbAction) -> None:
        """Runs a confirmed action on a worker; answers with db_action_finished."""
        self._actions.submit(self._run_db_action, action)

    def _run_db_action(self, action: DbAction) -> None:
        try:
            result = self._monitor.run_db_action(action)
        except Exception as exc:  # noqa: BLE001 - the page shows it; nothing escapes a worker
            log.exception("database action %s on %s", action.action, action.target)
            result = DbActionResult(action, False, str(exc))
        self.db_action_finished.emit(result)

    def shutdown(self) -> None:
        self._actions.shutdown(wait=False, cancel_futures=True)
