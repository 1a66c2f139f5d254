"""The only adapter between services and Qt: service callbacks (on worker threads) become
queued signals on the GUI thread; slow reads (history) run off the GUI thread."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

from erpconsole.config import HostConfig, InventoryError, default_inventory_path
from erpconsole.services.models import (
    ConnectionStep, DbAction, DbActionResult, Event, ForgetResult, HostKeyInfo, Severity, TargetStatus,
)
from erpconsole.services.monitor import Monitor
from erpconsole.ui.common.workers import submit_guarded
from erpconsole.ui.backups.bridge import BackupsBridgeMixin
from erpconsole.ui.sop.bridge import SopBridgeMixin

log = logging.getLogger(__name__)


class ServiceBridge(BackupsBridgeMixin, SopBridgeMixin, QObject):
    """Pages talk to this object only; it never touches a widget."""

    status_changed = Signal(object)  # TargetStatus
    event_logged = Signal(object)  # Event
    history_loaded = Signal(str, int, object)  # target, request id, {(metric, label): (ts, values)}
    history_failed = Signal(str, int, str)
    events_loaded = Signal(object)  # list[Event]
    store_ready = Signal()
    connection_step = Signal(int, object)  # request id, ConnectionStep
    connection_done = Signal(int, object)  # request id, list[ConnectionStep]
    hosts_changed = Signal()  # a host was added, edited or removed
    db_action_finished = Signal(object)  # DbActionResult
    audit_loaded = Signal(object)  # list[AuditEntry], newest first
    # The access review (answers to the access_* requests, in the order they were made).
    access_ready = Signal()  # the review service is attached (or known to be unavailable)
    access_campaigns_loaded = Signal(object)  # list[Campaign], newest first
    access_review_loaded = Signal(object)  # CampaignReview
    access_progress = Signal(str, int, int)  # what is being read, done, total
    access_row_changed = Signal(object)  # ReviewRow after a decision or an undo
    access_signed = Signal(object)  # Campaign
    access_exported = Signal(object)  # ExportResult
    access_statement_finished = Signal(bool, str)  # ok, message
    access_failed = Signal(str, str)  # operation, message for a person
    # Backups (bridge_backups.py): answers to request_backups / verify_backup / start_drill.
    backups_ready = Signal()  # the backup service is attached (or known to be unavailable)
    backups_loaded = Signal(object)  # list[(BackupSetStatus, list[Finding])]
    backup_verified = Signal(object)  # VerifyResult
    drill_progress = Signal(str, str, float)  # set name, phase, fraction 0..1
    drill_finished = Signal(object)  # DrillResult
    backups_failed = Signal(str, str)  # operation, message for a person
    # SOPs (bridge_sop.py): answers to the request_sop_* calls and the step actions, in order.
    sop_ready = Signal()  # the SOP service is attached (or known to be unavailable)
    sop_templates_loaded = Signal(object, object)  # list[SopTemplate], list[TemplateError]
    sop_run_loaded = Signal(object)  # SopRun after a start, a step change or a sign-off
    sop_runs_loaded = Signal(object)  # list[SopRun], newest first (the history)
    sop_open_runs_loaded = Signal(object)  # list[SopRun] not signed yet
    sop_due_changed = Signal(object)  # list[DueRun]
    sop_compliance_loaded = Signal(object)  # list[Compliance]
    sop_failed = Signal(str, str)  # operation, message for a person
    report_written = Signal(str)  # the path of the daily inspection report

    def __init__(self, monitor: Monitor, store=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._monitor = monitor
        self._store = store
        # One reader thread: history reads queue behind each other instead of piling up.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history")
        # "Test connection" and host-key work: SSH calls that may wait seconds, off the GUI.
        self._worker = ThreadPoolExecutor(max_workers=2, thread_name_prefix="bridge-ssh")
        # Database actions (VACUUM may take minutes): their own threads, never the GUI's.
        self._actions = ThreadPoolExecutor(max_workers=2, thread_name_prefix="db-action")
        # The access review: one worker, so a decision and the sign-off after it stay in order.
        self._access = ThreadPoolExecutor(max_workers=1, thread_name_prefix="access")
        self._access_service = None
        self._access_error = ""
        self._init_backups()
        self._init_sop()
        self._request_id = 0
        self._lock = threading.Lock()
        self._waiting: list[tuple] = []  # reads asked for before the store opened
        self._store_size: int | None = None
        # Emitting from a worker thread to receivers living on the GUI thread queues the call.
        monitor.subscribe(self.status_changed.emit, self.event_logged.emit)

    @property
    def inventory_path(self) -> str | None:
        return self._monitor.inventory.path

    def statuses(self) -> list[TargetStatus]:
        return self._monitor.statuses()

    def is_watched(self, target: str) -> bool:
        return self._monitor.is_watched(target)

    def targets(self) -> list[str]:
        return [s.target for s in self._monitor.statuses()]

    def attach_store(self, store) -> None:
        """Called from the thread that opened the store; runs the reads that waited for it."""
        with self._lock:
            self._store = store
            waiting, self._waiting = self._waiting, []
        for call in waiting:
            self._reader.submit(*call)
        self._measure_store()
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

    # -- database actions ------------------------------------------------------------------

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

    def request_audit(self, target: str | None = None, limit: int = 200) -> None:
        self._read(self._load_audit, target, limit)

    def _load_audit(self, target: str | None, limit: int) -> None:
        try:
            self.audit_loaded.emit(self._store.audit.entries(limit, target))
        except Exception:  # noqa: BLE001 - an empty list, and the log says why
            log.exception("audit trail")
            self.audit_loaded.emit([])

    def request_recent_events(self, limit: int = 500) -> None:
        self._read(self._load_events, limit)

    def _load_events(self, limit: int) -> None:
        try:
            events = self._store.recent_events(limit)
        except Exception:  # noqa: BLE001
            log.exception("recent events")
            events = []
        self.events_loaded.emit(events)

    # -- the access review ---------------------------------------------------------------------

    def attach_access(self, service, error: str = "") -> None:
        """The AccessReviewService, once the store it keeps campaigns in is open; None with
        ``error`` when it could not be built (the page says so instead of failing)."""
        self._access_service, self._access_error = service, error
        self.access_ready.emit()

    @property
    def has_access(self) -> bool:
        return self._access_service is not None

    def access_unavailable(self) -> str:
        """Why the access review cannot answer now, or "" when it can."""
        if self._access_service is not None:
            return ""
        if self._access_error:
            return self.tr("The access review is not available: {0}").format(self._access_error)
        if self._store is None:
            return self.tr("The access review keeps its campaigns in the store, which is not open yet "
                           "(or could not open: see the status bar). Try again in a moment.")
        return self.tr("The access review is not available in this console.")

    def _access_call(self, operation: str, work, done) -> None:
        """Runs ``work(service)`` on the access worker; ``done(result)`` emits the answer there."""
        reason = self.access_unavailable()
        if reason:
            self.access_failed.emit(operation, reason)
            return
        submit_guarded(self._access, "access review", operation, lambda: work(self._access_service), done,
                       self.access_failed.emit)

    def request_access_campaigns(self) -> None:
        self._access_call("campaigns", lambda s: s.campaigns(), self.access_campaigns_loaded.emit)

    def create_access_campaign(self, name: str) -> None:
        """Answers with the campaign list (the new one first) and then its review."""
        def work(s):
            campaign = s.create_campaign(name)
            return s.campaigns(), s.review(campaign.id)

        self._access_call("create", work, self._emit_campaigns_and_review)

    def _emit_campaigns_and_review(self, result) -> None:
        campaigns, review = result
        self.access_campaigns_loaded.emit(campaigns)
        self.access_review_loaded.emit(review)

    def request_access_review(self, campaign_id: int) -> None:
        self._access_call("review", lambda s: s.review(campaign_id), self.access_review_loaded.emit)

    def collect_access(self, campaign_id: int) -> None:
        """Reads every source; access_progress while it runs, access_review_loaded at the end."""
        progress = self.access_progress.emit  # called from the service's threads: queued
        self._access_call("collect", lambda s: s.collect(campaign_id, progress), self.access_review_loaded.emit)

    def decide_access(self, campaign_id: int, key: str, decision: str, comment: str = "") -> None:
        self._access_call("decide", lambda s: s.decide(campaign_id, key, decision, comment),
                          self.access_row_changed.emit)

    def undo_access_decision(self, campaign_id: int, key: str) -> None:
        self._access_call("undo", lambda s: s.undo_decision(campaign_id, key), self.access_row_changed.emit)

    def sign_access(self, campaign_id: int, signer_name: str) -> None:
        self._access_call("sign", lambda s: s.sign(campaign_id, signer_name), self.access_signed.emit)

    def export_access(self, campaign_id: int, path: str) -> None:
        self._access_call("export", lambda s: s.export(campaign_id, path), self.access_exported.emit)

    def run_access_statement(self, campaign_id: int, key: str, statement) -> None:
        """A statement the user confirmed; the service audits it before and after."""
        self._access_call("run", lambda s: s.run_statement(campaign_id, key, statement),
                          lambda r: self.access_statement_finished.emit(bool(r[0]), str(r[1])))

    # -- hosts: keys, logins, the inventory ----------------------------------------------------

    def host_config(self, name: str) -> HostConfig | None:
        return self._monitor.host_config(name)

    def host_names(self) -> list[str]:
        return [h.name for h in self._monitor.inventory.hosts]

    def host_key_info(self, target: str) -> HostKeyInfo:
        return self._monitor.host_key_info(target)

    def trust_host_key(self, target: str) -> str:
        """Trust the key the host offered; returns its fingerprint; polling resumes."""
        return self._monitor.trust_host_key(target)

    def forget_host_key(self, target: str) -> ForgetResult:
        return self._monitor.forget_host_key(target)

    def resume(self, target: str) -> None:
        self._monitor.resume(target)

    def store_secret(self, name: str, value: str) -> bool:
        """Keyring ``ssh:NAME``; False when only kept in memory for this session."""
        from erpconsole.services.hosts.ssh_auth import secret_name

        return self._monitor.secrets.set(secret_name(name), value)

    def has_secret(self, name: str) -> bool:
        from erpconsole.services.hosts.ssh_auth import secret_name

        return self._monitor.secrets.get(secret_name(name)) is not None

    def test_connection(self, host: HostConfig, secret: str | None = None) -> int:
        """Runs the five steps on a worker; answers with connection_step / connection_done."""
        with self._lock:
            self._request_id += 1
            rid = self._request_id
        self._worker.submit(self._test_connection, rid, host, secret)
        return rid

    def _test_connection(self, rid: int, host: HostConfig, secret: str | None) -> None:
        from erpconsole.services.hosts.connection_test import run_connection_test

        try:
            steps = run_connection_test(host, secret=secret, on_step=lambda s: self.connection_step.emit(rid, s))
        except Exception as exc:  # noqa: BLE001 - reported in the dialog, never raised
            log.exception("connection test for %s", host.name)
            steps = [ConnectionStep("resolve", False, str(exc))]
        self.connection_done.emit(rid, steps)

    def save_host(self, host: HostConfig, old_name: str | None = None, secret: str | None = None) -> str:
        """Write the host to the inventory file (created when the console has none), store the
        secret in keyring, and watch the host at once. Returns the inventory path.
        Raises InventoryError with a sentence for the user."""
        from erpconsole.services import inventory_edit

        path = self._monitor.inventory.path or str(default_inventory_path())
        if old_name is None and host.name in self.targets():
            raise InventoryError(path, None, self.tr("a host named \"{0}\" is already watched").format(host.name))
        if old_name is None:
            inventory_edit.add_host(path, host)
        else:
            inventory_edit.update_host(path, old_name, host)
        if not self._monitor.inventory.path:
            import dataclasses

            self._monitor.inventory = dataclasses.replace(self._monitor.inventory, path=path)
        if secret:
            if not self.store_secret(host.name, secret):
                self.log_event(host.name, self.tr("{0}: no keyring works here; the password is kept "
                                                  "in memory until the console closes").format(host.name),
                               Severity.WARNING)
        elif old_name is not None and old_name != host.name:
            self._move_secret(old_name, host.name)
        if old_name is None:
            self._monitor.add_host(host)
        else:
            self._monitor.update_host(host, old_name)
        self.log_event(host.name, self.tr("{0}: saved to {1} by the user").format(host.name, path))
        self.hosts_changed.emit()
        return path

    def _move_secret(self, old: str, new: str) -> None:
        """A renamed host keeps its password: keyring entries are named after the host."""
        from erpconsole.services.hosts.ssh_auth import secret_name

        secrets = self._monitor.secrets
        value = secrets.get(secret_name(old))
        if value is not None:
            secrets.set(secret_name(new), value)
            secrets.delete(secret_name(old))

    def remove_host(self, name: str) -> None:
        from erpconsole.services import inventory_edit

        path = self._monitor.inventory.path
        if path:
            inventory_edit.remove_host(path, name)
        self._monitor.remove_host(name)
        self.log_event(name, self.tr("{0}: removed from the inventory by the user").format(name))
        self.hosts_changed.emit()

    def import_ssh_config(self, path: str | None = None) -> list[dict]:
        from erpconsole.services.hosts.ssh_config import import_hosts_from_ssh_config

        return import_hosts_from_ssh_config(path)

    def shutdown(self) -> None:
        self._shutdown_backups()
        self._shutdown_sop()
        self._worker.shutdown(wait=False, cancel_futures=True)
        self._access.shutdown(wait=False, cancel_futures=True)
        self._actions.shutdown(wait=False, cancel_futures=True)
        # A read in flight may wait on a slow database: do not hold the exit for it.
        self._reader.shutdown(wait=False, cancel_futures=True)
