"""The newest slice of a chart's curve, kept up to date one sample at a time.

A streaming chart gets one new sample per series and frame. Computing the newest slice again
with numpy costs a dozen array calls (tens of microseconds per chart) for a change that moves
at most the newest pixel column's two points. The tail keeps that column's lowest and highest
sample as Python numbers and the slice's points in arrays with room to grow: a sample in the
same column moves at most those two points of the slice's path in place, one in the next
column of the same slice adds two. What it cannot do (a silence, a NaN, another slice, no
room left) it says before changing anything, and the curve computes the slice with numpy
and starts a new tail from it; either way the points are the same.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtGui import QPainterPath

FloatArray = np.ndarray
ROOM = 64  # points a tail can add before it is started again from the numpy slice


class CurveTail:
    """Points of the newest slice ``part`` of a curve, and its path, open at the end.

    Its last two points (raw: its last point) are the newest column's first lowest and last
    highest sample in time order, and the path's last two elements, so either can be moved.
    """

    __slots__ = ("part", "path", "ts", "values", "size", "raw", "column", "lo", "lo_t", "hi", "hi_t", "lo_first")

    def __init__(self, part: int, ts: FloatArray, values: FloatArray, column: int, raw: bool, path: QPainterPath) -> None:
        n = ts.size
        self.part, self.path, self.raw, self.column, self.size = part, path, raw, column, n
        self.ts = np.empty(n + ROOM)
        self.values = np.empty(n + ROOM)
        self.ts[:n] = ts
        self.values[:n] = values
        self.lo = self.hi = self.lo_t = self.hi_t = 0.0
        self.lo_first = True
        if not raw:
            (ta, tb), (va, vb) = ts[-2:].tolist(), values[-2:].tolist()
            # Ties: the first lowest and the last highest, as the numpy path picks them.
            self.lo_first = va <= vb
            (self.lo_t, self.lo), (self.hi_t, self.hi) = ((ta, va), (tb, vb)) if self.lo_first else ((tb, vb), (ta, va))

    @classmethod
    def start(cls, part: int, ts: FloatArray, values: FloatArray, column: int, raw: bool, path: QPainterPath) -> CurveTail | None:
        """A tail from a slice's points and the path drawn from them (one element per finite
        point); None when the slice does not end in whole finite points to move."""
        need = 1 if raw else 2
        if ts.size < need or path.elementCount() < need or not all(map(math.isfinite, values[-need:].tolist())):
            return None
        return cls(part, ts, values, column, raw, path)

    def points(self) -> tuple[FloatArray, FloatArray]:
        return self.ts[: self.size], self.values[: self.size]

    def add(self, t: float, v: float, column: int) -> bool | None:
        """Takes the next sample (finite, in time order, in this slice, no silence before it):
        True when the points drawn changed, False when not, None when the tail cannot take
        it (nothing changed then)."""
        n = self.size
        if self.raw:
            if n == self.ts.size:
                return None
            self._put(n, t, v)
            self.path.lineTo(t, v)
            self.size = n + 1
            return True
        if column == self.column:
            if v < self.lo:  # the newest is the lowest: it comes after the highest
                self.lo, self.lo_t, self.lo_first = v, t, False
            elif v >= self.hi:
                self.hi, self.hi_t, self.lo_first = v, t, True
            else:
                return False
            first, second = ((self.lo_t, self.lo), (self.hi_t, self.hi)) if self.lo_first else ((self.hi_t, self.hi), (self.lo_t, self.lo))
            self._put(n - 2, *first)
            self._put(n - 1, *second)
            last = self.path.elementCount() - 1
            self.path.setElementPositionAt(last - 1, *first)
            self.path.setElementPositionAt(last, *second)
            return True
        if column < self.column or n + 2 > self.ts.size:
            return None
        self.column, self.lo, self.lo_t, self.hi, self.hi_t, self.lo_first = column, v, t, v, t, True
        self._put(n, t, v)
        self._put(n + 1, t, v)
        self.size = n + 2
        # lineTo drops a point equal to the path's last one, and this column's two points must
        # be two elements to be moved later: add another, then put it in place.
        self.path.lineTo(t, v)
        self.path.lineTo(t + 1.0, v)
        self.path.setElementPositionAt(self.path.elementCount() - 1, t, v)
        return True

    def _put(self, i: int, t: float, v: float) -> None:
        self.ts[i] = t
        self.values[i] = v
