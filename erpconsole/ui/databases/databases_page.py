"""Every watched database as one table: state, version, connections, throughput, cache,
replication and size; Enter or a double click opens its detail page."""

from __future__ import annotations

import time

import html
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from erpconsole.config import default_inventory_path
from erpconsole.services.models import DatabaseSnapshot, Health, TargetStatus
from erpconsole.ui.databases.bridge import DatabasesApi
from erpconsole.ui.common.labels import db_kind_label, db_version_text, display_name, format_duration, lag_text, seen_cell, status_cell
from erpconsole.ui.common.message_bar import empty_page_label
from erpconsole.ui.common.saved_state import restore_header
from erpconsole.ui.common.target_rows import TargetRowsMixin
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_setup import filter_line, filter_row, mode_combo, rows_table, words_match
from erpconsole.widgets.units import humanise_bytes

_WIDTHS = {"name": 140, "kind": 95, "status": 100, "version": 130, "uptime": 80, "connections": 100,
           "conn_pct": 75, "tps": 70, "qps": 70, "cache": 80, "lag": 100, "size": 80}


def _lag_text(v: tuple[float | None, int | None]) -> str:
    seconds, nbytes = v
    parts = []
    if seconds is not None:
        parts.append(lag_text(seconds))
    if nbytes is not None:
        parts.append(humanise_bytes(nbytes))
    return " · ".join(parts)


def _lag_sort(v: tuple[float | None, int | None] | None) -> float | None:
    if v is None:
        return None
    return v[0] if v[0] is not None else (float(v[1]) / 1e12 if v[1] is not None else None)


class DatabasesPage(TargetRowsMixin, QWidget):
    database_requested = Signal(str)

    def __init__(self, bridge: DatabasesApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._init_rows(bridge)
        self._removing: set[str] = set()
        bridge.database_removed.connect(self._on_removed)
        bridge.database_remove_failed.connect(self._on_remove_failed)
        self._build_table()
        self._build_layout()

        self._listen()
        self._build()

    # -- building ------------------------------------------------------------------------

    def _build_table(self) -> None:
        right = Qt.AlignmentFlag.AlignRight
        self.model = RowsTableModel([
            Column("name", self.tr("Name")),
            Column("kind", self.tr("Kind")),
            Column("status", self.tr("Status")),
            Column("version", self.tr("Version")),
            Column("uptime", self.tr("Uptime"), right, lambda v: format_duration(v, precise=False)),
            Column("connections", self.tr("Connections"), right, lambda v: f"{v[0]} / {v[1]}" if v[1] else str(v[0]),
                   lambda v: None if v is None else v[0]),
            Column("conn_pct", self.tr("Conn. %"), right, lambda v: f"{v:.0f}"),
            Column("tps", self.tr("TPS"), right, lambda v: f"{v:.1f}", tip="tps_tip"),
            Column("qps", self.tr("QPS"), right, lambda v: f"{v:.1f}", tip="qps_tip"),
            Column("cache", self.tr("Cache hit %"), right, lambda v: f"{v:.1f}"),
            Column("lag", self.tr("Replication lag"), right, _lag_text, _lag_sort),
            Column("size", self.tr("Size"), right, humanise_bytes),
            Column("seen", self.tr("Last seen"), fmt=lambda v: v[1], sort_key=lambda v: None if v is None else v[0],
                   room="14:02 (37 min ago)"),
            Column("message", self.tr("Message")),
        ], row_level=lambda r: r["level"])
        self.table = rows_table(self.model, "databasesTable", widths=_WIDTHS,
                                sort=("name", Qt.SortOrder.AscendingOrder), menu=self.context_menu)
        self.table.row_activated.connect(self._on_activated)

    def _build_layout(self) -> None:
        self.filter_edit = filter_line(self.tr("Filter by name, kind, status or message"), self._rebuild_now)
        self.status_combo = mode_combo((("all", self.tr("All databases")), ("failing", self.tr("Failing")),
                                        ("attention", self.tr("Needing attention")), ("ok", self.tr("Ok"))),
                                       self._rebuild_now)
        self.empty_label = empty_page_label("databasesEmpty")
        self.add_button = QPushButton(self.tr("&Add database…"))
        self.add_button.clicked.connect(self.add_database)
        self.empty_add_button = QPushButton(self.tr("&Add database…"))
        self.empty_add_button.clicked.connect(self.add_database)
        self.retry_button = QPushButton(self.tr("Retry now"))
        self.retry_button.setToolTip(self.tr("Poll the selected database now, without waiting out its backoff"))
        self.retry_button.clicked.connect(lambda: self.retry(self.selected_target()))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        listing = QWidget()
        top = filter_row(self.filter_edit, self.status_combo)
        top.addWidget(self.retry_button)
        top.addWidget(self.add_button)
        inner = QVBoxLayout(listing)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addLayout(top)
        inner.addWidget(self.table, 1)
        empty = QWidget()
        empty_layout = QVBoxLayout(empty)
        empty_layout.addWidget(self.empty_label)
        empty_layout.addWidget(self.empty_add_button, 0, Qt.AlignmentFlag.AlignLeft)
        empty_layout.addStretch(1)
        self.stack = QStackedWidget()
        self.stack.addWidget(listing)
        self.stack.addWidget(empty)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)

    # -- data ----------------------------------------------------------------------------

    def _on_status(self, status: TargetStatus) -> None:
        if status.kind != "database" or not self._bridge.is_watched(status.target):
            return
        self._status[status.target] = status
        self._dirty = True

    def _row(self, s: TargetStatus) -> dict[str, Any]:
        snap = s.snapshot if isinstance(s.snapshot, DatabaseSnapshot) else None
        lag = (snap.replication_lag_s, snap.replication_lag_bytes) if snap else (None, None)
        message = s.message if s.health.is_failure else (s.findings[0].message if s.findings else s.message)
        return {
            "name": display_name(s.target),
            "target": s.target,
            "health": s.health,
            "level": s.level,
            "kind": db_kind_label(snap.kind if snap else self._bridge.database_kind(s.target)) or None,
            "status": status_cell(s),
            "version": (db_version_text(snap.kind, snap.version) if snap.version else None) if snap else None,
            "uptime": snap.uptime_s if snap else None,
            "connections": (snap.connections, snap.max_connections) if snap and snap.connections is not None else None,
            "conn_pct": snap.connections_percent if snap else None,
            "tps": snap.tps if snap else None,
            "tps_tip": self._no_rate_tip(snap, snap.tps) if snap else None,
            "qps": snap.queries_ps if snap else None,
            "qps_tip": self._no_qps_tip(snap) if snap else None,
            "cache": snap.cache_hit_percent if snap else None,
            "lag": lag if lag != (None, None) else None,
            "size": snap.size_bytes if snap else None,
            "message": message if s.health is not Health.OK or s.findings else "",
            "seen": (s.last_ok_ts or 0.0, seen_cell(s.last_ok_ts, time.time())) if s.health.is_failure else None,
        }

    def _no_rate_tip(self, snap: DatabaseSnapshot, value: float | None) -> str | None:
        """Why a rate's cell is empty: the poll's own word ("not enough time for a rate: ..."),
        else the first poll's."""
        if value is not None:
            return None
        return snap.note("rates") or self.tr("No rate yet: waiting for a second reading of the "
                                             "server's counters (the next poll gives one)")

    def _no_qps_tip(self, snap: DatabaseSnapshot) -> str | None:
        if snap.queries_ps is None and snap.kind == "postgresql":
            return self.tr("PostgreSQL keeps no count of the statements clients send (MySQL's "
                           "Questions): no QPS; TPS counts its transactions")
        return self._no_rate_tip(snap, snap.queries_ps)

    def _keep(self, row: dict[str, Any]) -> bool:
        mode = self.status_combo.currentData()
        if mode == "failing" and not row["health"].is_failure:
            return False
        if mode == "attention" and row["level"] not in ("warning", "critical"):
            return False
        if mode == "ok" and row["level"] != "ok":
            return False
        hay = " ".join(str(row[k] or "") for k in ("name", "kind", "status", "version", "message"))
        return words_match(self.filter_edit, hay + " " + row["health"].value)

    def _build(self) -> None:
        self._update_actions()
        self._built()
        self.stack.setCurrentIndex(0 if self._status else 1)
        if not self._status:
            self.empty_label.setText(self.empty_text())
        self._show_rows([r for r in (self._row(s) for s in self._status.values()) if self._keep(r)])

    def is_empty_state(self) -> bool:
        return self.stack.currentIndex() == 1

    def empty_text(self) -> str:
        path = self._bridge.inventory_path
        where = (self.tr("To watch one, press Add database below, or add a [[databases]] block to the "
                         "inventory <b>{0}</b>:").format(html.escape(path)) if path else
                 self.tr("No inventory file is loaded. To watch a database, press Add database below (it "
                         "creates <b>{0}</b>), or start with --inventory FILE holding a [[databases]] "
                         "block:").format(html.escape(str(default_inventory_path()))))
        example = ('[[databases]]\nname = "erp-db"\nurl = "postgresql+psycopg://monitor@db:5432/erp"')
        return "".join((
            "<h3>", self.tr("No databases are watched"), "</h3>",
            "<p>", where, "</p>",
            "<pre>", html.escape(example), "</pre>",
            "<p>", self.tr("The URL names its driver: postgresql+psycopg://, mysql+pymysql:// (MySQL and "
                           "MariaDB) or sqlite:///path/to/file.db. It holds no password: store it with "
                           "<code>erpconsole secret set db:erp-db</code> (or name an environment variable "
                           "with password_env). An entry written by hand is watched from the next "
                           "start; one added here, at once."), "</p>",
        ))

    # -- selection -------------------------------------------------------------------------

    def _on_activated(self, source_row: int) -> None:
        self.database_requested.emit(self.model.row(source_row)["target"])

    def _update_actions(self) -> None:
        target = self.selected_target()
        s = self._status.get(target) if target else None
        health = s.health if s else None
        self.retry_button.setEnabled(health is not None and health.is_failure)
        self.retry_button.setText(self.retry_title(health))

    def retry(self, target: str | None) -> None:
        """Poll now: a database back after an outage need not wait out its backoff."""
        if target:
            self._bridge.resume(target)

    def context_menu(self):
        menu = self.table.context_menu()
        target = self.selected_target()
        if target is not None:
            self._add_open_action(menu, self.tr("Open database detail"), self.database_requested, target)
            s = self._status.get(target)
            if s is not None and s.health.is_failure:
                act = QAction(self.retry_title(s.health), menu)
                act.triggered.connect(lambda: self.retry(target))
                menu.addAction(act)
            if self._bridge.database_config(target) is not None:
                for text, slot in ((self.tr("&Edit database…"), self.edit_database),
                                   (self.tr("&Remove database…"), self.remove_database)):
                    act = QAction(text, menu)
                    act.triggered.connect(lambda _checked=False, slot=slot: slot(target))
                    menu.addAction(act)
        return menu

    # -- the inventory -----------------------------------------------------------------------

    def add_database(self) -> None:
        from erpconsole.ui.databases.database_dialog import DatabaseDialog

        self._run_dialog(DatabaseDialog(self._bridge, None, self))

    def edit_database(self, target: str | None) -> None:
        cfg = self._bridge.database_config(target) if target else None
        if cfg is None:
            return
        from erpconsole.ui.databases.database_dialog import DatabaseDialog

        self._run_dialog(DatabaseDialog(self._bridge, cfg, self))

    def remove_database(self, target: str) -> None:
        path = self._bridge.inventory_path or ""
        if target in self._removing or not self._confirm(self.tr("Remove database"), self.tr(
                "Stop watching {0} and remove it from {1}? Its password stays in keyring.").format(target, path)):
            return
        self._removing.add(target)
        self._bridge.remove_database(target)

    def _on_removed(self, name: str) -> None:
        self._removing.discard(name)
        self._status.pop(name, None)
        self._rebuild_now()

    def _on_remove_failed(self, name: str, message: str) -> None:
        if name in self._removing:
            self._removing.discard(name)
            self._tell(self.tr("Remove database"), message)

    def _run_dialog(self, dialog: QDialog) -> bool:
        """Modal run of a dialog; tests replace this to answer it."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def _tell(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)

    # -- state ---------------------------------------------------------------------------

    def apply_theme(self, name: str) -> None:
        self.model.set_theme(name)

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("databases/header", self.table.header_state())

    def restore_state(self, settings: QSettings) -> None:
        restore_header(settings, "databases/header", self.table)
