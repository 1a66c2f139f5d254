"""What a listing page of targets (hosts, databases) does alike with its table: the rows as
shown, one target's row, the selection by target name, found again after a rebuild, the
statuses forgotten when the inventory drops a target, and a rebuild at most once a second."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from erpconsole.services.models import Health, TargetStatus
from erpconsole.widgets.table_model import RowsTableModel
from erpconsole.widgets.table_setup import select_row, selected_row
from erpconsole.widgets.table_view import DataTableView

REFRESH_S = 1.0  # the table is rebuilt at most once a second
SEEN_REPAINT_S = 20.0  # a down target's "last seen … ago" is made again this often


class TargetRowsMixin:
    """For a page whose ``model`` holds dict rows with a "target" key, shown by ``table``, with
    its statuses in ``_status`` and a ``_build`` that rebuilds the rows."""

    table: DataTableView
    model: RowsTableModel
    _bridge: Any
    _status: dict[str, TargetStatus]
    _dirty: bool
    _last_build: float

    def _init_rows(self, bridge: Any) -> None:
        self._bridge = bridge
        self._status = {}
        self._dirty = True
        self._last_build = 0.0

    def _listen(self) -> None:
        """The statuses known now, then each one as it comes; the inventory's changes."""
        for status in self._bridge.statuses():
            self._on_status(status)
        self._bridge.status_changed.connect(self._on_status)
        self._bridge.hosts_changed.connect(self._forget_removed)

    def _on_status(self, status: TargetStatus) -> None:
        raise NotImplementedError

    def rows(self) -> list[dict[str, Any]]:
        return self.model.rows()

    def row_for(self, target: str) -> dict[str, Any] | None:
        return next((r for r in self.model.rows() if r["target"] == target), None)

    def retry_title(self, health: Health | None) -> str:
        """A refused login is tried again by a person; any other failure is polled now, without
        waiting out its backoff (the on-call person is watching it come back)."""
        if health is None or health.needs_user or not health.is_failure:
            return self.tr("Retry login")
        return self.tr("Retry now")

    def selected_target(self) -> str | None:
        row = selected_row(self.table, self.model)
        return row["target"] if row is not None else None

    def select(self, target: str) -> None:
        select_row(self.table, self.model, lambda r: r["target"] == target)

    # -- rebuilding ----------------------------------------------------------------------

    def _build(self) -> None:
        raise NotImplementedError

    def _rebuild_now(self, *_args) -> None:
        self._build()

    def refresh(self) -> None:
        """Called by the window's 10 Hz timer while visible; rebuilds at most once a second."""
        since = time.monotonic() - self._last_build
        if not self._dirty and since >= SEEN_REPAINT_S and any(s.health.is_failure for s in self._status.values()):
            self._dirty = True  # no news, but the minutes since a down target was seen go on
        if self._dirty and since >= REFRESH_S:
            self._build()

    def _built(self) -> None:
        """Marks a rebuild begun now: what came in before it is in it."""
        self._last_build = time.monotonic()
        self._dirty = False

    def _show_rows(self, rows: list[dict[str, Any]]) -> bool:
        """Replaces the rows, the selected target selected again; False when nothing changed
        (an unchanged table is left alone, so a selection and a scroll position stay put)."""
        if rows == self.model.rows():
            return False
        selected = self.selected_target()
        self.model.set_rows(rows)
        if selected is not None:
            self.select(selected)
        return True

    def _forget_removed(self) -> None:
        """The statuses of targets the inventory no longer holds go."""
        known = set(self._bridge.targets())
        for name in [n for n in self._status if n not in known]:
            del self._status[name]
        self._dirty = True

    def _add_open_action(self, menu: QMenu, text: str, requested: SignalInstance, target: str) -> None:
        menu.addSeparator()
        action = QAction(text, menu)
        action.triggered.connect(lambda: requested.emit(target))
        menu.addAction(action)
