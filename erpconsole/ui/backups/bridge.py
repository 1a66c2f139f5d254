"""The Backups page's bridge: reads, verifications and restore drills run on the bridge's own
backup workers and answer with queued signals. One job per set and operation at a time. Sets
added and edited from the window are tried on a backup worker and written (file, keyring) on
the inventory worker the other bridges share."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance

from erpconsole.config import InventoryError
from erpconsole.services.backups.models import BackupSetConfig, DrillResult, VerifyResult
from erpconsole.services.backups.policy import gauge_level, set_level  # noqa: F401 - the one grade, for the page
from erpconsole.ui.common.workers import submit_guarded

log = logging.getLogger(__name__)


class BackupsApi(Protocol):
    """What the Backups page may call and connect."""

    backups_ready: SignalInstance  # the backup service is attached (or known to be unavailable)
    backups_loaded: SignalInstance  # list[(BackupSetStatus, list[Finding])]
    backup_verified: SignalInstance  # VerifyResult
    drill_progress: SignalInstance  # set name, phase, fraction 0..1
    drill_finished: SignalInstance  # DrillResult
    backups_failed: SignalInstance  # operation, message for a person
    entry_tested: SignalInstance  # request id, list[ConnectionStep]
    entry_saved: SignalInstance  # request id, inventory path
    entry_save_failed: SignalInstance  # request id, message
    secret_known: SignalInstance  # request id, bool
    backup_sets_changed: SignalInstance  # a set was added, edited or removed

    @property
    def inventory_path(self) -> str | None: ...
    @property
    def has_backups(self) -> bool: ...
    def backup_configs(self) -> list[BackupSetConfig]: ...
    def backups_unavailable(self) -> str: ...
    def request_backups(self, names: list[str] | None = None) -> None: ...
    def verify_backup(self, name: str, backup_id: str) -> bool: ...
    def start_drill(self, name: str, backup_id: str) -> bool: ...
    def cancel_drill(self, name: str) -> bool: ...
    def host_names(self) -> list[str]: ...
    def database_names(self) -> list[str]: ...
    def request_has_secret(self, name: str) -> int: ...
    def test_backup_set(self, cfg: BackupSetConfig, password: str | None) -> int: ...
    def save_backup_set(self, values: dict, old_name: str | None, password: str | None) -> int: ...


class BackupsBridge(QObject):
    backups_ready = Signal()
    backups_loaded = Signal(object)  # list[(BackupSetStatus, list[Finding])]: a list, so `object`
    backup_verified = Signal(VerifyResult)
    drill_progress = Signal(str, str, float)
    drill_finished = Signal(DrillResult)
    backups_failed = Signal(str, str)
    entry_tested = Signal(int, object)  # a list, so `object`
    entry_saved = Signal(int, str)
    entry_save_failed = Signal(int, str)
    secret_known = Signal(int, bool)
    backup_sets_changed = Signal()

    def __init__(self, monitor, parent: QObject | None = None,
                 inventory_pool: ThreadPoolExecutor | None = None) -> None:
        super().__init__(parent)
        self._monitor = monitor
        self._inventory = inventory_pool or ThreadPoolExecutor(max_workers=1, thread_name_prefix="inventory")
        self._request_id = 0
        # Reads wait on repositories and hosts; drills may run for an hour: separate pools,
        # so a long drill never holds up the panels' refresh.
        self._backup_reads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="backup-read")
        self._backup_jobs = ThreadPoolExecutor(max_workers=2, thread_name_prefix="backup-job")
        self._backup_service = None
        self._backup_error = ""
        self._backup_busy: set[tuple[str, str]] = set()
        self._backup_lock = threading.Lock()
        self._drill_cancels: dict[str, threading.Event] = {}

    def attach_backups(self, service, error: str = "") -> None:
        """The BackupService once the store is open; None with ``error`` when it could not be built."""
        self._backup_service, self._backup_error = service, error
        self.backups_ready.emit()

    @property
    def inventory_path(self) -> str | None:
        return self._monitor.inventory.path

    @property
    def has_backups(self) -> bool:
        return self._backup_service is not None

    def backup_configs(self) -> list:
        """The [[backups]] sets of the inventory (known before any service is attached)."""
        return list(self._monitor.inventory.backups)

    def backups_unavailable(self) -> str:
        if self._backup_service is not None:
            return ""
        if self._backup_error:
            return self.tr("Backups cannot be read: {0}").format(self._backup_error)
        return self.tr("The backup service starts with the store; the sets are read in a moment.")

    def _backup_submit(self, pool: ThreadPoolExecutor, op: str, name: str, work) -> bool:
        """Runs ``work(service)`` unless the same op on the same set is still running."""
        reason = self.backups_unavailable()
        if reason:
            self.backups_failed.emit(op, reason)
            return False
        key = (op, name)
        with self._backup_lock:
            if key in self._backup_busy:
                return False
            self._backup_busy.add(key)
        service = self._backup_service

        def run() -> None:
            try:
                work(service)
            except Exception as exc:  # noqa: BLE001 - the page shows it; nothing escapes a worker
                log.exception("backups: %s %s", op, name)
                self.backups_failed.emit(op, self.tr("{0}: {1}").format(name, _sentence(exc)))
            finally:
                with self._backup_lock:
                    self._backup_busy.discard(key)

        pool.submit(run)
        return True

    def request_backups(self, names: list[str] | None = None) -> None:
        """Reads the named sets (all when None); answers with backups_loaded([(status, findings)])."""
        service = self._backup_service
        for name in names if names is not None else (service.set_names() if service else []):
            self._backup_submit(self._backup_reads, "read", name, lambda s, n=name: self._read_set(s, n))

    def _read_set(self, service, name: str) -> None:
        status = service.read(name)
        self.backups_loaded.emit([(status, list(service.findings(status)))])

    def verify_backup(self, name: str, backup_id: str) -> bool:
        """Answers with backup_verified(VerifyResult), then the set read again."""
        def work(service) -> None:
            self.backup_verified.emit(service.verify(name, backup_id))
            self._read_set(service, name)

        return self._backup_submit(self._backup_jobs, "verify", name, work)

    def start_drill(self, name: str, backup_id: str) -> bool:
        """Answers with drill_progress(name, phase, fraction) while it runs, then drill_finished."""
        cancel = threading.Event()

        def work(service) -> None:
            try:
                result = service.drill(name, backup_id, progress=lambda phase, f: self.drill_progress.emit(
                    name, phase, float(f)), cancel=cancel)
            finally:
                self._drill_cancels.pop(name, None)
            self.drill_finished.emit(result)
            self._read_set(service, name)

        with self._backup_lock:
            if name in self._drill_cancels:  # one drill per set: the running one keeps its Cancel
                return False
            self._drill_cancels[name] = cancel
        started = self._backup_submit(self._backup_jobs, "drill", name, work)
        if not started:
            self._drill_cancels.pop(name, None)
        return started

    def cancel_drill(self, name: str) -> bool:
        """The drill stops at its next step and drops its scratch target; False if none runs."""
        event = self._drill_cancels.get(name)
        if event is None:
            return False
        event.set()
        return True

    # -- sets added and edited from the window ---------------------------------------------------

    def host_names(self) -> list[str]:
        return [h.name for h in self._monitor.inventory.hosts]

    def database_names(self) -> list[str]:
        return [d.name for d in self._monitor.inventory.databases]

    def _next_id(self) -> int:
        with self._backup_lock:
            self._request_id += 1
            return self._request_id

    def request_has_secret(self, name: str) -> int:
        """Answers secret_known(request id, whether keyring holds backup:NAME)."""
        rid = self._next_id()
        submit_guarded(self._inventory, "keyring", "has_secret",
                       lambda: self._monitor.secrets.get(f"backup:{name}") is not None,
                       lambda known: self.secret_known.emit(rid, known),
                       lambda _op, _message: self.secret_known.emit(rid, False))
        return rid

    def test_backup_set(self, cfg: BackupSetConfig, password: str | None) -> int:
        """Lists the repository once on a backup worker (30 s at most); answers entry_tested."""
        from erpconsole.services.models import ConnectionStep
        from erpconsole.services.trial import try_backup_set

        rid = self._next_id()
        hosts = {h.name: h for h in self._monitor.inventory.hosts}
        submit_guarded(self._backup_reads, "backups", "test",
                       lambda: try_backup_set(cfg, password, self._monitor.secrets, hosts),
                       lambda steps: self.entry_tested.emit(rid, steps),
                       lambda _op, message: self.entry_tested.emit(rid, [ConnectionStep("read", False, message)]))
        return rid

    def save_backup_set(self, values: dict, old_name: str | None, password: str | None) -> int:
        """Answers entry_saved(rid, path) then backup_sets_changed, or entry_save_failed(rid, sentence)."""
        from erpconsole.services import inventory_apply

        rid = self._next_id()

        def work() -> str:
            inventory_apply.save_backup_set(self._monitor, self._backup_service, values, old_name, password)
            return self._monitor.inventory.path or ""

        def done(path: str) -> None:
            self.entry_saved.emit(rid, path)
            self.backup_sets_changed.emit()

        submit_guarded(self._inventory, "inventory", "save", work, done,
                       lambda _op, message: self.entry_save_failed.emit(rid, message),
                       (ValueError, InventoryError, OSError))
        return rid

    def shutdown(self) -> None:
        self._inventory.shutdown(wait=False, cancel_futures=True)
        for event in list(self._drill_cancels.values()):
            event.set()  # a drill in flight drops its scratch target and ends
        self._backup_reads.shutdown(wait=False, cancel_futures=True)
        self._backup_jobs.shutdown(wait=False, cancel_futures=True)


def _sentence(exc: Exception) -> str:
    text = str(exc).strip()
    return text if isinstance(exc, ValueError) and text else f"{type(exc).__name__}: {text}"
