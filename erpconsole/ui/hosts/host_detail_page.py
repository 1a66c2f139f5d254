"""Live charts of one host, a range selector (short ranges from memory, long ones from the
store) and the top processes."""

from __future__ import annotations

import time

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from erpconsole.services import metrics
from erpconsole.services.models import Health, HostSnapshot, TargetStatus
from erpconsole.ui.common import detail_scaffold as scaffold
from erpconsole.ui.common.detail_history import DetailHistoryMixin
from erpconsole.ui.common.labels import display_name, down_since, health_label, status_text
from erpconsole.ui.common.saved_state import restore_header, restore_splitter
from erpconsole.ui.common.target_rows import SEEN_REPAINT_S
from erpconsole.ui.hosts.bridge import HostsApi
from erpconsole.ui.hosts.host_charts import chart_specs, series_name
from erpconsole.ui.hosts.process_table import ProcessTable
from erpconsole.ui.common.series_store import LIVE_CAPACITY, SeriesStore
from erpconsole.widgets.elided_label import ElidedLabel
from erpconsole.widgets.live_chart import LiveChart
from erpconsole.widgets.status_badge import StatusBadge

# The store answers series in name order ("load.1", "load.15", "load.5"): legends follow the
# declarations instead, and cores and sensors their number.
_RANK = {m.name: i for i, m in enumerate(metrics.series_metrics())}


def _order(key: tuple[str, str]) -> tuple[int, int, str]:
    metric, label = key
    return _RANK.get(metric, len(_RANK)), int(label) if label.isdigit() else -1, label


class HostDetailPage(DetailHistoryMixin, QWidget):
    def __init__(self, bridge: HostsApi, parent: QWidget | None = None, *,
                 series: SeriesStore | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._specs = chart_specs()
        # The live ranges draw these buffers themselves; the overview shares them.
        self._series = series if series is not None else SeriesStore(LIVE_CAPACITY)
        self._live_series = self._series
        self._order = _order
        self._series_name = series_name
        self._last_ts: dict[str, float] = {}
        self._seen_status: TargetStatus | None = None  # the shown host while its polls fail
        self._seen_painted = 0.0
        self._init_history()
        self._build()
        bridge.status_changed.connect(self._on_status)
        bridge.hosts_changed.connect(self._on_hosts_changed)
        for status in bridge.statuses():
            self._on_status(status)

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        self.host_box = scaffold.target_picker(220, self._on_host_box)
        self.badge = StatusBadge()
        self.message = ElidedLabel(Qt.TextElideMode.ElideRight)  # a long finding never widens the window
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = scaffold.header_row(self.tr("Host:"), self.host_box, self.badge)
        top.addWidget(self.message, 1)
        self.range_group, self.source_label = scaffold.add_range_controls(self, top, self._range_s, self.set_range)

        self.charts: dict[str, LiveChart] = {}
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setSpacing(8)
        for i, spec in enumerate(self._specs):
            chart = LiveChart(spec.title, unit=spec.unit, y_range=spec.y_range, capacity=LIVE_CAPACITY)
            chart.setMinimumHeight(220)
            chart.setVisible(not spec.hide_when_empty)
            self.charts[spec.key] = chart
            grid.addWidget(chart, i // 2, i % 2)
        scroll = scaffold.chart_scroll(grid_host)

        self.processes = ProcessTable()
        self.splitter = scaffold.vertical_split(scroll, self.processes, (3, 1))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)

    # -- public --------------------------------------------------------------------------

    def set_target(self, target: str) -> None:
        scaffold.show_in_picker(self.host_box, target, self._show_target)

    def apply_theme(self, name: str) -> None:
        for chart in self.charts.values():
            chart.apply_theme(name)

    def refresh(self) -> None:
        self._refresh_store()
        for chart in self.charts.values():
            chart.refresh()
        self._show_seen()

    def _show_seen(self, now: float | None = None) -> None:
        """A down host's "last seen 14:02 (37 min ago)" under the badge, brought up to date
        every 20 s while no news comes."""
        now = time.time() if now is None else now
        if self._seen_status is None or now - self._seen_painted < SEEN_REPAINT_S:
            return
        self._seen_painted = now
        self.message.set_full_text(down_since(self._seen_status, now))

    def save_state(self, settings: QSettings) -> None:
        self._save_view(settings, "host_detail")
        settings.setValue("host_detail/splitter", self.splitter.saveState())
        settings.setValue("host_detail/processes", self.processes.header_state())

    def restore_state(self, settings: QSettings) -> None:
        restore_splitter(settings, "host_detail/splitter", self.splitter)
        restore_header(settings, "host_detail/processes", self.processes)
        self._restore_view(settings, "host_detail")

    # -- live data -----------------------------------------------------------------------

    def _on_status(self, status: TargetStatus) -> None:
        if status.kind != "host" or not self._bridge.is_watched(status.target):
            return  # a late word from a host removed since
        if self.host_box.findData(status.target) < 0:
            self.host_box.addItem(display_name(status.target), status.target)
        snap = status.snapshot
        if snap is not None and self._last_ts.get(status.target) != snap.ts:
            self._last_ts[status.target] = snap.ts
            self._series.record_host(snap)
            if status.target == self._target:
                self._append_live(snap)
                self._show_status(status)
                return
        if status.target == self._target:
            self._show_status(status, processes=status.health.is_failure)

    def _on_hosts_changed(self) -> None:
        watched = set(self._bridge.targets())
        for i in reversed(range(self.host_box.count())):
            target = self.host_box.itemData(i)
            if target not in watched:
                self.host_box.removeItem(i)
                self._series.drop(target)
                self._last_ts.pop(target, None)
                self._seeded.discard(target)

    def _append_live(self, snap: HostSnapshot) -> None:
        """The shared buffers have the point already; a series seen for the first time (a
        mount, a sensor) gets its chart. Store history shown instead takes the point itself."""
        for s in snap.samples():
            found = self._chart_for(s.metric, s.label)
            if found is None:
                continue
            chart, key = found
            if self.uses_store():
                chart.append(key, s.ts, s.value)
            else:
                chart.show_buffer(key, self._series.buffer(snap.target, (s.metric, s.label)))

    def _on_host_box(self, index: int) -> None:
        target = self.host_box.itemData(index)
        if target:
            self._show_target(target)

    def _show_target(self, target: str) -> None:
        self._reset_charts(target)
        self._show_source(target)
        self._show_status(next((s for s in self._bridge.statuses() if s.target == target), None))

    def _show_status(self, status: TargetStatus | None, *, processes: bool = True) -> None:
        """The badge, the finding line and the process table say what is known of the target
        shown, never what the one before showed."""
        if status is None:
            self.badge.set_status("pending", health_label(Health.PENDING))
            self.message.set_full_text("")
            self.processes.show_empty(self.tr("waiting for the first poll: no processes to show yet"))
            return
        self.badge.set_status(status.level, status_text(status))
        self._seen_status = status if status.health.is_failure else None
        self._seen_painted = 0.0
        if self._seen_status is not None:
            self._show_seen()
        else:
            self.message.set_full_text("; ".join(f.message for f in status.findings))
        if not processes:
            return
        if status.health.is_failure:
            self.processes.show_empty(self.tr("{0}: no processes to show").format(health_label(status.health)))
        elif status.snapshot is not None:
            self.processes.set_processes(status.snapshot.processes)
        else:
            self.processes.show_empty(self.tr("waiting for the first poll: no processes to show yet"))
