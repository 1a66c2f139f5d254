"""The recent points of every target's series: one ring buffer per (target, series), owned
here once and read by every view that shows it. The overview's sparkline and the host detail
charts draw the same buffer instead of each keeping a copy."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from erpconsole.services.models import HostSnapshot
from erpconsole.widgets.ring_buffer import RingBuffer

LIVE_CAPACITY = 3600  # an hour at one poll a second, five at the default five seconds
SeriesKey = tuple[str, str]  # (metric, label)


class SeriesStore:
    def __init__(self, capacity: int = LIVE_CAPACITY) -> None:
        self._capacity = capacity
        self._targets: dict[str, dict[SeriesKey, RingBuffer]] = {}
        self._last_ts: dict[str, float] = {}

    @property
    def capacity(self) -> int:
        return self._capacity

    def buffer(self, target: str, key: SeriesKey) -> RingBuffer:
        """The one buffer of this series, made empty the first time it is asked for."""
        series = self._targets.setdefault(target, {})
        buf = series.get(key)
        if buf is None:
            buf = series[key] = RingBuffer(self._capacity)
        return buf

    def series(self, target: str) -> dict[SeriesKey, RingBuffer]:
        return dict(self._targets.get(target, {}))

    def record(self, target: str, ts: float, points: Iterable[tuple[SeriesKey, float]]) -> bool:
        """Appends one poll's points; False, and nothing appended, for a poll already recorded
        (every page that sees a status hands it in, and each poll must count once)."""
        if self._last_ts.get(target) == ts:
            return False
        self._last_ts[target] = ts
        for key, value in points:
            buf = self.buffer(target, key)
            last = buf.last()
            # Already there when the store's history seeded it while this poll was on its
            # way here as a status: each poll once, the buffer in time order.
            if last is None or ts > last[0]:
                buf.append(ts, value)
        return True

    def record_host(self, snap: HostSnapshot) -> bool:
        return self.record(snap.target, snap.ts, (((s.metric, s.label), s.value) for s in snap.samples()))

    def seed(self, target: str, data: dict[SeriesKey, tuple[np.ndarray, np.ndarray]]) -> None:
        """Stored points older than the first live one go in front of it (after a restart the
        live views start from the store, whichever page asked first)."""
        for key, (ts, values) in data.items():
            if len(ts) == 0:
                continue
            buf = self.buffer(target, key)
            live_ts, live_values = (arr.copy() for arr in buf.arrays())
            older = ts < (live_ts[0] if len(live_ts) else float("inf"))
            buf.clear()
            buf.extend(ts[older][-self._capacity:], values[older][-self._capacity:])
            buf.extend(live_ts, live_values)

    def drop(self, target: str) -> None:
        """A host removed from the inventory takes its series along."""
        self._targets.pop(target, None)
        self._last_ts.pop(target, None)
