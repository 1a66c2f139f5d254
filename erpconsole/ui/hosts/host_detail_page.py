"""Live charts of one host, a range selector (short ranges from memory, long ones from the
store) and the top processes."""

from __future__ import annotations

import time

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from erpconsole.services import metrics
from erpconsole.services.models import HostSnapshot, TargetStatus
from erpconsole.ui.common import detail_scaffold as scaffold
from erpconsole.ui.common.labels import display_name, health_text
from erpconsole.ui.common.saved_state import restore_header, restore_splitter
from erpconsole.ui.hosts.bridge import HostsApi
from erpconsole.ui.hosts.host_charts import chart_specs, series_key, series_name
from erpconsole.ui.hosts.process_table import ProcessTable
from erpconsole.ui.hosts.series_store import LIVE_CAPACITY, SeriesStore
from erpconsole.widgets.live_chart import LiveChart
from erpconsole.widgets.status_badge import StatusBadge

STORE_REFRESH_S = 60.0
# The store answers series in name order ("load.1", "load.15", "load.5"): legends follow the
# declarations instead, and cores and sensors their number.
_RANK = {m.name: i for i, m in enumerate(metrics.series_metrics())}


def _order(key: tuple[str, str]) -> tuple[int, int, str]:
    metric, label = key
    return _RANK.get(metric, len(_RANK)), int(label) if label.isdigit() else -1, label


class HostDetailPage(QWidget):
    def __init__(self, bridge: HostsApi, parent: QWidget | None = None, *,
                 series: SeriesStore | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._specs = chart_specs()
        self._chart_of_metric = {m: spec.key for spec in self._specs for m in spec.metrics}
        # The live ranges draw these buffers themselves; the overview shares them.
        self._series = series if series is not None else SeriesStore(LIVE_CAPACITY)
        self._last_ts: dict[str, float] = {}
        self._target: str | None = None
        self._range_s = 300
        self._pending_rid: int | None = None
        self._store_loaded_at = 0.0
        self._seed_requests: dict[int, str] = {}
        self._seeded: set[str] = set()
        self._build()
        bridge.status_changed.connect(self._on_status)
        bridge.hosts_changed.connect(self._on_hosts_changed)
        bridge.history_loaded.connect(self._on_history)
        bridge.history_failed.connect(self._on_history_failed)
        for status in bridge.statuses():
            self._on_status(status)

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        self.host_box = scaffold.target_picker(220, self._on_host_box)
        self.badge = StatusBadge()
        self.message = QLabel()
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

    @property
    def target(self) -> str | None:
        return self._target

    @property
    def range_s(self) -> int:
        return self._range_s

    def uses_store(self) -> bool:
        """Short ranges come from the in-memory ring buffers, long ones from the store."""
        return self._range_s > scaffold.LIVE_RANGE_S

    def set_target(self, target: str) -> None:
        scaffold.show_in_picker(self.host_box, target, self._show_target)

    def set_range(self, seconds: int) -> None:
        self._range_s = scaffold.check_range(self.range_group, seconds)
        if self._target is not None:
            self._show_target(self._target)

    def apply_theme(self, name: str) -> None:
        for chart in self.charts.values():
            chart.apply_theme(name)

    def refresh(self) -> None:
        if self.uses_store() and time.monotonic() - self._store_loaded_at > STORE_REFRESH_S:
            self._request_store()
        for chart in self.charts.values():
            chart.refresh()

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("host_detail/range", self._range_s)
        if self._target:
            settings.setValue("host_detail/target", self._target)
        settings.setValue("host_detail/splitter", self.splitter.saveState())
        settings.setValue("host_detail/processes", self.processes.header_state())

    def restore_state(self, settings: QSettings) -> None:
        restore_splitter(settings, "host_detail/splitter", self.splitter)
        restore_header(settings, "host_detail/processes", self.processes)
        target = settings.value("host_detail/target")
        if target:
            self.set_target(str(target))
        self.set_range(int(settings.value("host_detail/range", 300)))

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
                self.processes.set_processes(snap.processes)
        if status.target == self._target:
            self.badge.set_status(status.level, health_text(status.health, status.message))
            self.message.setText(status.findings[0].message if status.findings else "")

    def _on_hosts_changed(self) -> None:
        watched = set(self._bridge.targets())
        for i in reversed(range(self.host_box.count())):
            target = self.host_box.itemData(i)
            if target not in watched:
                self.host_box.removeItem(i)
                self._series.drop(target)
                self._last_ts.pop(target, None)
                self._seeded.discard(target)

    def _chart_for(self, metric: str, label: str) -> tuple[LiveChart, str] | None:
        key = self._chart_of_metric.get(metric)
        if key is None:
            return None
        chart = self.charts[key]
        skey = series_key(metric, label)
        if not chart.has_series(skey):
            chart.add_series(skey, series_name(metric, label))
            chart.setVisible(True)
        return chart, skey

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
        self._target = target
        for spec in self._specs:
            chart = self.charts[spec.key]
            chart.clear()
            chart.setVisible(not spec.hide_when_empty)
            chart.set_time_window(float(self._range_s))
        if self.uses_store():
            self.source_label.setText(self.tr("from the store…"))
            self._request_store()
        else:
            self.source_label.setText(self.tr("live"))
            self._show_live(target)
            if target not in self._seeded:
                # After a restart the live ranges start from the store's last hour.
                self._seeded.add(target)
                end = time.time()
                self._seed_requests[self._bridge.request_history(target, end - 3600, end)] = target
        status = next((s for s in self._bridge.statuses() if s.target == target), None)
        if status is not None:
            self.badge.set_status(status.level, health_text(status.health, status.message))
            if status.snapshot is not None:
                self.processes.set_processes(status.snapshot.processes)

    def _show_live(self, target: str) -> None:
        for (metric, label), buf in sorted(self._series.series(target).items(), key=lambda kv: _order(kv[0])):
            found = self._chart_for(metric, label)
            if found is not None:
                found[0].show_buffer(found[1], buf)

    def _seed(self, target: str, data: dict) -> None:
        self._series.seed(target, data)
        if target == self._target and not self.uses_store():
            self._show_live(target)

    def _request_store(self) -> None:
        self._store_loaded_at = time.monotonic()
        if self._target is not None:
            end = time.time()
            self._pending_rid = self._bridge.request_history(self._target, end - self._range_s, end)

    def _on_history(self, target: str, rid: int, data: dict) -> None:
        if self._seed_requests.pop(rid, None) == target:
            self._seed(target, data)
            return
        if rid != self._pending_rid or target != self._target or not self.uses_store():
            return  # an answer to a request the user has moved on from
        for (metric, label), (ts, values) in sorted(data.items(), key=lambda kv: _order(kv[0])):
            found = self._chart_for(metric, label)
            if found is not None:
                found[0].set_history(found[1], ts, values)
        points = sum(len(ts) for ts, _v in data.values())
        self.source_label.setText(self.tr("from the store: %n point(s)", "", points))

    def _on_history_failed(self, target: str, rid: int, message: str) -> None:
        if rid == self._pending_rid:
            self.source_label.setText(self.tr("store unavailable: {0}").format(message))
