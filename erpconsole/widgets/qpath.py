"""A polyline as a QPainterPath from numpy arrays, without a Python loop per point (and
without loading pyqtgraph, which a chart-less page does not need)."""

from __future__ import annotations

import numpy as np
import shiboken6
from PySide6.QtGui import QPainterPath, QPolygonF


def _polygon(x: np.ndarray, y: np.ndarray) -> QPolygonF:
    poly = QPolygonF()
    poly.resize(x.size)
    # QPolygonF is a contiguous array of (x, y) doubles: fill it in place.
    view = np.frombuffer(shiboken6.VoidPtr(poly.data(), 16 * x.size, True), np.float64).reshape(-1, 2)
    view[:, 0] = x
    view[:, 1] = y
    return poly


def polyline_path(x: np.ndarray, y: np.ndarray) -> QPainterPath:
    """The points joined in order; a point that is not finite breaks the line there."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    path = QPainterPath()
    finite = np.isfinite(x) & np.isfinite(y)
    if finite.all():
        if x.size:
            path.addPolygon(_polygon(x, y))
        return path
    edges = np.flatnonzero(np.diff(np.concatenate(([False], finite, [False])).astype(np.int8)))
    for start, stop in zip(edges[::2], edges[1::2]):
        path.addPolygon(_polygon(x[start:stop], y[start:stop]))
    return path
