"""The SOP page: the library of procedures and the open runs on the left, the run being worked
on at the right (every tick saved the moment it is made), and the history with compliance.
Everything goes through the bridge's SOP worker; the page never waits."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QSplitter, QTabWidget, QVBoxLayout, QWidget

from erpconsole.services.sop.models import DueRun, SopRun
from erpconsole.ui.sop.bridge import SopApi
from erpconsole.ui.sop.dialogs import SignRunDialog
from erpconsole.ui.sop.history import SopHistoryView
from erpconsole.ui.sop.library import SopLibraryPanel
from erpconsole.ui.common.message_bar import MessageBar, MessageBarMixin
from erpconsole.ui.sop.run_view import SopRunView
from erpconsole.widgets.theme import current_theme_name, get_theme

_ACCEPTED = QDialog.DialogCode.Accepted
LIBRARY_WIDTH = 370  # the procedures and open runs, by default; the splitter remembers a dragged width


class SopPage(MessageBarMixin, QWidget):
    page_requested = Signal(str)  # an action step opens a page ("backups", ...)

    def __init__(self, bridge: SopApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._requested = False
        self._want_run: int | None = None  # a run asked for (resume, history): shown when it comes
        self._want_start = False  # a run being started: shown when it comes
        self._checking: int | None = None  # the run whose checks are running
        self._due: list[DueRun] = []
        self._signer = ""
        self._said_unavailable = ""
        self._theme = current_theme_name()
        # Tests answer these; a person answers the dialogs.
        self.run_dialog: Callable[[QDialog], bool] = lambda d: d.exec() == _ACCEPTED
        self.ask_save_path: Callable[[], str] = self._ask_save_path
        self._build()
        self._connect()

    def _build(self) -> None:
        self.message_bar = MessageBar("sopMessage", banner=True)
        self.library = SopLibraryPanel()
        self.run_view = SopRunView()
        self.history = SopHistoryView()
        self.split = QSplitter()
        self.split.addWidget(self.library)
        self.split.addWidget(self.run_view)
        # The run is where the work is: the library keeps about a quarter of the width, and a
        # wider window (a wall display) widens the run, not the list of procedures.
        self.split.setStretchFactor(0, 0)
        self.split.setStretchFactor(1, 1)
        self.split.setChildrenCollapsible(False)
        self.split.setSizes([LIBRARY_WIDTH, 1000])
        self.tabs = QTabWidget()
        self.tabs.addTab(self.split, self.tr("Runs"))
        self.tabs.addTab(self.history, self.tr("History"))
        self.tabs.currentChanged.connect(self._on_tab)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.tabs, 1)

    def _connect(self) -> None:
        b = self._bridge
        b.sop_ready.connect(self._on_ready)
        b.sop_templates_loaded.connect(self.library.set_templates)
        b.sop_templates_loaded.connect(self.history.set_titles)
        b.sop_open_runs_loaded.connect(self.library.set_open_runs)
        b.sop_open_runs_loaded.connect(self._resume_newest)
        b.sop_due_changed.connect(self._on_due)
        b.sop_run_loaded.connect(self._on_run)
        b.sop_runs_loaded.connect(self.history.set_runs)
        b.sop_compliance_loaded.connect(self.history.set_compliance)
        b.sop_failed.connect(self._on_failed)
        b.report_written.connect(self._on_report_written)
        self.library.start_requested.connect(self.start_run)
        self.library.resume_requested.connect(self.open_run)
        self.history.run_requested.connect(self._open_from_history)
        self.run_view.action_requested.connect(self.step_action)
        self.run_view.checks_requested.connect(self.run_all_checks)
        self.run_view.sign_requested.connect(self.sign)
        self.run_view.report_requested.connect(self.write_report)

    # -- loading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """The window's timer while the page is visible: the first look loads everything."""
        if not self._requested and self._bridge.has_sop:
            self.load()
        elif not self._requested:
            reason = self._bridge.sop_unavailable()
            if reason != self._said_unavailable:
                self._said_unavailable = reason
                self._say(reason, "pending")

    def load(self) -> None:
        self._requested = True
        self._say("")
        b = self._bridge
        b.request_sop_templates()
        b.request_sop_open_runs()
        b.request_sop_due()
        b.request_sop_runs()
        b.request_sop_compliance()

    def _resume_newest(self, runs: list[SopRun]) -> None:
        """Coming back to the page (or the console) with nothing open: the newest unsigned run
        is where the work stopped."""
        if runs and self.current_run() is None and self._want_run is None and not self._want_start:
            self.open_run(max(runs, key=lambda r: r.started).id)

    def _on_ready(self) -> None:
        # The library and its Due column are filled as soon as the service attaches, not at the
        # first visit: what is overdue is known before anyone looks for it.
        self.refresh()

    def _on_tab(self, index: int) -> None:
        if self.tabs.widget(index) is self.history and self._bridge.has_sop:
            self._bridge.request_sop_runs()
            self._bridge.request_sop_compliance()

    def _on_due(self, due: list[DueRun]) -> None:
        self._due = list(due)
        self.library.set_due(self._due)

    def due(self) -> list[DueRun]:
        return list(self._due)

    # -- runs ---------------------------------------------------------------------------------

    def current_run(self) -> SopRun | None:
        return self.run_view.run()

    def start_run(self, template_id: str) -> None:
        # A scheduled run not yet started answers its due time (that is what compliance counts).
        due = next((d for d in self._due if d.template_id == template_id and d.run_id is None), None)
        existing = next((d.run_id for d in self._due if d.template_id == template_id and d.run_id), None)
        if existing is not None:
            self._say(self.tr("A run of this procedure is already open: resuming it."), "pending")
            self.open_run(existing)
            return
        self._want_start = True
        self._bridge.start_sop_run(template_id, due.due if due else None)

    def open_run(self, run_id: int) -> None:
        self._want_run = run_id
        self._bridge.request_sop_run(run_id)

    def _open_from_history(self, run_id: int) -> None:
        self.tabs.setCurrentWidget(self.split)
        self.open_run(run_id)

    def _on_run(self, run: SopRun) -> None:
        self.library.update_open_run(run)
        if self._checking == run.id:
            self._checking = None
            self._say(self._checks_summary(run), "ok")
        shown = self.run_view.run()
        if self._want_start or run.id == self._want_run or (shown is not None and shown.id == run.id):
            started = self._want_start
            self._want_start, self._want_run = False, None
            self.run_view.saved(run)
            self.library.select_open_run(run.id)
            if started or run.signed:
                self._bridge.request_sop_runs()
                self._bridge.request_sop_compliance()

    # -- steps --------------------------------------------------------------------------------

    def step_action(self, name: str, step_id: str, note: str, evidence: str) -> None:
        """Sends the action at once (the service saves it before the next one runs)."""
        run = self.run_view.run()
        if run is None or run.signed:
            return
        if name == "open":
            self._open_action(step_id)
            return
        step = next(s for s in run.template.steps if s.id == step_id)
        b = self._bridge
        if name == "tick":
            # An approval is signed by the person named, who need not be the one at the keyboard.
            approver = evidence if step.kind == "approval" else None
            b.sop_tick(run.id, step_id, note=note, evidence="" if approver else evidence, actor=approver)
        elif name == "fail":
            b.sop_fail(run.id, step_id, note)
        elif name == "skip":
            b.sop_skip(run.id, step_id, note)
        elif name == "reopen":
            b.sop_reopen(run.id, step_id)
        elif name == "check":
            b.sop_run_check(run.id, step_id)
        self.run_view.mark_saving(step_id)

    def _open_action(self, step_id: str) -> None:
        step = next(s for s in self.run_view.run().template.steps if s.id == step_id)
        self.page_requested.emit(step.action)  # a page name, or "drill:<backup set>"

    def run_all_checks(self) -> None:
        run = self.run_view.run()
        if run is not None and not run.signed:
            self._bridge.sop_run_checks(run.id)
            self._checking = run.id
            self.run_view.mark_saving(None)
            self._say(self.tr("Running every open check of this run…"), "pending")

    def _checks_summary(self, run: SopRun) -> str:
        checks = [run.state_of(s.id) for s in run.template.steps if s.kind == "check"]
        passed = sum(1 for s in checks if s.state == "passed")
        failed = sum(1 for s in checks if s.state == "failed")
        return self.tr("Checks run: {0} passed, {1} failed, {2} still open (no data yet, or skipped).").format(
            passed, failed, len(checks) - passed - failed)

    def sign(self) -> None:
        run = self.run_view.run()
        if run is None or run.signed:
            return
        dialog = SignRunDialog(run, self._signer, self)
        self.sign_dialog = dialog
        if not self.run_dialog(dialog) or dialog.open_count or not dialog.signer():
            return
        self._signer = dialog.signer()
        self._bridge.sign_sop_run(run.id, self._signer)
        self._say(self.tr("Signing…"), "pending")

    # -- the report ---------------------------------------------------------------------------

    def write_report(self) -> None:
        path = self.ask_save_path()
        if not path:
            return
        if not path.lower().endswith((".html", ".htm", ".pdf")):
            path += ".html"
        self._bridge.write_report(path)
        self._say(self.tr("Writing the daily inspection report to {0}…").format(path), "pending")

    def _ask_save_path(self) -> str:
        name = time.strftime("inspection-%Y-%m-%d.html")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Daily inspection report"), name,
                                              self.tr("HTML (*.html);;PDF (*.pdf)"))
        return path

    def _on_report_written(self, path: str) -> None:
        self._say(self.tr("Daily inspection report written to {0}").format(path), "ok")

    # -- messages, theme, state -------------------------------------------------------------------

    def _on_failed(self, op: str, message: str) -> None:
        self.run_view.clear_saving()
        self._want_start, self._checking = False, None
        if op in ("templates", "runs", "open_runs", "due", "compliance") and not self._bridge.has_sop:
            self._requested = False  # try again when the service is attached
        self._say(message, "critical" if op not in ("due",) else "warning")

    def apply_theme(self, name: str) -> None:
        self._theme = get_theme(name).name
        self.library.apply_theme(name)
        self.run_view.apply_theme(name)
        self.history.apply_theme(name)

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("sop/splitter", self.split.saveState())
        settings.setValue("sop/signer", self._signer)

    def restore_state(self, settings: QSettings) -> None:
        state = settings.value("sop/splitter")
        if state:
            self.split.restoreState(state)
        self._signer = str(settings.value("sop/signer", "") or "")
