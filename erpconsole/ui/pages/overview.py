"""One big tile per host: status colour, CPU / memory / busiest disk, 15-minute sparkline;
a banner when data stops arriving (on a wall display, stale is worse than red)."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from erpconsole.services.models import TargetStatus
from erpconsole.ui.bridge import ServiceBridge
from erpconsole.ui.labels import display_name, health_text
from erpconsole.widgets.metric_tile import MetricTile
from erpconsole.widgets.ring_buffer import RingBuffer

SPARK_SECONDS = 15 * 60
STALE_INTERVALS = 3  # no news for this many poll intervals: the tile says "stale"
TILE_MIN_WIDTH = 320
TILE_MAX_WIDTH = 640
TILE_MAX_HEIGHT = 400


def _finding_level(status: TargetStatus, check: str) -> str:
    worst = "ok"
    for f in status.findings:
        if f.check == check:
            if f.severity.value == "critical":
                return "critical"
            if f.severity.value == "warning":
                worst = "warning"
    return worst


class OverviewPage(QWidget):
    host_requested = Signal(str)

    def __init__(self, bridge: ServiceBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._tiles: dict[str, MetricTile] = {}
        self._cpu: dict[str, RingBuffer] = {}
        self._status: dict[str, TargetStatus] = {}
        self._dirty: set[str] = set()
        self._last_snapshot_ts: dict[str, float] = {}
        self._columns = 0

        self.banner = QLabel()
        self.banner.setObjectName("staleBanner")
        self.banner.setWordWrap(True)
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setSpacing(12)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._grid_host)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(scroll)

        self._history_requests: dict[int, str] = {}
        bridge.history_loaded.connect(self._on_history)
        for status in bridge.statuses():
            self._on_status(status)
        bridge.status_changed.connect(self._on_status)
        bridge.hosts_changed.connect(self._on_hosts_changed)

    def tile(self, target: str) -> MetricTile:
        return self._tiles[target]

    def tiles(self) -> dict[str, MetricTile]:
        return dict(self._tiles)

    def _ensure_tile(self, target: str) -> MetricTile:
        tile = self._tiles.get(target)
        if tile is None:
            tile = MetricTile(target)
            tile.set_title(display_name(target))
            tile.setMinimumSize(TILE_MIN_WIDTH, 200)
            # One host alone should not become a wall-sized tile; many should stay readable.
            tile.setMaximumSize(TILE_MAX_WIDTH, TILE_MAX_HEIGHT)
            tile.activated.connect(self.host_requested)
            self._tiles[target] = tile
            self._cpu[target] = RingBuffer(2048)
            self._relayout(force=True)
            # After a restart the sparkline starts from the store, not from nothing.
            now = time.time()
            self._history_requests[self._bridge.request_history(target, now - SPARK_SECONDS, now)] = target
        return tile

    def _on_status(self, status: TargetStatus) -> None:
        if not self._bridge.is_watched(status.target):
            return  # a late word from a host removed since
        self._ensure_tile(status.target)
        self._status[status.target] = status
        snap = status.snapshot
        if snap is not None and snap.cpu_percent is not None and self._last_snapshot_ts.get(status.target) != snap.ts:
            self._last_snapshot_ts[status.target] = snap.ts
            self._cpu[status.target].append(snap.ts, snap.cpu_percent)
        self._dirty.add(status.target)

    def _on_hosts_changed(self) -> None:
        """A host removed or renamed leaves the wall at once, not as a 'stale' tile forever."""
        watched = set(self._bridge.targets())
        for target in [t for t in self._tiles if t not in watched]:
            tile = self._tiles.pop(target)
            self._grid.removeWidget(tile)
            tile.deleteLater()
            for table in (self._cpu, self._status, self._last_snapshot_ts):
                table.pop(target, None)
            self._dirty.discard(target)
        self._relayout(force=True)
        self.refresh()

    def _on_history(self, target: str, rid: int, data: dict) -> None:
        if self._history_requests.pop(rid, None) != target:
            return
        ts, values = data.get(("cpu.percent", ""), ((), ()))
        if len(ts) == 0:
            return
        buf = self._cpu[target]
        live_ts, live_values = buf.arrays()
        older = ts < (live_ts[0] if len(live_ts) else float("inf"))
        buf.clear()
        buf.extend(ts[older], values[older])
        buf.extend(live_ts, live_values)
        self._dirty.add(target)

    def _tile_values(self, status: TargetStatus) -> list[tuple[str, str, str]]:
        s = status.snapshot
        if s is None:
            return [(self.tr("CPU"), "–", "pending"), (self.tr("Memory"), "–", "pending"), (self.tr("Disk"), "–", "pending")]
        cpu = "–" if s.cpu_percent is None else f"{s.cpu_percent:.0f}%"
        mem = "–" if s.mem_percent is None else f"{s.mem_percent:.0f}%"
        disk = s.busiest_disk
        disk_caption = self.tr("Disk {0}").format(disk.mount) if disk else self.tr("Disk")
        disk_text = f"{disk.used_percent:.0f}%" if disk else "–"
        return [
            (self.tr("CPU"), cpu, _finding_level(status, "load_per_core")),
            (self.tr("Memory"), mem, _finding_level(status, "mem_used")),
            (disk_caption, disk_text, _finding_level(status, "disk_used")),
        ]

    def _is_stale(self, status: TargetStatus, now: float) -> bool:
        """Believed fine but silent. A failing host already says what is wrong (and one waiting
        for a person, or backing off, is not expected to report)."""
        if status.health.is_failure or status.last_poll_ts is None:
            return False
        return now - status.last_poll_ts > STALE_INTERVALS * status.interval_s + 2

    def refresh(self) -> None:
        now = time.time()
        stale = [s for s in self._status.values() if self._is_stale(s, now)]
        for target in list(self._dirty) + [s.target for s in stale]:
            self._paint_tile(self._status[target], now)
        self._dirty.clear()
        if stale:
            names = ", ".join(display_name(s.target) for s in stale)
            self.banner.setText(self.tr("No fresh data from: {0}").format(names))
        self.banner.setVisible(bool(stale))

    def _paint_tile(self, status: TargetStatus, now: float) -> None:
        tile = self._tiles[status.target]
        level, text = status.level, health_text(status.health, status.message)
        if self._is_stale(status, now):
            age = now - (status.last_poll_ts or now)
            level, text = "stale", self.tr("stale: no data for {0} s").format(int(age))
        elif level in ("warning", "critical") and not status.health.is_failure and status.findings:
            text = status.findings[0].message
        tile.set_status(level, text)
        tile.set_values(self._tile_values(status))
        ts, values = self._cpu[status.target].arrays()
        tile.set_sparkline(values[ts >= now - SPARK_SECONDS])

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._relayout()

    def _relayout(self, force: bool = False) -> None:
        columns = max(1, (self.width() - 24) // (TILE_MIN_WIDTH + 12))
        columns = min(columns, max(1, len(self._tiles)))
        if columns == self._columns and not force:
            return
        self._columns = columns
        for tile in self._tiles.values():
            self._grid.removeWidget(tile)
        for i, target in enumerate(sorted(self._tiles, key=str.lower)):
            self._grid.addWidget(self._tiles[target], i // columns, i % columns)
