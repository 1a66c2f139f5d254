"""The fleet as one table: state, load, network quality and slow facts of every host; add,
edit, import and remove hosts; review host keys and retry logins where a person must act."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from erpconsole.services.models import LOCAL_HOST, LOSS_WINDOW_PROBES, Health, TargetStatus
from erpconsole.ui.hosts.bridge import HostsApi
from erpconsole.ui.hosts.inventory_actions import HostInventoryActions
from erpconsole.ui.common.labels import display_name, seen_cell, status_cell, status_text
from erpconsole.ui.common.message_bar import text_label
from erpconsole.ui.common.target_rows import TargetRowsMixin
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_setup import filter_line, filter_row, mode_combo, rows_table, words_match


def humanise_duration(seconds: float) -> str:
    s = int(seconds)
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


# Fit a 1400 px window without a scroll bar; long texts show whole in the tooltip.
_WIDTHS = {"name": 150, "status": 130, "cpu": 60, "mem": 80, "disk": 100, "load": 55, "latency": 85,
           "loss": 70, "uptime": 95, "os": 150, "kernel": 90, "reboot": 65}


def _pct(v: float) -> str:
    return f"{v:.1f}"


class HostsPage(TargetRowsMixin, QWidget):
    host_requested = Signal(str)

    def __init__(self, bridge: HostsApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._init_rows(bridge)
        self._all_rows: list[dict[str, Any]] = []

        self._build_table()
        self._build_controls()
        self._build_layout()

        self._listen()
        self.inventory_actions = HostInventoryActions(bridge, self)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self._build()

    # -- building ------------------------------------------------------------------------

    def _build_table(self) -> None:
        right = Qt.AlignmentFlag.AlignRight
        self.model = RowsTableModel([
            Column("name", self.tr("Name")),
            Column("status", self.tr("Status")),
            Column("cpu", self.tr("CPU %"), right, _pct),
            Column("mem", self.tr("Memory %"), right, _pct),
            Column("disk", self.tr("Busiest disk"), right, lambda v: f"{v[1]} {v[0]:.0f}%",
                   lambda v: None if v is None else v[0]),
            Column("load", self.tr("Load"), right, lambda v: f"{v:.2f}"),
            Column("latency", self.tr("Latency ms"), right, lambda v: f"{v:.1f}"),
            Column("loss", self.tr("Loss %"), right, lambda v: f"{v:.0f}",
                   heading_tip=self.tr("Share of the last {n} keepalive probes on the kept SSH connection "
                                       "that got no answer in time").format(n=LOSS_WINDOW_PROBES)),
            Column("uptime", self.tr("Uptime"), right, humanise_duration),
            Column("os", self.tr("OS")),
            Column("kernel", self.tr("Kernel")),
            Column("reboot", self.tr("Reboot"), fmt=lambda v: self.tr("required") if v else self.tr("no")),
            Column("last_poll", self.tr("Last poll"), fmt=lambda v: time.strftime("%H:%M:%S", time.localtime(v))),
            # A down host's last good poll; the text is made at each rebuild, so "ago" moves on.
            Column("seen", self.tr("Last seen"), fmt=lambda v: v[1], sort_key=lambda v: None if v is None else v[0],
                   room="14:02 (37 min ago)"),
        ], row_level=lambda r: r["level"])
        self.table = rows_table(self.model, "hostsTable", widths=_WIDTHS, sort=("name", Qt.SortOrder.AscendingOrder),
                                menu=self.context_menu)
        self.table.row_activated.connect(self._on_activated)

    def _build_controls(self) -> None:
        self.filter_edit = filter_line(self.tr("Filter by name, tag or status"), self._rebuild_now)
        self.status_combo = mode_combo((("all", self.tr("All hosts")), ("failing", self.tr("Failing")),
                                        ("attention", self.tr("Needing attention")), ("ok", self.tr("Ok"))),
                                       self._rebuild_now)
        self.add_button = QPushButton(self.tr("Add host…"))
        self.add_button.clicked.connect(self.add_host)
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.edit_button.clicked.connect(lambda: self.edit_host(self.selected_target()))
        self.import_button = QPushButton(self.tr("Import from ~/.ssh/config…"))
        self.import_button.clicked.connect(self.import_hosts)
        self.key_button = QPushButton(self.tr("Review host key…"))
        self.key_button.clicked.connect(lambda: self.review_host_key(self.selected_target()))
        self.retry_button = QPushButton(self.tr("Retry login"))
        self.retry_button.clicked.connect(lambda: self.retry_login(self.selected_target()))
        self.hint = text_label("hostHint")

    def _build_layout(self) -> None:
        top = filter_row(self.filter_edit, self.status_combo)
        for b in (self.add_button, self.edit_button, self.import_button):
            top.addWidget(b)
        actions = QHBoxLayout()
        actions.addWidget(self.hint, 1)
        actions.addWidget(self.key_button)
        actions.addWidget(self.retry_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)

    # -- data ----------------------------------------------------------------------------

    def _on_status(self, status: TargetStatus) -> None:
        if status.kind != "host":
            return  # databases have their own page
        self._status[status.target] = status
        self._dirty = True

    def _row(self, s: TargetStatus) -> dict[str, Any]:
        snap, facts = s.snapshot, s.facts
        host = self._bridge.host_config(s.target)
        disk = snap.busiest_disk if snap else None
        return {
            "name": display_name(s.target),
            "target": s.target,
            "health": s.health,
            "status": status_cell(s),
            "message": s.message,
            "level": s.level,
            "tags": " ".join(host.tags) if host else ("local" if s.target == LOCAL_HOST else ""),
            "cpu": snap.cpu_percent if snap else None,
            "mem": snap.mem_percent if snap else None,
            "disk": (disk.used_percent, disk.mount) if disk else None,
            "load": snap.load[0] if snap and snap.load else None,
            "latency": snap.latency_ms if snap else None,
            "loss": snap.loss_percent if snap else None,
            "uptime": snap.uptime_s if snap else None,
            "os": facts.os_name if facts and facts.os_name else None,
            "kernel": facts.kernel if facts and facts.kernel else None,
            "reboot": facts.reboot_required if facts else None,
            "last_poll": s.last_poll_ts,
            "seen": (s.last_ok_ts or 0.0, seen_cell(s.last_ok_ts, time.time())) if s.health.is_failure else None,
        }

    def _keep(self, row: dict[str, Any]) -> bool:
        mode = self.status_combo.currentData()
        failing = row["health"].is_failure
        if mode == "failing" and not failing:
            return False
        if mode == "attention" and row["level"] not in ("warning", "critical"):
            return False
        if mode == "ok" and row["level"] != "ok":
            return False
        hay = " ".join((row["name"], row["tags"], row["status"], row["health"].value, row["message"]))
        return words_match(self.filter_edit, hay)

    def _build(self) -> None:
        self._built()
        self._all_rows = [self._row(s) for s in self._status.values()]
        if self._show_rows([r for r in self._all_rows if self._keep(r)]):
            self._update_actions()

    # -- selection -------------------------------------------------------------------------

    def _update_actions(self) -> None:
        target = self.selected_target()
        s = self._status.get(target) if target else None
        health = s.health if s else None
        ssh = target is not None and self._bridge.host_config(target) is not None
        self.edit_button.setEnabled(ssh)
        self.key_button.setEnabled(health in (Health.HOSTKEY_UNKNOWN, Health.HOSTKEY_MISMATCH))
        self.retry_button.setEnabled(ssh and health is not None and health.is_failure)
        self.retry_button.setText(self.retry_title(health))
        self.hint.setText(self._hint(s) if s else "")

    def _hint(self, s: TargetStatus) -> str:
        name = s.target
        if s.health is Health.AUTH_FAILED:
            return self.tr("{0}: login refused; polling is stopped so the account is not locked. "
                           "Store the password or key passphrase (Edit… → password, or "
                           "erpconsole secret set ssh:{0}), then Retry login.").format(name)
        if s.health is Health.HOSTKEY_UNKNOWN:
            return self.tr("{0}: the host offered a key the console has not seen. Review host key… "
                           "to compare its fingerprint and trust it.").format(name)
        if s.health is Health.HOSTKEY_MISMATCH:
            return self.tr("{0}: host key changed: possible interception. No connection is made "
                           "until you remove the old key on purpose (Review host key…).").format(name)
        if s.health.is_failure:
            return self.tr("{0}: {1}").format(display_name(name), status_text(s))
        return ""

    # -- actions -------------------------------------------------------------------------

    def _on_activated(self, source_row: int) -> None:
        self.host_requested.emit(self.model.row(source_row)["target"])

    def context_menu(self):
        menu = self.table.context_menu()
        target = self.selected_target()
        s = self._status.get(target) if target else None
        if s is None:
            return menu
        self._add_open_action(menu, self.tr("Open host detail"), self.host_requested, target)
        if s.health in (Health.HOSTKEY_UNKNOWN, Health.HOSTKEY_MISMATCH):
            act = QAction(self.tr("Review host key…"), menu)
            act.triggered.connect(lambda: self.review_host_key(target))
            menu.addAction(act)
        if self._bridge.host_config(target) is not None:
            if s.health.is_failure:
                act = QAction(self.retry_title(s.health), menu)
                act.triggered.connect(lambda: self.retry_login(target))
                menu.addAction(act)
            edit = QAction(self.tr("Edit…"), menu)
            edit.triggered.connect(lambda: self.edit_host(target))
            menu.addAction(edit)
            remove = QAction(self.tr("Remove from inventory…"), menu)
            remove.triggered.connect(lambda: self.remove_host(target))
            menu.addAction(remove)
        return menu

    def _run_dialog(self, dialog: QDialog) -> bool:
        """Modal run of a dialog; tests replace this to answer it."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def _tell(self, title: str, text: str, error: bool = False) -> None:
        box = QMessageBox.warning if error else QMessageBox.information
        box(self, title, text)

    def review_host_key(self, target: str | None) -> None:
        if not target:
            return
        from erpconsole.ui.hosts.trust_key_dialog import TrustKeyDialog

        info = self._bridge.host_key_info(target)
        dialog = TrustKeyDialog(info, self)
        dialog.confirm = self._confirm
        if not self._run_dialog(dialog):
            return
        try:
            if dialog.choice == "trust":
                self._bridge.trust_host_key(target)
            elif dialog.choice == "forget":
                result = self._bridge.forget_host_key(target)
                if result.remaining:
                    self._tell(self.tr("Old key still on file"), self.tr(
                        "The old key is also in your own known_hosts, which the console never edits:\n"
                        "{0}\n\nRemove it yourself with:\n{1}\n\nthen choose Retry login.").format(
                        "\n".join(f"{line.path}:{line.line_no}" for line in result.remaining), result.command))
        except (ValueError, OSError) as exc:
            self._tell(self.tr("Host key"), str(exc), error=True)
        self._dirty = True

    def retry_login(self, target: str | None) -> None:
        if target:
            self._bridge.resume(target)

    def add_host(self) -> None:
        from erpconsole.ui.hosts.host_dialog import HostDialog

        self._run_dialog(HostDialog(self._bridge, None, self))

    def edit_host(self, target: str | None) -> None:
        if not target or self._bridge.host_config(target) is None:
            return
        from erpconsole.ui.hosts.host_dialog import HostDialog

        self._run_dialog(HostDialog(self._bridge, self._bridge.host_config(target), self))

    # The inventory work answers later, by signal (see inventory_actions).

    def remove_host(self, target: str) -> None:
        self.inventory_actions.remove_host(target)

    def import_hosts(self) -> None:
        self.inventory_actions.import_hosts()

    def add_entries(self, entries: list[dict]) -> None:
        self.inventory_actions.add_entries(entries)
