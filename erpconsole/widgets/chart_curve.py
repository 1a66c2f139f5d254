"""A chart's curve: its samples cut down to what the plot's pixels can show, drawn as paths.

A chart 470 pixels wide cannot show 3,600 samples; drawing them all costs a full path build
and rasterisation per frame. Each pixel column keeps its lowest and highest sample instead, in
the order they came, so a one-sample spike is still drawn and the line still reads left to
right. The columns are drawn in a few slices (``CHUNKS``), each one path painted by Qt itself
(no Python ``paint()``); a new sample changes the newest slice, so only that one is changed
and handed to Qt again (and the oldest one, once a full buffer has dropped all of a pixel
column's samples). The newest slice takes a sample without numpy (see chart_tail); the
others, and it when it cannot, are computed with numpy. Hover and CSV export read the
chart's full buffers, never this.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtGui import QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

from erpconsole.widgets.chart_tail import CurveTail
from erpconsole.widgets.qpath import polyline_path
from erpconsole.widgets.ring_buffer import RingBuffer

FloatArray = np.ndarray
GAP_FACTOR = 3.0  # a step this many times the usual one means no data came: break the line
CHUNKS = 12  # slices of the plot's width, each its own path
_NOTHING = np.iinfo(np.int64).min  # no sample id (the ids may be negative)
_STRIDE_FOR_USUAL = 16  # the usual step is the median of every 16th step: cheap, and robust


def usual_step(ts: FloatArray) -> float:
    """The typical step between samples, rounded to a quarter power of two so poll jitter
    does not change it from one frame to the next (0 when it cannot be told)."""
    steps = ts[_STRIDE_FOR_USUAL::_STRIDE_FOR_USUAL] - ts[_STRIDE_FOR_USUAL - 1 : -1 : _STRIDE_FOR_USUAL]
    if steps.size < 3:
        steps = ts[1:] - ts[:-1]
    if steps.size == 0:
        return 0.0
    middle = steps.size // 2
    usual = float(np.partition(steps, middle)[middle])
    if not usual > 0:
        return 0.0
    return float(2.0 ** (round(np.log2(usual) * 4) / 4))


def _gap_mask(ts: FloatArray, usual: float) -> np.ndarray:
    """Per step between neighbours, True where the step is a silence (see GAP_FACTOR)."""
    steps = ts[1:] - ts[:-1]
    if usual <= 0:
        return np.zeros(steps.size, dtype=bool)
    return steps > GAP_FACTOR * usual


def _visible_slice(ts: FloatArray, x0: float, x1: float) -> slice:
    """The samples inside [x0, x1] and one neighbour beyond each end, so the line reaches
    the plot's edges."""
    lo = max(0, int(np.searchsorted(ts, x0, side="left")) - 1)
    hi = min(ts.size, int(np.searchsorted(ts, x1, side="right")) + 1)
    return slice(lo, hi)


def _with_breaks(ts: FloatArray, values: FloatArray, after: np.ndarray) -> tuple[FloatArray, FloatArray]:
    """Inserts a NaN point after each index in ``after`` (between it and the next point)."""
    if after.size == 0:
        return ts, values
    mid = (ts[after] + ts[after + 1]) / 2
    return np.insert(ts, after + 1, mid), np.insert(values, after + 1, np.nan)


def column_edges(x0: float, x1: float, columns: int) -> FloatArray:
    """Where each pixel column starts, and the end: ``columns + 1`` times."""
    return np.linspace(x0, x1, columns + 1)


def _columns_of(ts: FloatArray, edges: FloatArray) -> np.ndarray:
    """The pixel column of each sample: -1 before the first, ``columns`` past the last."""
    return np.searchsorted(edges, ts, side="right") - 1


def _min_max(
    ts: FloatArray, values: FloatArray, column: np.ndarray, gaps: np.ndarray
) -> tuple[FloatArray, FloatArray]:
    """Each column's first lowest and last highest sample, in time order; a silence inside
    a column starts a new group there and breaks the line. NaN samples are left out (a
    column of NaN only keeps one, which breaks the line there)."""
    n = ts.size
    boundary = np.empty(n, dtype=bool)
    boundary[0] = True
    np.logical_or(column[1:] != column[:-1], gaps, out=boundary[1:])
    starts = np.flatnonzero(boundary)
    group = np.cumsum(boundary)
    nan = np.isnan(values)
    # Sorted by group, then value (NaN after every number), stable: per group, the first
    # entry is its earliest lowest sample and the last one before its NaN its highest.
    order = np.lexsort((values, group))
    numbers = np.bincount(group, weights=~nan, minlength=starts.size + 1)[1:].astype(np.int64)
    low = order[starts]
    high = order[starts + np.maximum(numbers, 1) - 1]
    picked = np.empty((starts.size, 2), dtype=np.int64)
    np.minimum(low, high, out=picked[:, 0])
    np.maximum(low, high, out=picked[:, 1])
    picked = picked.ravel()
    # A group that begins at a silence: break the line before its first point.
    after_gap = np.flatnonzero(gaps[starts[1:] - 1])
    return _with_breaks(ts[picked], values[picked], 2 * after_gap + 1)


def _points_of(
    ts: FloatArray, values: FloatArray, column: np.ndarray | None, gaps: np.ndarray
) -> tuple[FloatArray, FloatArray]:
    """The points to draw for one run of samples: as they are (``column`` None) or min/max
    (two points per column, for a lone sample too, as when the whole line is decimated)."""
    if ts.size == 0 or (ts.size == 1 and column is None):
        return ts.copy(), values.copy()
    if column is None:
        return _with_breaks(ts.copy(), values.copy(), np.flatnonzero(gaps))
    return _min_max(ts, values, column, gaps)


def decimate(
    ts: FloatArray, values: FloatArray, x0: float, x1: float, columns: int
) -> tuple[FloatArray, FloatArray]:
    """The points to draw for samples ``ts``/``values`` (time order) on ``columns`` pixel
    columns spanning [x0, x1]: each column's min and max sample in time order, with NaN
    breaks where the data has a silence; all of them when they fit (two per column). New
    arrays; the inputs are not kept. :class:`CurveItem` draws exactly these points."""
    part = _visible_slice(ts, x0, x1)
    ts, values = ts[part], values[part].astype(np.float64, copy=False)
    gaps = _gap_mask(ts, usual_step(ts))
    raw = ts.size <= 2 * columns or x1 <= x0
    return _points_of(ts, values, None if raw else _columns_of(ts, column_edges(x0, x1, columns)), gaps)


class CurveItem(QGraphicsPathItem):
    """One series' line in a plot's view, in data coordinates, as ``CHUNKS`` child paths.

    :meth:`show_buffer` redraws the slices whose samples changed since the last call (the
    whole line when the buffer was rewritten, the view moved or the width changed); the
    points drawn are those :func:`decimate` gives.
    """

    def __init__(self, pen: QPen) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self._pen = pen
        self._parts = [QGraphicsPathItem(self) for _ in range(CHUNKS)]
        self._points: list[tuple[FloatArray, FloatArray]] = [(np.empty(0), np.empty(0))] * CHUNKS
        self._breaks_after = np.zeros(CHUNKS, dtype=bool)
        self._joins: list[tuple[float, float] | None] = [None] * CHUNKS  # the next slice's first point
        self._ranges = np.full((CHUNKS, 2), np.nan)  # finite min, max of each slice in view
        self._stale = False  # a slice was drawn since _range was found
        self._range: tuple[float, float] | None = None
        self._key: tuple | None = None
        self._usual = 0.0
        self._edges = np.empty(0)
        self._edge_list: list[float] = []  # the same, for one sample's column without numpy
        self._per = 1  # pixel columns per slice
        self._drawn_ids = np.full(CHUNKS + 1, _NOTHING, dtype=np.int64)
        self._first_column: int | None = None  # of the first slice's first sample, as drawn
        self._tail: CurveTail | None = None  # the newest slice, open to one more sample
        self._last_t = np.nan  # of the newest sample drawn
        self.setPen(pen)

    def setPen(self, pen: QPen) -> None:  # noqa: N802 - Qt's name
        self._pen = pen
        for part in self._parts:
            part.setPen(pen)

    def pen(self) -> QPen:
        return self._pen

    def clear(self) -> None:
        self._key = self._tail = None
        for i in range(CHUNKS):
            self._set_part(i, np.empty(0), np.empty(0), None)
        self._breaks_after[:] = False
        self._ranges[:] = np.nan
        self._stale, self._range = False, None

    def show_buffer(self, buffer: RingBuffer, x0: float, x1: float, columns: int) -> int:
        """Draws ``buffer``'s samples on ``columns`` pixel columns spanning [x0, x1]; returns
        how many slices changed."""
        key = self._key
        if key is not None and key[:5] == (buffer, buffer.rewrites, x0, x1, columns):
            done = self._take_newest(buffer)
            if done is not None:
                return done
        all_ts, all_values = buffer.arrays()
        part = _visible_slice(all_ts, x0, x1)
        ts, values = all_ts[part], all_values[part]
        if ts.size == 0:
            self.clear()
            return CHUNKS
        raw = ts.size <= 2 * columns or x1 <= x0
        key = (buffer, buffer.rewrites, x0, x1, columns, raw)
        if key != self._key:
            self._key, self._usual = key, usual_step(ts)
            self._edges = column_edges(x0, x1, columns) if x1 > x0 else np.array([x0])
            self._edge_list = self._edges.tolist()
            self._per = -(-columns // CHUNKS)
            self._drawn_ids[:] = _NOTHING
        inner = np.searchsorted(ts, self._edges[np.minimum(np.arange(1, CHUNKS) * self._per, self._edges.size - 1)])
        bounds = np.concatenate(([0], inner, [ts.size]))
        # Each sample's id stays while only appends happen: the buffer's version counts them.
        ids = bounds + (buffer.version - len(buffer) + part.start)
        changed = (ids[:-1] != self._drawn_ids[:-1]) | (ids[1:] != self._drawn_ids[1:])
        if changed[0] and not raw and self._only_oldest_left(ids, ts, int(bounds[1])):
            changed[0] = False
            ids[0] = self._drawn_ids[0]  # still drawn from there
        changed = np.flatnonzero(changed)
        for i in changed:
            self._draw_chunk(int(i), ts, values, int(bounds[i]), int(bounds[i + 1]), raw)
        self._drawn_ids = ids
        self._tail, self._last_t = None, float(ts[-1])
        return changed.size

    def _take_newest(self, buffer: RingBuffer) -> int | None:
        """Draws the one sample appended since the last call without numpy: the newest slice
        takes it, and the oldest is computed again only if a full buffer emptied its first
        column. None, with nothing changed, when it has to be done the numpy way."""
        version, drawn = buffer.version, self._drawn_ids
        if drawn[CHUNKS] != version - 1:  # not exactly one append since (or not all in view)
            return None
        t, v = buffer.last()
        x0, x1, _columns, raw = self._key[2:]
        last_t = self._last_t
        if not (x0 <= t < x1 and t >= last_t and math.isfinite(v)):
            return None
        if self._usual > 0 and t - last_t > GAP_FACTOR * self._usual:
            return None  # a silence breaks the line there
        column = self._column_of(t)
        tail = self._tail or self._start_tail()
        if tail is None or min(column // self._per, CHUNKS - 1) != tail.part:
            return None
        first_id, first_column = version - len(buffer), None
        if drawn[0] < first_id:  # the first sample drawn has left the buffer
            first_t = buffer.first()[0]
            if raw or tail.part == 0 or not x0 <= first_t < x1:
                return None
            first_column = self._column_of(first_t)
            if first_column == self._first_column:
                first_column = None  # its column still has samples: drawn as it is for now
            elif first_column >= self._per:
                return None  # the first slice is left empty
        changed = tail.add(t, v, column)
        if changed is None:
            return None
        if changed:
            self._show_tail(tail, v)
        if first_column is not None:
            self._drop_first_columns(first_column)
            drawn[0] = first_id
        drawn[tail.part + 1 :] = version
        self._last_t = t
        return int(changed) + (first_column is not None)

    def _drop_first_columns(self, column: int) -> None:
        """The first slice without the points of the pixel columns before ``column``, whose
        samples have all left the buffer; the points of the others were found from all of
        theirs, so they stay as they are."""
        ts, values = self._points[0]
        keep = int(np.searchsorted(ts, self._edges[column]))
        while keep < ts.size and math.isnan(values[keep]):
            keep += 1  # a break before what is left breaks nothing now
        self._set_part(0, ts[keep:], values[keep:], self._joins[0])
        self._first_column = column
        self._ranges[0] = np.inf
        self._stale = True

    def _column_of(self, t: float) -> int:
        """The pixel column of ``t`` inside [x0, x1), exactly as :func:`_columns_of` finds it."""
        edges = self._edge_list
        last = len(edges) - 2
        c = min(max(int((t - edges[0]) / (edges[-1] - edges[0]) * (last + 1)), 0), last)
        while c < last and edges[c + 1] <= t:
            c += 1
        while c > 0 and edges[c] > t:
            c -= 1
        return c

    def _start_tail(self) -> CurveTail | None:
        x0, x1, _columns, raw = self._key[2:]
        if not x0 <= self._last_t < x1:
            return None
        column = self._column_of(self._last_t)
        part = min(column // self._per, CHUNKS - 1)
        self._tail = CurveTail.start(part, *self._points[part], column, raw, self._parts[part].path())
        return self._tail

    def _show_tail(self, tail: CurveTail, v: float) -> None:
        i = tail.part
        self._parts[i].setPath(tail.path)
        self._points[i] = tail.points()
        lo, hi = self._ranges[i].tolist()
        if math.isinf(lo):
            return  # found when asked
        # A slice's points only grow in extent as samples come: min and max take the new one.
        self._ranges[i] = (v if math.isnan(lo) else min(lo, v), v if math.isnan(hi) else max(hi, v))
        if not self._stale:
            now = self._range
            self._range = (v, v) if now is None else (min(now[0], v), max(now[1], v))

    def _only_oldest_left(self, ids: np.ndarray, ts: FloatArray, first_end: int) -> bool:
        """True when the first slice only lost its oldest samples and its first pixel column
        still has samples: that column is drawn again once its last sample is gone (the
        stalest it shows is one column of points just dropped), not on every drop, which a
        full buffer does with each new point."""
        drawn = self._drawn_ids
        if drawn[0] == _NOTHING or self._first_column is None or ids[1] != drawn[1] or ids[0] <= drawn[0] or first_end == 0:
            return False
        return int(np.searchsorted(self._edges, ts[0], side="right")) - 1 == self._first_column

    def _draw_chunk(self, i: int, ts: FloatArray, values: FloatArray, a: int, b: int, raw: bool) -> None:
        end = min(b + 1, ts.size)  # and the next slice's first sample, to join it
        gaps = _gap_mask(ts[a:end], self._usual)
        chunk_ts, chunk_values = ts[a:b], values[a:b].astype(np.float64, copy=False)
        column = None if raw else _columns_of(chunk_ts, self._edges)
        if i == 0:
            self._first_column = int(column[0]) if column is not None and column.size else None
        pts = _points_of(chunk_ts, chunk_values, column, gaps[: max(0, b - a - 1)])
        gap_after = a < b < ts.size and bool(gaps[b - a - 1])
        joined = a < b < ts.size and not gap_after
        self._set_part(i, *pts, (ts[b], values[b]) if joined else None)
        self._breaks_after[i] = gap_after
        self._ranges[i] = np.inf  # found when asked (charts with a fixed axis never ask)
        self._stale = True

    def value_range(self) -> tuple[float, float] | None:
        """Finite min and max of the samples inside the x range last drawn, or None. The
        points drawn hold each pixel column's min and max, so they give the same answer."""
        if self._key is None:
            return None
        if self._stale:
            self._stale = False
            x0, x1 = self._key[2], self._key[3]
            for i in np.flatnonzero(np.isinf(self._ranges[:, 0])):
                ts, values = self._points[i]
                inside = values[(ts >= x0) & (ts <= x1) & np.isfinite(values)]
                self._ranges[i] = (inside.min(), inside.max()) if inside.size else (np.nan, np.nan)
            lo, hi = float(np.fmin.reduce(self._ranges[:, 0])), float(np.fmax.reduce(self._ranges[:, 1]))
            self._range = None if np.isnan(lo) else (lo, hi)  # fmin/fmax pass over NaN
        return self._range

    def _set_part(self, i: int, ts: FloatArray, values: FloatArray, join: tuple[float, float] | None) -> None:
        self._points[i], self._joins[i] = (ts, values), join
        if join is not None:
            ts, values = np.concatenate((ts, (join[0],))), np.concatenate((values, (join[1],)))
        # One element per finite point: the newest slice's tail moves its last two in place.
        self._parts[i].setPath(polyline_path(ts, values))

    def points(self) -> tuple[FloatArray, FloatArray]:
        """Every point drawn, in order, NaN where the line breaks (as :func:`decimate`)."""
        ts_parts: list[FloatArray] = []
        value_parts: list[FloatArray] = []
        for i, (ts, values) in enumerate(self._points):
            ts_parts.append(ts)
            value_parts.append(values)
            if self._breaks_after[i] and ts.size:
                nxt = next((p[0][0] for p in self._points[i + 1 :] if p[0].size), ts[-1])
                ts_parts.append(np.array([(ts[-1] + nxt) / 2]))
                value_parts.append(np.array([np.nan]))
        return np.concatenate(ts_parts), np.concatenate(value_parts)
