"""One database: who it is and how it is, live charts (short ranges from memory, long ones from
the store), and the tabs where the work happens: activity, statements, tables, replication."""

from __future__ import annotations

import html
import time

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from erpconsole.services.models import DatabaseSnapshot, DbSession, DbTable, TargetStatus
from erpconsole.ui.databases.bridge import DatabasesApi
from erpconsole.ui.common.labels import db_kind_label, db_version_text, display_name, down_since, format_duration, health_text, status_text
from erpconsole.ui.common import detail_scaffold as scaffold
from erpconsole.ui.common.detail_history import DetailHistoryMixin
from erpconsole.ui.common.message_bar import text_label
from erpconsole.ui.common.saved_state import restore_header, restore_splitter
from erpconsole.ui.databases.actions import DbActionRunner
from erpconsole.ui.databases.charts import (
    SIZE_METRIC,
    SeriesMemory,
    charts_for_kind,
    db_chart_specs,
    db_series_name,
    growth_text,
    series_order,
)
from erpconsole.ui.databases.work_tabs import DatabaseWorkTabs
from erpconsole.ui.hosts.host_charts import series_key
from erpconsole.widgets.live_chart import LiveChart
from erpconsole.widgets.ring_buffer import RingBuffer
from erpconsole.widgets.status_badge import StatusBadge
from erpconsole.widgets.theme import current_theme_name, status_color
from erpconsole.widgets.units import humanise_bytes

LIVE_CAPACITY = 3600
_HEADERS = ("activity", "statements", "tables", "indexes", "sequences", "replication")


class DatabaseDetailPage(DetailHistoryMixin, QWidget):
    def __init__(self, bridge: DatabasesApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._specs = db_chart_specs()
        self._order = series_order(self._specs)
        self._live = SeriesMemory(LIVE_CAPACITY)
        self._live_series = self._live
        self._series_name = db_series_name
        self._last_ts: dict[str, float] = {}
        self._status: dict[str, TargetStatus] = {}
        self._fits: set[str] = {spec.key for spec in self._specs}  # the charts the kind shown can fill
        self._kind: str | None = None  # None: the charts not yet fitted to the kind shown
        self._init_history()
        self._tabs_dirty = False
        self._theme = current_theme_name()
        self._build()
        self.runner = DbActionRunner(bridge, self)
        self.runner.message_changed.connect(self._on_action_message)
        self.runner.busy_changed.connect(self._on_busy)
        self.activity.action_requested.connect(self._on_session_action)
        self.tables.action_requested.connect(self._on_table_action)
        bridge.status_changed.connect(self._on_status)
        for status in bridge.statuses():
            self._on_status(status)

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        top = self._build_header()
        self.message = text_label(rich=True)
        scroll = self._build_charts()
        self.work = DatabaseWorkTabs()
        # Short names for what tests and the window reach into.
        self.activity, self.statements, self.tables, self.replication = self.work.panels()
        self.tabs, self.busy, self.action_line = self.work.tabs, self.work.busy, self.work.action_line
        self.splitter = scaffold.vertical_split(scroll, self.work, (1, 1))
        self.splitter.setSizes([430, 400])
        self.empty_label = QLabel(self._empty_text())
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body = QStackedWidget()
        self.body.addWidget(self.splitter)
        self.body.addWidget(self.empty_label)
        self.body.setCurrentIndex(1)
        # No database: no empty picker and no badge of nothing, only what to add.
        self.header = QWidget()
        top.setContentsMargins(0, 0, 0, 0)
        self.header.setLayout(top)
        self.header.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.message)
        layout.addWidget(self.body, 1)

    def _empty_text(self) -> str:
        path = self._bridge.inventory_path
        where = path or self.tr("a new inventory file (or start with --inventory FILE)")
        return self.tr("No database is watched yet. To watch one, press Add database on the Databases page: "
                       "it is written to {0} and watched at once, no restart. A [[databases]] block with a "
                       "name and a url in that file does the same at the next start.").format(where)

    def _build_header(self) -> QHBoxLayout:
        self.target_box = scaffold.target_picker(200, self._on_target_box)
        self.badge = StatusBadge()
        self.version_label = QLabel()
        self.version_label.setObjectName("dbVersion")
        font = self.version_label.font()
        font.setBold(True)
        self.version_label.setFont(font)
        self.uptime_label = QLabel()
        top = scaffold.header_row(self.tr("Database:"), self.target_box, self.badge)
        top.addWidget(self.version_label)
        top.addWidget(self.uptime_label)
        top.addStretch(1)
        self.range_group, self.source_label = scaffold.add_range_controls(self, top, self._range_s, self.set_range)
        return top

    def _build_charts(self) -> QScrollArea:
        self.charts: dict[str, LiveChart] = {}
        grid_host = QWidget()
        self._grid = QGridLayout(grid_host)
        self._grid.setSpacing(8)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        for spec in self._specs:
            chart = LiveChart(spec.title, unit=spec.unit, y_range=spec.y_range, capacity=LIVE_CAPACITY)
            chart.setMinimumHeight(200)
            chart.setVisible(not spec.hide_when_empty)
            self.charts[spec.key] = chart
        self._relayout_charts()
        return scaffold.chart_scroll(grid_host)

    def _relayout_charts(self) -> None:
        """Two columns of the charts that have data to show, with no holes where one is hidden."""
        for chart in self.charts.values():
            self._grid.removeWidget(chart)
        shown = [c for c in self.charts.values() if not c.isHidden()]
        for i, chart in enumerate(shown):
            self._grid.addWidget(chart, i // 2, i % 2)
        for chart in self.charts.values():
            if chart.isHidden():
                self._grid.addWidget(chart, len(shown), 0)  # stays owned by the grid, out of sight

    # -- public --------------------------------------------------------------------------

    def targets(self) -> list[str]:
        return [self.target_box.itemData(i) for i in range(self.target_box.count())]

    def set_target(self, target: str) -> None:
        scaffold.show_in_picker(self.target_box, target, self._show_target)

    def apply_theme(self, name: str) -> None:
        self._theme = name
        for chart in self.charts.values():
            chart.apply_theme(name)
        self.work.apply_theme(name)
        self._show_header()

    def refresh(self) -> None:
        self._refresh_store()
        size_changed = self.charts["size"].is_dirty()
        for chart in self.charts.values():
            chart.refresh()
        if size_changed:
            self._update_growth()
        if self._tabs_dirty:
            self._fill_tabs()

    def save_state(self, settings: QSettings) -> None:
        self._save_view(settings, "database_detail")
        settings.setValue("database_detail/splitter", self.splitter.saveState())
        settings.setValue("database_detail/tab", self.tabs.currentIndex())
        settings.setValue("database_detail/long_s", self.activity.long_s.value())
        for key, view in zip(_HEADERS, self.work.views()):
            settings.setValue(f"database_detail/{key}", view.header_state())

    def restore_state(self, settings: QSettings) -> None:
        restore_splitter(settings, "database_detail/splitter", self.splitter)
        for key, view in zip(_HEADERS, self.work.views()):
            restore_header(settings, f"database_detail/{key}", view)
        self.tabs.setCurrentIndex(int(settings.value("database_detail/tab", 0)))
        self.activity.long_s.setValue(int(settings.value("database_detail/long_s", self.activity.long_s.value())))
        self._restore_view(settings, "database_detail")

    def status(self) -> TargetStatus | None:
        return self._status.get(self._target) if self._target else None

    # -- live data -----------------------------------------------------------------------

    def _on_status(self, status: TargetStatus) -> None:
        if status.kind != "database" or not self._bridge.is_watched(status.target):
            return
        self._status[status.target] = status
        if self.target_box.findData(status.target) < 0:
            self.target_box.addItem(display_name(status.target), status.target)
            self.body.setCurrentIndex(0)
            self.header.show()
        snap = status.snapshot
        if isinstance(snap, DatabaseSnapshot) and self._last_ts.get(status.target) != snap.ts:
            self._last_ts[status.target] = snap.ts
            self._live.remember(snap.samples())
            if status.target == self._target:
                self._append_live(snap)
                self._tabs_dirty = True
        if status.target == self._target:
            self._show_header()
            self._fit_charts_to_kind()

    def _fit_charts_to_kind(self) -> None:
        """Only the charts this kind of database can fill: SQLite's would wait for data forever."""
        kind = self._target_kind()
        if kind == self._kind:
            return
        self._kind = kind
        self._fits = set(charts_for_kind(kind, self._specs))
        for spec in self._specs:
            chart = self.charts[spec.key]
            if spec.key not in self._fits:
                chart.setVisible(False)
            elif not spec.hide_when_empty or chart.series_keys():
                chart.setVisible(True)
        self._relayout_charts()

    def _target_kind(self) -> str:
        status = self.status()
        if status is not None and isinstance(status.snapshot, DatabaseSnapshot) and status.snapshot.kind:
            return status.snapshot.kind
        return self._bridge.database_kind(self._target) if self._target else ""

    def _reveal(self, chart: LiveChart, added: bool) -> None:
        """A hidden chart with data to show is shown, and the grid closes up around it."""
        if chart.isHidden() and any(self.charts[k] is chart for k in self._fits):
            chart.setVisible(True)
            self._relayout_charts()

    def _show_buffer(self, chart: LiveChart, key: str, buf: RingBuffer) -> None:
        # A copy: the live points of a database are appended to the chart one by one.
        chart.set_history(key, *buf.arrays())

    def _append_live(self, snap: DatabaseSnapshot) -> None:
        for s in sorted(snap.samples(), key=lambda s: self._order((s.metric, s.label))):
            found = self._chart_for(s.metric, s.label)
            if found is not None:
                found[0].append(found[1], s.ts, s.value)

    def _on_target_box(self, index: int) -> None:
        target = self.target_box.itemData(index)
        if target:
            self._show_target(target)

    def _show_target(self, target: str) -> None:
        self._reset_charts(target)
        self._kind = None
        self._fit_charts_to_kind()
        self._show_source(target)
        self._show_header()
        self._fill_tabs()
        self._update_growth()

    # -- header, growth, tabs ------------------------------------------------------------------

    def _show_header(self) -> None:
        status = self.status()
        if status is None:
            return
        self.badge.set_status(status.level, status_text(status))
        snap = status.snapshot if isinstance(status.snapshot, DatabaseSnapshot) else None
        self.version_label.setText(db_version_text(snap.kind, snap.version) if snap else "")
        uptime = snap.uptime_s if snap else None
        self.uptime_label.setText(self.tr("up {0}").format(format_duration(uptime, precise=False))
                                  if uptime is not None else "")
        lines = []
        if status.health.is_failure and status.message:
            lines.append(self._line("critical", health_text(status.health, status.message)))
        if status.health.is_failure:
            lines.append(self._line("critical", down_since(status, time.time())))
        for f in status.findings:
            lines.append(self._line(f.severity.value, f.message))
        if snap is not None and snap.note("rates"):  # why the rate charts have a gap
            lines.append(self._line("pending", snap.note("rates")))
        self.message.setText("<br>".join(lines))
        self.message.setVisible(bool(lines))

    def _line(self, level: str, text: str) -> str:
        color = status_color(level, self._theme)
        return f'<span style="color:{color}">&#9632;</span>&nbsp;{html.escape(text)}'

    def findings_text(self) -> str:
        return self.message.text()

    def _update_growth(self) -> None:
        chart = self.charts["size"]
        key = series_key(SIZE_METRIC, "")
        title = self.tr("Database size")
        if chart.has_series(key):
            ts, values = chart.series_data(key)
            if len(values):
                title += ": " + humanise_bytes(float(values[-1]))
                growth = growth_text(ts, values, time.time() - self._range_s)
                if growth:
                    title += self.tr(", {0}").format(growth)
        chart.set_title(title)

    def growth(self) -> str:
        return self.charts["size"].title()

    def _fill_tabs(self) -> None:
        self._tabs_dirty = False
        status = self.status()
        snap = status.snapshot if status is not None and isinstance(status.snapshot, DatabaseSnapshot) else None
        self.work.fill(snap or DatabaseSnapshot(self._target or "", 0.0, ""))

    # -- actions -------------------------------------------------------------------------

    def _kind_text(self) -> str:
        status = self.status()
        snap = status.snapshot if status is not None else None
        return db_kind_label(snap.kind) if isinstance(snap, DatabaseSnapshot) else ""

    def _on_session_action(self, action: str, session: DbSession) -> None:
        if self._target is None:
            return
        subject = {"query": session.query} if action == "explain" else {"pid": session.pid}
        self.runner.request(self._target, self._kind_text(), action, **subject)

    def _on_table_action(self, action: str, table: DbTable) -> None:
        if self._target is not None:
            self.runner.request(self._target, self._kind_text(), action, table=table.name, schema=table.schema)

    def _on_action_message(self, text: str, level: str) -> None:
        self.work.say(text, level, self._theme)

    def _on_busy(self, running: int) -> None:
        self.work.show_busy(running)
