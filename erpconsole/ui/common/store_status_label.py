"""The status bar's word on the store: opening, its size, no store, or (in critical style)
"store: writes failing since HH:MM (disk full)" until writes succeed again."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QLabel, QWidget

from erpconsole.services.models import StoreHealth
from erpconsole.ui.common.bridge_base import StoreReader
from erpconsole.widgets.theme import current_theme_name, status_color

SIZE_TICKS = 30  # status ticks between two measures of the size (it moves slowly)


class StoreStatusLabel(QLabel):
    def __init__(self, reader: StoreReader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storeStatus")
        self._reader = reader
        self._open_failed = False
        self._ticks = 0
        self._theme = current_theme_name()
        reader.store_ready.connect(self.refresh)
        reader.store_health_changed.connect(self._on_health)
        self.refresh()

    def open_failed(self) -> None:
        """The store could not open: live data only."""
        self._open_failed = True
        self._paint()

    def apply_theme(self, name: str) -> None:
        self._theme = name
        self._paint()

    def refresh(self) -> None:
        """The window's status tick: measure the size now and then (off the GUI thread)."""
        if self._ticks % SIZE_TICKS == 0:
            self._reader.refresh_store_size()
        self._ticks += 1
        self._paint()

    def _on_health(self, _health: StoreHealth) -> None:
        self._paint()

    def _paint(self) -> None:
        health = self._reader.store_health
        if not health.ok:
            when = time.strftime("%H:%M", time.localtime(health.since or time.time()))
            self.setText(self.tr("store: writes failing since {0} ({1})").format(when, health.reason))
            self.setToolTip(health.detail)
            self.setProperty("level", "critical")
            self.setStyleSheet(f"color: {status_color('critical', self._theme)}; font-weight: 600;")
            return
        self.setProperty("level", "ok")
        self.setStyleSheet("")
        self.setToolTip("")
        size = self._reader.store_size()
        if size is not None:
            self.setText(self.tr("store {0}").format(human_bytes(size)))
        elif self._open_failed:
            self.setText(self.tr("no store: live data only"))
        else:
            self.setText(self.tr("store opening…"))


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"
