"""The SOP page's bridge: every SOP call runs on one worker thread, so a tick, the note after it
and the sign-off stay in the order they were made, and each is saved before the next starts. The
daily inspection report is written on its own worker (it reads history and may take seconds)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance

from erpconsole.services.sop.models import SopRun
from erpconsole.ui.common.bridge_base import StoreReader
from erpconsole.ui.common.workers import submit_guarded

log = logging.getLogger(__name__)


class SopApi(Protocol):
    """What the SOP page (and the status bar's "due" count) may call and connect."""

    sop_ready: SignalInstance  # the SOP service is attached (or known to be unavailable)
    sop_templates_loaded: SignalInstance  # list[SopTemplate], list[TemplateError]
    sop_run_loaded: SignalInstance  # SopRun after a start, a step change or a sign-off
    sop_runs_loaded: SignalInstance  # list[SopRun], newest first (the history)
    sop_open_runs_loaded: SignalInstance  # list[SopRun] not signed yet
    sop_due_changed: SignalInstance  # list[DueRun]
    sop_compliance_loaded: SignalInstance  # list[Compliance]
    sop_failed: SignalInstance  # operation, message for a person
    report_written: SignalInstance  # the path of the daily inspection report

    @property
    def has_sop(self) -> bool: ...
    def sop_unavailable(self) -> str: ...
    def request_sop_templates(self) -> None: ...
    def request_sop_run(self, run_id: int) -> None: ...
    def request_sop_runs(self, limit: int = 500) -> None: ...
    def request_sop_open_runs(self) -> None: ...
    def request_sop_due(self) -> None: ...
    def request_sop_compliance(self, months: int = 6) -> None: ...
    def start_sop_run(self, template_id: str, due: float | None = None) -> None: ...
    def sign_sop_run(self, run_id: int, signer_name: str) -> None: ...
    def sop_tick(self, run_id: int, step_id: str, note: str = "", evidence: str = "",
                 actor: str | None = None) -> None: ...
    def sop_fail(self, run_id: int, step_id: str, note: str) -> None: ...
    def sop_skip(self, run_id: int, step_id: str, reason: str) -> None: ...
    def sop_reopen(self, run_id: int, step_id: str) -> None: ...
    def sop_run_check(self, run_id: int, step_id: str) -> None: ...
    def sop_run_checks(self, run_id: int) -> None: ...
    def write_report(self, path: str) -> None: ...


class SopBridge(QObject):
    sop_ready = Signal()
    # Lists cross as `object`.
    sop_templates_loaded = Signal(object, object)
    sop_run_loaded = Signal(SopRun)
    sop_runs_loaded = Signal(object)
    sop_open_runs_loaded = Signal(object)
    sop_due_changed = Signal(object)
    sop_compliance_loaded = Signal(object)
    sop_failed = Signal(str, str)
    report_written = Signal(str)

    def __init__(self, monitor, reader: StoreReader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._monitor = monitor
        self._store_reader = reader
        self._sop = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sop")
        self._report = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report")
        self._sop_service = None
        self._sop_error = ""

    def attach_sop(self, service, error: str = "") -> None:
        """The SopService once the store is open; None with ``error`` when it could not be built."""
        self._sop_service, self._sop_error = service, error
        self.sop_ready.emit()

    @property
    def has_sop(self) -> bool:
        return self._sop_service is not None

    def sop_unavailable(self) -> str:
        if self._sop_service is not None:
            return ""
        if self._sop_error:
            return self.tr("The SOPs are not available: {0}").format(self._sop_error)
        return self.tr("SOP runs are kept in the store, which is not open yet (or could not open: see the "
                       "status bar). The page fills in a moment.")

    def _sop_call(self, op: str, work, done, pool: ThreadPoolExecutor | None = None,
                  needs_service: bool = True) -> None:
        """Runs ``work(service)`` on the SOP worker; ``done(result)`` emits the answer there."""
        reason = self.sop_unavailable() if needs_service else ""
        if reason:
            self.sop_failed.emit(op, reason)
            return
        service = self._sop_service
        submit_guarded(pool or self._sop, "sop", op, lambda: work(service), done, self.sop_failed.emit)

    def request_sop_templates(self) -> None:
        self._sop_call("templates", lambda s: s.templates(),
                       lambda r: self.sop_templates_loaded.emit(list(r[0]), list(r[1])))

    def request_sop_run(self, run_id: int) -> None:
        self._sop_call("run", lambda s: s.run(run_id), self.sop_run_loaded.emit)

    def request_sop_runs(self, limit: int = 500) -> None:
        """Every run, newest first (the History tab filters them)."""
        self._sop_call("runs", lambda s: s.runs(limit=limit), self.sop_runs_loaded.emit)

    def request_sop_open_runs(self) -> None:
        self._sop_call("open_runs", lambda s: s.open_runs(), self.sop_open_runs_loaded.emit)

    def request_sop_due(self) -> None:
        self._sop_call("due", lambda s: s.due(), self.sop_due_changed.emit)

    def request_sop_compliance(self, months: int = 6) -> None:
        self._sop_call("compliance", lambda s: s.compliance(months), self.sop_compliance_loaded.emit)

    def _emit_run_and_lists(self, service, run) -> None:
        """A run started or signed changes the open runs and what is due as well."""
        self.sop_run_loaded.emit(run)
        self.sop_open_runs_loaded.emit(service.open_runs())
        self.sop_due_changed.emit(service.due())

    def start_sop_run(self, template_id: str, due: float | None = None) -> None:
        self._sop_call("start", lambda s: (s, s.start(template_id, due=due)), lambda r: self._emit_run_and_lists(*r))

    def sign_sop_run(self, run_id: int, signer_name: str) -> None:
        self._sop_call("sign", lambda s: (s, s.sign(run_id, signer_name)), lambda r: self._emit_run_and_lists(*r))

    def sop_tick(self, run_id: int, step_id: str, note: str = "", evidence: str = "", actor: str | None = None) -> None:
        self._sop_call("tick", lambda s: s.tick(run_id, step_id, note=note, evidence=evidence, actor=actor),
                       self.sop_run_loaded.emit)

    def sop_fail(self, run_id: int, step_id: str, note: str) -> None:
        self._sop_call("fail", lambda s: s.fail(run_id, step_id, note), self.sop_run_loaded.emit)

    def sop_skip(self, run_id: int, step_id: str, reason: str) -> None:
        self._sop_call("skip", lambda s: s.skip(run_id, step_id, reason), self.sop_run_loaded.emit)

    def sop_reopen(self, run_id: int, step_id: str) -> None:
        self._sop_call("reopen", lambda s: s.reopen(run_id, step_id), self.sop_run_loaded.emit)

    def sop_run_check(self, run_id: int, step_id: str) -> None:
        self._sop_call("check", lambda s: s.run_check(run_id, step_id), self.sop_run_loaded.emit)

    def sop_run_checks(self, run_id: int) -> None:
        self._sop_call("checks", lambda s: s.run_checks(run_id), self.sop_run_loaded.emit)

    # -- the daily inspection report -----------------------------------------------------------

    def write_report(self, path: str) -> None:
        """HTML or PDF by the extension of ``path``; answers report_written(path) or
        sop_failed("report", message)."""
        writer = self._report_writer()
        if writer is None:
            self.sop_failed.emit("report", self.tr("The daily inspection report is not available yet in this console."))
            return
        self._sop_call("report", lambda s: writer(s, path), self.report_written.emit, pool=self._report,
                       needs_service=False)

    def _report_writer(self):
        """A callable (service, path) -> path over services/report, or None while it is missing.
        The report runs the same inspection as `erpconsole inspect --report`: the GUI and the
        command line never disagree."""
        try:
            from erpconsole.services.inspect import run_inspection
            from erpconsole.services.inspect_scope import REPORT_PARTS
            from erpconsole.services.report import build_report, write_report
        except ImportError:
            return None
        monitor = self._monitor

        def run(service, path: str) -> str:
            inspection = run_inspection(monitor.inventory, parts=REPORT_PARTS)
            runs = service.runs(limit=200) if service is not None else None
            write_report(build_report(inspection, self._store_reader.store, runs), path)
            return path

        return run

    def shutdown(self) -> None:
        self._sop.shutdown(wait=False, cancel_futures=True)
        self._report.shutdown(wait=False, cancel_futures=True)
