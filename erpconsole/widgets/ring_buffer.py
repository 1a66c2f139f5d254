"""A fixed-capacity time series buffer backed by numpy."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


class RingBuffer:
    """The last ``capacity`` (timestamp, value) pairs, oldest first.

    Storage is twice the capacity and written linearly; when the end is reached the newest
    ``capacity`` items are moved to the front once. Appends are amortised O(1) and the
    contents are always one contiguous slice, so :meth:`arrays` returns views with no copy.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self._capacity = int(capacity)
        self._ts = np.empty(2 * self._capacity, dtype=np.float64)
        self._values = np.empty(2 * self._capacity, dtype=np.float64)
        self._end = 0
        self._len = 0
        self._version = 0
        self._rewrites = 0

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def version(self) -> int:
        """Counts changes: a view drawing a buffer someone else fills knows when to redraw."""
        return self._version

    @property
    def rewrites(self) -> int:
        """Counts changes other than :meth:`append` (clear, extend): while it stands still the
        buffer only gained newer items at its end and lost its oldest ones."""
        return self._rewrites

    def __len__(self) -> int:
        return self._len

    def clear(self) -> None:
        self._end = 0
        self._len = 0
        self._version += 1
        self._rewrites += 1

    def append(self, ts: float, value: float) -> None:
        if self._end == self._ts.size:
            self._compact()
        self._ts[self._end] = ts
        self._values[self._end] = value
        self._end += 1
        self._len = min(self._len + 1, self._capacity)
        self._version += 1

    def extend(self, ts: ArrayLike, values: ArrayLike) -> None:
        ts_arr = np.asarray(ts, dtype=np.float64).ravel()
        val_arr = np.asarray(values, dtype=np.float64).ravel()
        if ts_arr.shape != val_arr.shape:
            raise ValueError(f"ts and values differ in length: {ts_arr.size} != {val_arr.size}")
        self._rewrites += 1
        if ts_arr.size >= self._capacity:
            self._ts[: self._capacity] = ts_arr[-self._capacity :]
            self._values[: self._capacity] = val_arr[-self._capacity :]
            self._end = self._len = self._capacity
            self._version += 1
            return
        if self._end + ts_arr.size > self._ts.size:
            self._compact()
        stop = self._end + ts_arr.size
        self._ts[self._end : stop] = ts_arr
        self._values[self._end : stop] = val_arr
        self._end = stop
        self._len = min(self._len + ts_arr.size, self._capacity)
        self._version += 1

    def arrays(self) -> tuple[FloatArray, FloatArray]:
        """Timestamps and values in time order, as read-only views.

        The views are valid until the next mutation; copy them to keep them longer.
        """
        start = self._end - self._len
        ts = self._ts[start : self._end]
        values = self._values[start : self._end]
        ts.flags.writeable = False
        values.flags.writeable = False
        return ts, values

    def first(self) -> tuple[float, float] | None:
        if self._len == 0:
            return None
        start = self._end - self._len
        return float(self._ts[start]), float(self._values[start])

    def last(self) -> tuple[float, float] | None:
        if self._len == 0:
            return None
        return float(self._ts[self._end - 1]), float(self._values[self._end - 1])

    def _compact(self) -> None:
        start = self._end - self._len
        self._ts[: self._len] = self._ts[start : self._end]
        self._values[: self._len] = self._values[start : self._end]
        self._end = self._len
