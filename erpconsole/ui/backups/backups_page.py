"""The Backups page: one panel per backup set of the inventory, a details view per set, and
the verify and restore-drill actions; every set is read again at its own interval."""

from __future__ import annotations

import html
import time

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import (
    QDialog, QGridLayout, QHBoxLayout, QPushButton, QScrollArea, QSizePolicy, QSpacerItem, QStackedWidget,
    QVBoxLayout, QWidget,
)

from erpconsole.services.backups.models import BackupSetStatus, DrillResult, VerifyResult
from erpconsole.ui.backups import text as bt
from erpconsole.ui.backups.bridge import BackupsApi
from erpconsole.ui.backups.details import BackupDetailsView
from erpconsole.ui.backups.drill_dialogs import DrillConfirmDialog, DrillProgressDialog
from erpconsole.ui.backups.panel import BackupSetPanel
from erpconsole.ui.common.message_bar import MessageBar, MessageBarMixin, empty_page_label
from erpconsole.widgets.theme import current_theme_name, get_theme

TICK_MS = 5000  # how often the page looks for a set whose interval is up
REPAINT_S = 20.0  # ages on the panels move slowly: repaint them this often
PANEL_MIN_WIDTH = 560

EXAMPLE = """[[backups]]
name = "erp-db-nightly"
tool = "dumpdir"             # pgbackrest | restic | borg | barman | dumpdir
repo = "/var/backups/erp"    # the dump folder (or repository, or pgBackRest repo path)
pattern = "*.dump *.sql.gz"
host = "erp-db-1"            # optional: a [[hosts]] name; else this workstation
database = "erp-db"          # optional: the [[databases]] entry a drill compares with
drill_target = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
key_tables = ["public.res_partner"]
rpo_h = 26
drill_every_d = 30
rto_target_min = 30"""


class BackupsPage(MessageBarMixin, QWidget):
    def __init__(self, bridge: BackupsApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._views: dict[str, tuple[BackupSetStatus, list]] = {}
        self._pending_drill: str | None = None  # an SOP step's drill, waiting for its set's read
        self._panels: dict[str, BackupSetPanel] = {}
        self._requested: dict[str, float] = {}  # set name -> monotonic time of the last read asked for
        self._drills: dict[str, DrillProgressDialog] = {}
        self._verifying: set[str] = set()
        self._painted = 0.0
        self._columns = 0
        self.confirm_dialog: DrillConfirmDialog | None = None
        self._theme = current_theme_name()
        self._build()
        bridge.backups_loaded.connect(self._on_loaded)
        bridge.backup_verified.connect(self._on_verified)
        bridge.drill_progress.connect(self._on_drill_progress)
        bridge.drill_finished.connect(self._on_drill_finished)
        bridge.backups_failed.connect(self._on_failed)
        bridge.backups_ready.connect(self._on_ready)
        bridge.backup_sets_changed.connect(self._on_sets_changed)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._request_due)
        self._tick.start()
        self._show_sets()
        self._on_ready()

    def _build(self) -> None:
        self.message_bar = MessageBar(banner=True)
        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setSpacing(12)
        # Below the last row, the room left over: the panels keep their height at the top and the
        # panels of one row share the row's height (their tops and button rows line up).
        self._filler = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self._grid_host)
        self.empty_label = empty_page_label("backupsEmpty")
        self.details = BackupDetailsView()
        self.details.back_requested.connect(lambda: self.stack.setCurrentWidget(self._panels_page))
        self._panels_page = scroll
        self.stack = QStackedWidget()
        for w in (scroll, self.empty_label, self.details):
            self.stack.addWidget(w)
        self.add_button = QPushButton(self.tr("&Add backup set…"))
        self.add_button.clicked.connect(self.add_set)
        top = QHBoxLayout()
        top.addStretch(1)
        top.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.stack, 1)

    # -- sets and panels --------------------------------------------------------------------

    def panel(self, name: str) -> BackupSetPanel:
        return self._panels[name]

    def panels(self) -> dict[str, BackupSetPanel]:
        return dict(self._panels)

    def _show_sets(self) -> None:
        configs = self._bridge.backup_configs()
        for name in [n for n in self._panels if n not in {c.name for c in configs}]:
            panel = self._panels.pop(name)  # removed or renamed in the inventory
            self._grid.removeWidget(panel)
            panel.deleteLater()
            self._views.pop(name, None)
        if not configs:
            self.empty_label.setText(self._empty_text())
            self.stack.setCurrentWidget(self.empty_label)
            return
        for cfg in configs:
            if cfg.name not in self._panels:
                panel = BackupSetPanel(cfg.name)
                panel.details_requested.connect(self.open_details)
                panel.verify_requested.connect(self.verify_newest)
                panel.drill_requested.connect(self.ask_drill)
                panel.edit_requested.connect(self.edit_set)
                self._panels[cfg.name] = panel
        self._relayout(force=True)
        self.stack.setCurrentWidget(self._panels_page)

    def _empty_text(self) -> str:
        path = self._bridge.inventory_path or self.tr("your inventory file")
        return (f"<h2>{html.escape(self.tr('No backup sets in the inventory'))}</h2><p>"
                + html.escape(self.tr("Press Add backup set above, or add a [[backups]] table to {0} for each "
                                      "backup to watch and restart the console. For example:").format(path))
                + f"</p><pre>{html.escape(EXAMPLE)}</pre><p>"
                + html.escape(self.tr("Repository passwords (restic, borg) go to the keyring: erpconsole secret "
                                      "set backup:NAME"))
                + "</p>")

    def is_empty(self) -> bool:
        return self.stack.currentWidget() is self.empty_label

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._relayout()

    def _relayout(self, force: bool = False) -> None:
        columns = max(1, min(len(self._panels) or 1, (self.width() - 24) // (PANEL_MIN_WIDTH + 12)))
        if columns == self._columns and not force:
            return
        self._columns = columns
        for panel in self._panels.values():
            self._grid.removeWidget(panel)
        self._grid.removeItem(self._filler)
        for i, name in enumerate(self._panels):
            self._grid.addWidget(self._panels[name], i // columns, i % columns)
        rows = (len(self._panels) + columns - 1) // columns
        self._grid.addItem(self._filler, rows, 0, 1, columns)
        for row in range(self._grid.rowCount()):
            self._grid.setRowStretch(row, 1 if row == rows else 0)

    # -- sets added and edited here ---------------------------------------------------------

    def add_set(self) -> None:
        from erpconsole.ui.backups.set_dialog import BackupSetDialog

        self._run_dialog(BackupSetDialog(self._bridge, None, self))

    def edit_set(self, name: str) -> None:
        cfg = next((c for c in self._bridge.backup_configs() if c.name == name), None)
        if cfg is None:
            return
        from erpconsole.ui.backups.set_dialog import BackupSetDialog

        self._run_dialog(BackupSetDialog(self._bridge, cfg, self))

    def _run_dialog(self, dialog: QDialog) -> bool:
        """Modal run of a dialog; tests replace this to answer it."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def _on_sets_changed(self) -> None:
        """A set saved from the window: shown, and read now with its new entry."""
        self._requested.clear()
        self._show_sets()
        self._on_ready()

    # -- reading ------------------------------------------------------------------------------

    def _on_ready(self) -> None:
        reason = self._bridge.backups_unavailable() if self._bridge.backup_configs() else ""
        if reason and not self._bridge.has_backups:
            self._say(reason, "pending")
            return
        self._say("")
        self._request_due()

    def _request_due(self) -> None:
        if not self._bridge.has_backups:
            return
        now = time.monotonic()
        due = [c.name for c in self._bridge.backup_configs()
               if now - self._requested.get(c.name, -1e12) >= c.interval_s]
        for name in due:
            self._requested[name] = now
        if due:
            self._bridge.request_backups(due)

    def _on_loaded(self, views: list) -> None:
        now = time.time()
        for status, findings in views:
            name = status.config.name
            self._views[name] = (status, list(findings))
            if name in self._panels:
                self._panels[name].set_data(status, list(findings), now)
                if name in self._verifying:  # a periodic read landed while the verify runs
                    self._keep_busy(name)
            if self.stack.currentWidget() is self.details and self.details.name == name:
                self.details.set_status(status, now)
        pending, self._pending_drill = self._pending_drill, None
        if pending is not None:
            self.drill_when_read(pending)

    def drill_when_read(self, name: str) -> None:
        """An SOP step's "drill:<set>": the confirmation opens as soon as the set has been read."""
        if name not in self._views:
            self._pending_drill = name
            self._bridge.request_backups([name])
            return
        self.ask_drill(name)

    def _keep_busy(self, name: str) -> None:
        self._panels[name].verify_button.setEnabled(False)

    def refresh(self) -> None:
        """Called while the page is visible: the ages move, the data stays until the next read."""
        now = time.time()
        if now - self._painted < REPAINT_S:
            return
        self._painted = now
        for name, (status, findings) in self._views.items():
            if name in self._panels:
                self._panels[name].set_data(status, findings, now)
        shown = self.details.name
        if self.stack.currentWidget() is self.details and shown in self._views:
            self.details.set_status(self._views[shown][0], now)

    def views(self) -> dict[str, tuple[BackupSetStatus, list]]:
        return dict(self._views)

    # -- details ----------------------------------------------------------------------------

    def open_details(self, name: str) -> None:
        view = self._views.get(name)
        if view is None:
            self._say(self.tr("{0} has not been read yet.").format(name), "pending")
            return
        self.details.set_status(view[0], time.time())
        self.stack.setCurrentWidget(self.details)

    # -- verify -----------------------------------------------------------------------------

    def verify_newest(self, name: str) -> None:
        status = self._views.get(name, (None, None))[0]
        newest = status.newest_good if status else None
        if newest is None:
            self._say(self.tr("{0}: no good backup to verify.").format(name), "warning")
            return
        if self._bridge.verify_backup(name, newest.id):
            self._verifying.add(name)
            self._panels[name].verify_button.setEnabled(False)
            self._panels[name].verify_button.setText(self.tr("Verifying…"))
            self._say(self.tr("{0}: verifying {1}…").format(name, newest.id), "pending")

    def _on_verified(self, result: VerifyResult) -> None:
        self._end_verify(result.set_name)
        if result.ok:
            self._say(self.tr("{0}: {1} verified with {2}: {3}").format(
                result.set_name, result.backup_id, result.method, result.message), "ok")
        else:
            self._say(self.tr("{0}: {1} FAILED verification ({2}): {3}").format(
                result.set_name, result.backup_id, result.method, result.message), "critical")

    def _end_verify(self, name: str) -> None:
        self._verifying.discard(name)
        if name in self._panels:
            self._panels[name].verify_button.setText(self.tr("Verify newest"))
            self._panels[name].verify_button.setEnabled(True)

    # -- restore drill ------------------------------------------------------------------------

    def ask_drill(self, name: str) -> DrillConfirmDialog | None:
        """Opens the confirmation (window-modal, not blocking the event loop)."""
        status = self._views.get(name, (None, None))[0]
        newest = status.newest_good if status else None
        if newest is None:
            self._say(self.tr("{0}: no good backup to restore.").format(name), "warning")
            return None
        dialog = DrillConfirmDialog(status.config, newest, self)
        dialog.accepted.connect(lambda: self._start_drill(name, newest.id))
        self.confirm_dialog = dialog
        dialog.open()
        return dialog

    def _start_drill(self, name: str, backup_id: str) -> None:
        if name in self._drills and not self._drills[name].is_done():
            self._drills[name].show()
            self._drills[name].raise_()
            return
        if not self._bridge.start_drill(name, backup_id):
            self._say(self.tr("{0}: a drill or another job of this set is still running.").format(name), "warning")
            return
        dialog = DrillProgressDialog(name, backup_id, self)
        dialog.cancel_requested.connect(self._bridge.cancel_drill)
        self._drills[name] = dialog
        dialog.show()

    def drill_dialog(self, name: str) -> DrillProgressDialog | None:
        return self._drills.get(name)

    def _on_drill_progress(self, name: str, phase: str, fraction: float) -> None:
        if name in self._drills:
            self._drills[name].set_progress(phase, fraction)

    def _on_drill_finished(self, result: DrillResult) -> None:
        dialog = self._drills.get(result.set_name)
        if dialog is not None:
            dialog.set_result(result)
            dialog.show()
        level = "ok" if result.ok else "critical"
        word = self.tr("passed") if result.ok else self.tr("FAILED")
        self._say(self.tr("{0}: restore drill {1} in {2}").format(result.set_name, word, bt.rto_text(result.duration_s))
                  + ("" if result.ok else f": {result.message}"), level)

    def _on_failed(self, op: str, message: str) -> None:
        for name in list(self._panels):
            if message.startswith(f"{name}:"):
                if op == "drill" and name in self._drills:
                    self._drills[name].set_failed(message)
                if op == "verify":
                    self._end_verify(name)
        self._say(message, "critical" if op != "read" or self._bridge.has_backups else "pending")

    # -- messages, theme, state -----------------------------------------------------------------

    def apply_theme(self, name: str) -> None:
        self._theme = get_theme(name).name
        for panel in self._panels.values():
            panel.apply_theme(self._theme)
        self.details.model.set_theme(self._theme)

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("backups/details_header", self.details.table.header_state())

    def restore_state(self, settings: QSettings) -> None:
        state = settings.value("backups/details_header")
        if state:
            self.details.table.restore_header_state(bytes(state))
