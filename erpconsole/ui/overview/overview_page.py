"""One big tile per host (CPU / memory / busiest disk) and per database (transactions per
second, connections, cache hit or replication lag), each with a 15-minute sparkline; hosts
first. A banner when data stops arriving (on a wall display, stale is worse than red)."""

from __future__ import annotations

import html
import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

import numpy as np

from erpconsole.services import metrics
from erpconsole.services.models import DatabaseSnapshot, TargetStatus
from erpconsole.ui.overview.bridge import OverviewApi
from erpconsole.ui.common.labels import display_name, down_since, status_text
from erpconsole.ui.backups.text import overview_summary
from erpconsole.ui.common.series_store import SeriesKey, SeriesStore
from erpconsole.ui.sop.text import overdue_summary
from erpconsole.widgets.metric_tile import MetricTile
from erpconsole.widgets.ring_buffer import RingBuffer
from erpconsole.widgets.theme import current_theme_name, get_theme, status_color
from erpconsole.widgets.units import format_value

SPARK_SECONDS = 15 * 60
SEEN_REPAINT_S = 20.0  # how often a down target's "N min ago" is brought up to date
STALE_INTERVALS = 3  # no news for this many poll intervals: the tile says "stale"
TILE_MIN_WIDTH = 320
TILE_MAX_WIDTH = 640
TILE_MAX_HEIGHT = 400


_CPU, _MEM, _DISK = (metrics.metric(n) for n in ("cpu.percent", "mem.percent", "disk.used_percent"))
# The CPU figure turns amber on load per core: a busy CPU alone is no fault.
_CPU_CHECK = metrics.limits("load.1").check
HOST_SPARK: SeriesKey = (_CPU.name, "")
DB_SPARK: SeriesKey = ("db.tps", "")  # commits plus rollbacks per second: the page's own sum


def _figure(value: float | None, unit: str) -> str:
    return "–" if value is None else f"{value:.0f}{unit}"


def _finding_level(status: TargetStatus, check: str) -> str:
    worst = "ok"
    for f in status.findings:
        if f.check == check:
            if f.severity.value == "critical":
                return "critical"
            if f.severity.value == "warning":
                worst = "warning"
    return worst


def _db_tps_history(data: dict) -> tuple[np.ndarray, np.ndarray]:
    """Commits plus rollbacks per second from stored series (one poll writes both at one ts)."""
    ts, commits = data.get(("db.commits_ps", ""), ((), ()))
    rts, rollbacks = data.get(("db.rollbacks_ps", ""), ((), ()))
    ts, commits = np.asarray(ts, dtype=float), np.asarray(commits, dtype=float)
    if len(rts) == len(ts) and np.array_equal(np.asarray(rts, dtype=float), ts):
        commits = commits + np.asarray(rollbacks, dtype=float)
    return ts, commits


def _short_lag(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 100:
        return f"{seconds:.0f}s"
    if seconds < 6000:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.0f}h"


class OverviewPage(QWidget):
    host_requested = Signal(str)
    database_requested = Signal(str)
    backups_requested = Signal()
    sop_requested = Signal()

    def __init__(self, bridge: OverviewApi, parent: QWidget | None = None, *,
                 series: SeriesStore | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._tiles: dict[str, MetricTile] = {}
        # The sparkline draws a host's CPU series from the buffer the host detail charts read.
        self._series = series if series is not None else SeriesStore()
        self._kinds: dict[str, str] = {}
        self._captions: dict[str, tuple[str, str]] = {}  # the sparkline's caption and unit, per tile
        self._seen_painted = 0.0
        self._status: dict[str, TargetStatus] = {}
        self._dirty: set[str] = set()
        self._last_snapshot_ts: dict[str, float] = {}
        self._columns = 0
        self.backup_tile: MetricTile | None = None
        self._backup_views: dict = {}
        self._backups_dirty = False
        self._backups_painted = 0.0
        self._sop_due: list = []
        self._theme = current_theme_name()
        self._build()

        self._history_requests: dict[int, str] = {}
        bridge.history_loaded.connect(self._on_history)
        for status in bridge.statuses():
            self._on_status(status)
        bridge.status_changed.connect(self._on_status)
        bridge.hosts_changed.connect(self._on_hosts_changed)
        bridge.backups_loaded.connect(self._on_backups)
        bridge.sop_due_changed.connect(self._on_sop_due)
        if bridge.backup_configs():
            self._ensure_backup_tile()

    def _build(self) -> None:
        self.banner = QLabel()
        self.banner.setObjectName("staleBanner")
        self.banner.setWordWrap(True)
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        # Overdue SOP runs: a line above the tiles, the way to the SOP page one click away.
        self.sop_banner = QLabel()
        self.sop_banner.setObjectName("sopOverdueBanner")
        self.sop_banner.setWordWrap(True)
        self.sop_banner.setTextFormat(Qt.TextFormat.RichText)
        self.sop_banner.linkActivated.connect(lambda _link: self.sop_requested.emit())
        self.sop_banner.hide()
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
        layout.addWidget(self.sop_banner)
        layout.addWidget(scroll)

    def tile(self, target: str) -> MetricTile:
        return self._tiles[target]

    def tiles(self) -> dict[str, MetricTile]:
        return dict(self._tiles)

    def spark_buffer(self, target: str) -> RingBuffer:
        """The series a tile's sparkline draws: CPU % of a host, transactions/s of a database."""
        return self._series.buffer(target, DB_SPARK if self._kinds.get(target) == "database" else HOST_SPARK)

    def _ensure_tile(self, target: str, kind: str) -> MetricTile:
        tile = self._tiles.get(target)
        if tile is None:
            tile = MetricTile(target)
            tile.set_title(display_name(target))
            tile.setMinimumSize(TILE_MIN_WIDTH, 200)
            # One host alone should not become a wall-sized tile; many should stay readable.
            tile.setMaximumSize(TILE_MAX_WIDTH, TILE_MAX_HEIGHT)
            minutes = SPARK_SECONDS // 60
            if kind == "database":
                tile.sparkline().set_y_range(None)  # transactions per second: scaled to the data
                self._captions[target] = (self.tr("Transactions, last {0} min").format(minutes), "/s")
                tile.activated.connect(self.database_requested)
            else:
                self._captions[target] = (self.tr("CPU, last {0} min").format(minutes), "%")
                tile.activated.connect(self.host_requested)
            tile.set_sparkline_caption(*self._captions[target])
            self._tiles[target] = tile
            self._kinds[target] = kind
            self._relayout(force=True)
            # After a restart the sparkline starts from the store, not from nothing.
            now = time.time()
            self._history_requests[self._bridge.request_history(target, now - SPARK_SECONDS, now)] = target
        return tile

    def _ensure_backup_tile(self) -> MetricTile:
        """One tile for every backup set: the worst set's state and how many are late."""
        if self.backup_tile is None:
            self.backup_tile = MetricTile("backups", self.tr("Backups"))
            self.backup_tile.setMinimumSize(TILE_MIN_WIDTH, 200)
            self.backup_tile.setMaximumSize(TILE_MAX_WIDTH, TILE_MAX_HEIGHT)
            self.backup_tile.activated.connect(lambda _key: self.backups_requested.emit())
            self._backups_dirty = True
            self._relayout(force=True)
        return self.backup_tile

    def _on_backups(self, views: list) -> None:
        for status, findings in views:
            self._backup_views[status.config.name] = (status, list(findings))
        self._ensure_backup_tile()
        self._backups_dirty = True

    def _paint_backup_tile(self, now: float) -> None:
        total = max(len(self._bridge.backup_configs()), len(self._backup_views))
        level, text, values = overview_summary(self._backup_views, total, now)
        self.backup_tile.set_status(level, text)
        self.backup_tile.set_values(values)

    def _on_sop_due(self, due: list) -> None:
        self._sop_due = list(due)
        self._paint_sop_banner()

    def _paint_sop_banner(self) -> None:
        text = overdue_summary(self._sop_due, time.time())
        self.sop_banner.setVisible(bool(text))
        if not text:
            return
        color = status_color("critical", self._theme)
        link = self.tr("Open the SOPs")
        self.sop_banner.setText(f'<span style="color:{color}; font-weight:600; font-size:large">{html.escape(text)}</span>'
                                f' &nbsp; <a href="sop">{html.escape(link)}</a>')
        self.sop_banner.setToolTip("\n".join(d.title for d in self._sop_due if d.overdue))

    def sop_banner_text(self) -> str:
        return overdue_summary(self._sop_due, time.time()) if self.sop_banner.isVisibleTo(self) else ""

    def apply_theme(self, name: str) -> None:
        self._theme = get_theme(name).name
        self._paint_sop_banner()

    def _on_status(self, status: TargetStatus) -> None:
        if not self._bridge.is_watched(status.target):
            return  # a late word from a host removed since
        self._ensure_tile(status.target, status.kind)
        self._status[status.target] = status
        snap = status.snapshot
        if snap is not None and self._last_snapshot_ts.get(status.target) != snap.ts:
            self._last_snapshot_ts[status.target] = snap.ts
            if isinstance(snap, DatabaseSnapshot):
                self._series.record(snap.target, snap.ts, [(DB_SPARK, snap.tps)] if snap.tps is not None else [])
            else:
                self._series.record_host(snap)
        self._dirty.add(status.target)

    def _on_hosts_changed(self) -> None:
        """A host removed or renamed leaves the wall at once, not as a 'stale' tile forever."""
        watched = set(self._bridge.targets())
        for target in [t for t in self._tiles if t not in watched]:
            tile = self._tiles.pop(target)
            self._grid.removeWidget(tile)
            tile.deleteLater()
            for table in (self._status, self._last_snapshot_ts, self._kinds):
                table.pop(target, None)
            self._series.drop(target)
            self._dirty.discard(target)
        self._relayout(force=True)
        self.refresh()

    def _on_history(self, target: str, rid: int, data: dict) -> None:
        if self._history_requests.pop(rid, None) != target or target not in self._tiles:
            return  # not asked for, or the host was removed while the store answered
        if self._kinds.get(target) == "database":
            self._series.seed(target, {DB_SPARK: _db_tps_history(data)})
        else:
            self._series.seed(target, {HOST_SPARK: data.get(HOST_SPARK, ((), ()))})
        self._dirty.add(target)

    def _tile_values(self, status: TargetStatus) -> list[tuple[str, str, str]]:
        if status.kind == "database":
            return self._db_tile_values(status)
        s = status.snapshot
        if s is None:
            return [(_CPU.label_for(), "–", "pending"), (_MEM.label_for(), "–", "pending"),
                    (self.tr("Disk"), "–", "pending")]
        disk = s.busiest_disk
        disk_caption = _DISK.label_for(disk.mount) if disk else self.tr("Disk")
        return [
            (_CPU.label_for(), _figure(_CPU.value(s), _CPU.unit), _finding_level(status, _CPU_CHECK)),
            (_MEM.label_for(), _figure(_MEM.value(s), _MEM.unit), _finding_level(status, _MEM.limits.check)),
            (disk_caption, _figure(disk.used_percent if disk else None, _DISK.unit),
             _finding_level(status, _DISK.limits.check)),
        ]

    def _db_tile_values(self, status: TargetStatus) -> list[tuple[str, str, str]]:
        s = status.snapshot if isinstance(status.snapshot, DatabaseSnapshot) else None
        if s is None:
            return [(self.tr("TPS"), "–", "pending"), (self.tr("Connections"), "–", "pending"),
                    (self.tr("Cache hit"), "–", "pending")]
        tps = "–" if s.tps is None else format_value(s.tps, "", 1 if s.tps < 10 else 0)
        pct = s.connections_percent
        conns = f"{pct:.0f}%" if pct is not None else ("–" if s.connections is None else str(s.connections))
        # Four characters at most: the big numbers must fit the tile ("99.9", not "99.9%").
        hit = s.cache_hit_percent
        third = (self.tr("Cache hit %"), "–" if hit is None else f"{hit:.1f}" if hit < 99.95 else "100",
                 _finding_level(status, "db_cache_hit"))
        if s.is_replica or s.replication_lag_s is not None:
            lag = "–" if s.replication_lag_s is None else _short_lag(s.replication_lag_s)
            third = (self.tr("Lag"), lag, _finding_level(status, "db_replication_lag"))
        return [
            (self.tr("TPS"), tps, "ok"),
            (self.tr("Connections"), conns, _finding_level(status, "db_connections")),
            third,
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
        # A down target's "last seen … (N min ago)" moves on while no news comes.
        down = [s.target for s in self._status.values() if s.health.is_failure] \
            if now - self._seen_painted >= SEEN_REPAINT_S else []
        if down:
            self._seen_painted = now
        for target in set(self._dirty) | {s.target for s in stale} | set(down):
            self._paint_tile(self._status[target], now)
        self._dirty.clear()
        if self.backup_tile is not None and (self._backups_dirty or now - self._backups_painted > 30):
            self._backups_dirty, self._backups_painted = False, now
            self._paint_backup_tile(now)
        if stale:
            names = ", ".join(display_name(s.target) for s in stale)
            self.banner.setText(self.tr("No fresh data from: {0}").format(names))
        self.banner.setVisible(bool(stale))

    def _paint_tile(self, status: TargetStatus, now: float) -> None:
        tile = self._tiles[status.target]
        level, text = status.level, status_text(status)
        if self._is_stale(status, now):
            age = now - (status.last_poll_ts or now)
            level, text = "stale", self.tr("stale: no data for {0} s").format(int(age))
        tile.set_status(level, text)
        caption, unit = self._captions.get(status.target, ("", ""))
        tile.set_sparkline_caption(down_since(status, now) or caption, unit)
        tile.set_values(self._tile_values(status))
        ts, values = self.spark_buffer(status.target).arrays()
        tile.set_sparkline(values[ts >= now - SPARK_SECONDS])

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._relayout()

    def _relayout(self, force: bool = False) -> None:
        columns = max(1, (self.width() - 24) // (TILE_MIN_WIDTH + 12))
        count = len(self._tiles) + (self.backup_tile is not None)
        columns = min(columns, max(1, count))
        if columns == self._columns and not force:
            return
        self._columns = columns
        for tile in self._all_tiles():
            self._grid.removeWidget(tile)
        # Hosts first, then databases, each by name.
        order = sorted(self._tiles, key=lambda t: (self._kinds.get(t) == "database", t.lower()))
        tiles = [self._tiles[t] for t in order] + ([self.backup_tile] if self.backup_tile is not None else [])
        for i, tile in enumerate(tiles):
            self._grid.addWidget(tile, i // columns, i % columns)

    def _all_tiles(self) -> list[MetricTile]:
        return list(self._tiles.values()) + ([self.backup_tile] if self.backup_tile is not None else [])
