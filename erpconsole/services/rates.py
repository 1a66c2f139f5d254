"""Counters become rates here, and only here (Glances' lesson): monotonic time, first sample
gives no rate, a counter that goes backwards (wrap or reset) gives no rate for that step."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

# Kernel counters wrap at 2**32 on some 32-bit fields and 2**64 elsewhere; a drop bigger than
# this share of the 32-bit range is treated as a reset (reboot, interface re-created).
_WRAP32 = 2**32


class RateTracker:
    """Turns named, ever-growing counters into per-second rates between successive calls."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, min_window_s: float = 0.0
                 ) -> None:
        """``min_window_s``: a sample taken sooner than this after the remembered one gives no
        rate and is not remembered, so the next rate spans the whole window. For a source that
        publishes its counters in steps (PostgreSQL: about once a second), a window shorter
        than a few steps holds zero or two steps' worth and gives a rate of 0 or double."""
        self._clock = clock
        self.min_window_s = min_window_s
        self._last: dict[str, tuple[float, float]] = {}

    def rate(self, key: str, counter: float, now: float | None = None) -> float | None:
        """Rate of ``counter`` per second since the previous call with ``key``; None at first."""
        t = self._clock() if now is None else now
        prev = self._last.get(key)
        if prev is not None and 0 < t - prev[0] < self.min_window_s:
            return None  # too soon: keep the older sample as the window's start
        self._last[key] = (t, counter)
        if prev is None:
            return None
        t0, c0 = prev
        dt = t - t0
        if dt <= 0:
            return None
        delta = counter - c0
        if delta < 0:
            delta = _unwrap32(c0, counter)
            if delta is None:
                return None
        return delta / dt

    def rates(self, counters: Mapping[str, float], now: float | None = None) -> dict[str, float | None]:
        t = self._clock() if now is None else now
        return {k: self.rate(k, v, t) for k, v in counters.items()}

    def since(self, key: str, now: float | None = None) -> float | None:
        """Seconds from the remembered sample of ``key`` to ``now``; None when there is none."""
        prev = self._last.get(key)
        if prev is None:
            return None
        return (self._clock() if now is None else now) - prev[0]

    def forget(self, key_prefix: str = "") -> None:
        """Drop remembered counters (after a reconnect the next sample is a first one again)."""
        for k in [k for k in self._last if k.startswith(key_prefix)]:
            del self._last[k]


def _unwrap32(old: float, new: float) -> float | None:
    """Delta across a 32-bit wrap, or None when the drop looks like a reset instead."""
    if old < _WRAP32 and new < _WRAP32:
        delta = _WRAP32 - old + new
        # A real wrap happens when the old value was near the top of the range.
        if old > _WRAP32 * 0.75:
            return delta
    return None


def busy_percent(prev: tuple[float, float] | None, cur: tuple[float, float]) -> float | None:
    """CPU busy share from (busy, total) jiffy pairs; None on the first sample or no progress."""
    if prev is None:
        return None
    d_total = cur[1] - prev[1]
    d_busy = cur[0] - prev[0]
    # Per-CPU iowait can run backwards on Linux, so busy (= total - idle - iowait) can dip
    # by a jiffy or two: clamp instead of losing the sample.
    if d_total <= 0:
        return None
    return max(0.0, min(100.0, 100.0 * d_busy / d_total))
