"""What the detail pages of one target (host detail, database detail) do alike with their
charts' data: short ranges drawn from the recent points in memory, seeded once from the
store's last hour after a restart; long ranges asked of the store and drawn when the answer to
the latest request comes; series joining a chart in one declared order whatever order the data
came in, so colours and legends stay the same from poll to poll and from store to live."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QButtonGroup, QLabel

from erpconsole.ui.common import detail_scaffold as scaffold
from erpconsole.ui.common.words import counted
from erpconsole.ui.hosts.host_charts import ChartSpec, series_key
from erpconsole.widgets.live_chart import LiveChart
from erpconsole.widgets.ring_buffer import RingBuffer

STORE_REFRESH_S = 60.0  # a long range shown is asked of the store again after a minute
SEED_S = 3600.0  # after a restart the live ranges start from the store's last hour
SeriesKey = tuple[str, str]  # (metric, label)


class LiveSeries(Protocol):
    """The recent points of each target's series (the hosts' shared store, the databases' own)."""

    def series(self, target: str) -> dict[SeriesKey, RingBuffer]: ...

    def seed(self, target: str, data: dict[SeriesKey, Any]) -> None: ...


class DetailHistoryMixin:
    """For a detail page with ``charts`` made from ``_specs``, a ``source_label``, a bridge that
    answers ``request_history`` with ``history_loaded`` / ``history_failed``; the page sets what
    differs: ``_live_series`` (where the recent points are), ``_order`` (a sort key of a
    series), ``_series_name``, and may override :meth:`_show_buffer` and :meth:`_reveal`."""

    _bridge: Any
    _specs: list[ChartSpec]
    charts: dict[str, LiveChart]
    range_group: QButtonGroup
    source_label: QLabel
    _live_series: LiveSeries
    _order: Callable[[SeriesKey], Any]
    _series_name: Callable[[str, str], str]
    tr: Callable[..., str]

    def _init_history(self) -> None:
        self._chart_of_metric = {m: spec.key for spec in self._specs for m in spec.metrics}
        self._target: str | None = None
        self._range_s = 300
        self._pending_rid: int | None = None
        self._store_loaded_at = 0.0
        self._seed_requests: dict[int, str] = {}
        self._seeded: set[str] = set()
        self._bridge.history_loaded.connect(self._on_history)
        self._bridge.history_failed.connect(self._on_history_failed)

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

    def set_range(self, seconds: int) -> None:
        self._range_s = scaffold.check_range(self.range_group, seconds)
        if self._target is not None:
            self._show_target(self._target)

    def _show_target(self, target: str) -> None:
        raise NotImplementedError

    def set_target(self, target: str) -> None:
        raise NotImplementedError

    def _save_view(self, settings: QSettings, prefix: str) -> None:
        """The range and the target shown, under ``prefix``/range and ``prefix``/target."""
        settings.setValue(f"{prefix}/range", self._range_s)
        if self._target:
            settings.setValue(f"{prefix}/target", self._target)

    def _restore_view(self, settings: QSettings, prefix: str) -> None:
        # The target first: setting the range then shows it once, in that range.
        target = settings.value(f"{prefix}/target")
        if target:
            self.set_target(str(target))
        self.set_range(int(settings.value(f"{prefix}/range", 300)))

    # -- what the page calls -------------------------------------------------------------

    def _refresh_store(self) -> None:
        if self.uses_store() and time.monotonic() - self._store_loaded_at > STORE_REFRESH_S:
            self._request_store()

    def _reset_charts(self, target: str) -> None:
        """The charts emptied of the last target's series (legends, axis ranges too), hidden
        where they wait for data, set to the range."""
        self._target = target
        for spec in self._specs:
            chart = self.charts[spec.key]
            chart.reset()
            chart.setVisible(not spec.hide_when_empty)
            chart.set_time_window(float(self._range_s))

    def _show_source(self, target: str) -> None:
        """The range's data: asked of the store, or drawn from memory (seeded once)."""
        if self.uses_store():
            self.source_label.setText(self.tr("from the store…"))
            self._request_store()
            return
        self.source_label.setText(self.tr("live"))
        self._show_live(target)
        if target not in self._seeded:
            self._seeded.add(target)
            end = time.time()
            self._seed_requests[self._bridge.request_history(target, end - SEED_S, end)] = target

    def _chart_for(self, metric: str, label: str) -> tuple[LiveChart, str] | None:
        key = self._chart_of_metric.get(metric)
        if key is None:
            return None
        chart = self.charts[key]
        skey = series_key(metric, label)
        added = not chart.has_series(skey)
        if added:
            chart.add_series(skey, self._series_name(metric, label))
        self._reveal(chart, added)
        return chart, skey

    # -- what the page may change --------------------------------------------------------

    def _reveal(self, chart: LiveChart, added: bool) -> None:
        """A chart that gets a new series is shown."""
        if added:
            chart.setVisible(True)

    def _show_buffer(self, chart: LiveChart, key: str, buf: RingBuffer) -> None:
        chart.show_buffer(key, buf)

    # -- history -------------------------------------------------------------------------

    def _show_live(self, target: str) -> None:
        live = self._live_series.series(target)
        for metric, label in sorted(live, key=self._order):
            found = self._chart_for(metric, label)
            if found is not None:
                self._show_buffer(found[0], found[1], live[(metric, label)])

    def _seed(self, target: str, data: dict) -> None:
        self._live_series.seed(target, data)
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
        for metric, label in sorted(data, key=self._order):
            ts, values = data[(metric, label)]
            found = self._chart_for(metric, label)
            if found is not None:
                found[0].set_history(found[1], ts, values)
        points = sum(len(ts) for ts, _v in data.values())
        self.source_label.setText(counted(self, "from the store: %n point", "from the store: %n points", points))

    def _on_history_failed(self, target: str, rid: int, message: str) -> None:
        if rid == self._pending_rid:
            self.source_label.setText(self.tr("store unavailable: {0}").format(message))
