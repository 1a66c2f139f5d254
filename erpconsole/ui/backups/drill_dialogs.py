"""The restore drill as the person sees it: a confirmation that names the backup and the scratch
target, then a non-modal window with the phase, a Cancel button, and the result."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget,
)

from erpconsole.guards.urls import mask_url
from erpconsole.services.backups.models import Backup, BackupSetConfig, DrillResult
from erpconsole.ui.common.message_bar import text_label
from erpconsole.ui.backups import text as bt
from erpconsole.ui.common.words import counted
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_view import DataTableView
from erpconsole.widgets.units import humanise_bytes


def _label(text: str = "") -> QLabel:
    return text_label(text=text)


class DrillConfirmDialog(QDialog):
    """Says what will be restored where, and that the scratch target is dropped afterwards."""

    def __init__(self, cfg: BackupSetConfig, backup: Backup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Restore drill: {0}").format(cfg.name))
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(backup.finished))
        size = f", {humanise_bytes(backup.size_bytes)}" if backup.size_bytes else ""
        self.backup_label = _label(self.tr("Backup: {0} ({1}, finished {2}{3})").format(
            backup.id, bt.kind_label(backup.kind), when, size))
        self.target_label = _label(self.tr("Restored into: {0}").format(self.target_text(cfg)))
        self.drop_label = _label(self.tr("The scratch target is dropped afterwards. The backup and the "
                                         "source database are not changed. The drill is written to the audit trail."))
        checks = [self.tr("row counts of {0} compared with {1}").format(", ".join(cfg.key_tables), cfg.database or
                                                                        self.tr("the source"))] if cfg.key_tables else []
        checks += [counted(self, "%n sanity query must return rows", "%n sanity queries must return rows",
                           len(cfg.sanity_queries))] if cfg.sanity_queries else []
        self.checks_label = _label(self.tr("Checks: {0}").format("; ".join(checks) if checks else self.tr(
            "the restore itself (no key tables or sanity queries in the inventory)")))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = buttons.addButton(self.tr("Start drill"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (self.backup_label, self.target_label, self.checks_label, self.drop_label):
            layout.addWidget(w)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def target_text(self, cfg: BackupSetConfig) -> str:
        if cfg.drill_target:
            return self.tr("a scratch database on {0}").format(mask_url(cfg.drill_target))
        if cfg.database:
            return self.tr("a scratch database on the server of {0}").format(cfg.database)
        return self.tr("a scratch folder on {0}").format(cfg.host or self.tr("this workstation"))

    def text(self) -> str:
        return "\n".join(w.text() for w in (self.backup_label, self.target_label, self.checks_label, self.drop_label))


class DrillProgressDialog(QDialog):
    """Non-modal: the console goes on while the drill runs; Cancel asks the bridge to stop."""

    cancel_requested = Signal(str)

    def __init__(self, name: str, backup_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._done = False
        self.setModal(False)
        self.setWindowTitle(self.tr("Restore drill: {0}").format(name))
        self.headline = _label(self.tr("Restoring {0}…").format(backup_id))
        font = self.headline.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.headline.setFont(font)
        self.phase_label = _label(self.tr("starting"))
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.checks = RowsTableModel([Column("name", self.tr("Check")), Column("expected", self.tr("Expected")),
                                      Column("got", self.tr("Got")), Column("result", self.tr("Result"))],
                                     row_level=lambda r: r["level"])
        self.checks_view = DataTableView()
        self.checks_view.set_source_model(self.checks)
        self.checks_view.hide()
        self.button = QPushButton(self.tr("Cancel drill"))
        self.button.clicked.connect(self._on_button)
        layout = QVBoxLayout(self)
        for w in (self.headline, self.phase_label, self.bar, self.checks_view):
            layout.addWidget(w)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(560, 220)

    def set_progress(self, phase: str, fraction: float) -> None:
        if self._done:
            return
        self.phase_label.setText(phase)
        self.bar.setValue(int(max(0.0, min(1.0, fraction)) * 1000))

    def set_result(self, result: DrillResult) -> None:
        self._done = True
        rto = bt.rto_text(result.duration_s)
        target = self.tr(" (target {0})").format(bt.age(result.rto_target_s)) if result.rto_target_s else ""
        if result.ok:
            self.headline.setText(self.tr("Drill passed: restored and checked in {0}{1}").format(rto, target))
        else:
            self.headline.setText(self.tr("Drill FAILED after {0}: {1}").format(rto, result.message))
        age = self.tr("data age at the restore: {0}").format(bt.age(result.data_age_s)) if result.data_age_s is not None else ""
        dropped = self.tr("scratch target {0} dropped").format(result.target) if result.target else ""
        self.phase_label.setText(" · ".join(p for p in (age, dropped, result.message if result.ok else "") if p))
        self.bar.setValue(1000)
        self.checks.set_rows([{"name": c.name, "expected": c.expected, "got": c.got,
                               "result": bt.result_label(c.ok), "level": None if c.ok else "critical"}
                              for c in result.checks])
        self.checks_view.setVisible(bool(result.checks))
        self.checks_view.resizeColumnsToContents()
        self.button.setText(self.tr("Close"))
        self.resize(max(self.width(), 640), max(self.height(), 360 if result.checks else 220))

    def set_failed(self, message: str) -> None:
        self._done = True
        self.headline.setText(self.tr("Drill could not run"))
        self.phase_label.setText(message)
        self.button.setText(self.tr("Close"))

    def is_done(self) -> bool:
        return self._done

    def _on_button(self) -> None:
        if self._done:
            self.close()
            return
        self.button.setEnabled(False)
        self.phase_label.setText(self.tr("cancelling… (the scratch target is dropped before the drill stops)"))
        self.cancel_requested.emit(self.name)
