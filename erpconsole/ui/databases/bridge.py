"""The databases pages' bridge: statuses and history (from the common base), what kind of
server a target is, the confirmed actions (VACUUM, terminate...) run on their own workers, and
the entries added, edited, tested and removed from the window (keyring and the inventory file
on the inventory worker, the test on a worker of its own)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance

from erpconsole.config import DatabaseConfig, InventoryError
from erpconsole.services.models import DbAction, DbActionResult, TargetStatus
from erpconsole.ui.common.bridge_base import StatusBridge, StoreReader
from erpconsole.ui.common.workers import submit_guarded

log = logging.getLogger(__name__)


class DatabasesApi(Protocol):
    """What the Databases and Database detail pages and their action runner may call and connect."""

    status_changed: SignalInstance  # TargetStatus
    hosts_changed: SignalInstance  # the inventory changed (a database may be gone)
    history_loaded: SignalInstance  # target, request id, series
    history_failed: SignalInstance  # target, request id, message
    db_action_finished: SignalInstance  # DbActionResult
    entry_tested: SignalInstance  # request id, list[ConnectionStep]
    entry_saved: SignalInstance  # request id, inventory path
    entry_save_failed: SignalInstance  # request id, message
    secret_known: SignalInstance  # request id, bool
    database_removed: SignalInstance  # name
    database_remove_failed: SignalInstance  # name, message

    @property
    def inventory_path(self) -> str | None: ...
    def statuses(self) -> list[TargetStatus]: ...
    def is_watched(self, target: str) -> bool: ...
    def targets(self) -> list[str]: ...
    def request_history(self, target: str, start: float, end: float) -> int: ...
    def database_kind(self, target: str) -> str: ...
    def build_db_action(self, target: str, action: str, **subject) -> DbAction: ...
    def run_db_action(self, action: DbAction) -> None: ...
    def database_config(self, name: str) -> DatabaseConfig | None: ...
    def database_url(self, kind: str, host: str, port: int | None, database: str, user: str) -> str: ...
    def database_url_parts(self, url: str) -> dict: ...
    def request_has_secret(self, name: str) -> int: ...
    def test_database(self, cfg: DatabaseConfig, password: str | None) -> int: ...
    def save_database(self, values: dict, old_name: str | None, password: str | None) -> int: ...
    def remove_database(self, name: str) -> None: ...
    def resume(self, target: str) -> None: ...


_REFUSALS = (ValueError, InventoryError, OSError)


class DatabasesBridge(StatusBridge):
    db_action_finished = Signal(DbActionResult)
    entry_tested = Signal(int, object)  # a list, so `object`
    entry_saved = Signal(int, str)
    entry_save_failed = Signal(int, str)
    secret_known = Signal(int, bool)
    database_removed = Signal(str)
    database_remove_failed = Signal(str, str)

    def __init__(self, monitor, reader: StoreReader, parent: QObject | None = None,
                 inventory_pool: ThreadPoolExecutor | None = None) -> None:
        super().__init__(monitor, reader, parent)
        # Database actions (VACUUM may take minutes): their own threads, never the GUI's.
        self._actions = ThreadPoolExecutor(max_workers=2, thread_name_prefix="db-action")
        # The inventory file and keyring: the one worker the hosts' edits use too, so edits
        # of the same file happen one after the other, in the order asked.
        self._inventory = inventory_pool or ThreadPoolExecutor(max_workers=1, thread_name_prefix="inventory")

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

    # -- the inventory ---------------------------------------------------------------------------

    def database_config(self, name: str) -> DatabaseConfig | None:
        return self._monitor.database_config(name)

    def database_url(self, kind: str, host: str, port: int | None, database: str, user: str) -> str:
        from erpconsole.services.databases.url_parts import compose_url

        return compose_url(kind, host, port, database, user)

    def database_url_parts(self, url: str) -> dict:
        from erpconsole.services.databases.url_parts import split_url

        return split_url(url)

    def request_has_secret(self, name: str) -> int:
        """Answers secret_known(request id, whether keyring holds db:NAME)."""
        rid = self._store_reader.next_request_id()
        submit_guarded(self._inventory, "keyring", "has_secret",
                       lambda: self._monitor.secrets.get(f"db:{name}") is not None,
                       lambda known: self.secret_known.emit(rid, known),
                       lambda _op, _message: self.secret_known.emit(rid, False))
        return rid

    def test_database(self, cfg: DatabaseConfig, password: str | None) -> int:
        """Connects once on a worker, with a deadline; answers entry_tested(rid, steps)."""
        from erpconsole.services.models import ConnectionStep
        from erpconsole.services.trial import try_database

        rid = self._store_reader.next_request_id()
        submit_guarded(self._actions, "databases", "test",
                       lambda: try_database(cfg, password, self._monitor.secrets),
                       lambda steps: self.entry_tested.emit(rid, steps),
                       lambda _op, message: self.entry_tested.emit(rid, [ConnectionStep("connect", False, message)]))
        return rid

    def save_database(self, values: dict, old_name: str | None, password: str | None) -> int:
        """Answers entry_saved(rid, path) or entry_save_failed(rid, sentence)."""
        from erpconsole.services import inventory_apply

        rid = self._store_reader.next_request_id()

        def work() -> str:
            inventory_apply.save_database(self._monitor, values, old_name, password)
            self.hosts_changed.emit()
            return self._monitor.inventory.path or ""

        submit_guarded(self._inventory, "inventory", "save", work, lambda path: self.entry_saved.emit(rid, path),
                       lambda _op, message: self.entry_save_failed.emit(rid, message), _REFUSALS)
        return rid

    def remove_database(self, name: str) -> None:
        """Answers database_removed(name) or database_remove_failed(name, sentence)."""
        from erpconsole.services import inventory_apply

        def work() -> None:
            inventory_apply.remove_database(self._monitor, name)
            self.hosts_changed.emit()

        submit_guarded(self._inventory, "inventory", "remove", work, lambda _none: self.database_removed.emit(name),
                       lambda _op, message: self.database_remove_failed.emit(name, message), _REFUSALS)

    def shutdown(self) -> None:
        self._actions.shutdown(wait=False, cancel_futures=True)
        self._inventory.shutdown(wait=False, cancel_futures=True)

    def resume(self, target: str) -> None:
        """Poll now, without waiting out the backoff; recorded in the event log."""
        self._monitor.resume(target)
