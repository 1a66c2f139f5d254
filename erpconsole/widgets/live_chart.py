"""A streaming time-series chart: per-series ring buffers (its own, or one a page shares
between views), repainted on demand only."""

from __future__ import annotations

import html
import time
from collections.abc import Callable

import pyqtgraph as pg
from numpy.typing import ArrayLike
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QLabel, QStackedLayout, QVBoxLayout, QWidget

from erpconsole.widgets.chart_curve import CurveItem
from erpconsole.widgets.chart_export import install_chart_menu
from erpconsole.widgets.chart_parts import (
    ChartSeries,
    HoverOverlay,
    UnitAxisItem,
    ensure_pixmap_cache,
    curve_pen,
    fixed_view,
    hover_text,
    keep_y_range,
    padded_range,
    snapped_x_range,
)
from erpconsole.widgets.ring_buffer import FloatArray, RingBuffer
from erpconsole.widgets.theme import FollowsAppTheme, chart_colors, current_theme_name, get_theme, pyqtgraph_defaults

HOVER_RATE_HZ = 20


class LiveChart(FollowsAppTheme, QWidget):
    """Live chart of one or more series sharing a unit, with a local-time x axis.

    Data goes into ring buffers at any rate; nothing is drawn until :meth:`refresh`, which a
    single UI timer calls (10 Hz at most) and which does nothing for a hidden chart or when
    no data changed. Auto-range is computed here, not by pyqtgraph, so it is done once per
    refresh and with hysteresis.
    """

    def __init__(
        self,
        title: str = "",
        unit: str = "",
        y_range: tuple[float, float] | None = None,
        capacity: int = 3600,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self._title = title
        self._unit = unit
        self._fixed_y = y_range
        self._capacity = capacity
        self._clock = clock  # epoch seconds: the x axis shows wall-clock time
        self._series: dict[str, ChartSeries] = {}
        self._window: float | None = None
        self._range_dirty = True
        self._x_range: tuple[float, float] | None = None
        self._y_range: tuple[float, float] | None = None
        self._drawn_view: tuple[tuple[float, float] | None, int] | None = None  # x range, columns
        self._y_found: tuple[float, float] | None = None  # the curves' extremes the y range was set for
        self._empty_shown = True
        self._theme = self._app_theme = current_theme_name()
        self._build()
        self.apply_theme(self._theme)

    # -- construction ---------------------------------------------------------------------

    def _build(self) -> None:
        pyqtgraph_defaults(self._theme)  # the theme may have been applied before pyqtgraph loaded
        self._plot = pg.PlotWidget(
            axisItems={"bottom": pg.DateAxisItem(orientation="bottom"), "left": UnitAxisItem(self._unit)}
        )
        self._plot.setAntialiasing(False)
        self._view_box = self._plot.getPlotItem().getViewBox()
        self._configure_plot_item(self._plot.getPlotItem())
        self._hover = HoverOverlay(self._plot.getPlotItem(), self.hover_text_at)
        self._mouse_proxy = pg.SignalProxy(
            self._plot.scene().sigMouseMoved, rateLimit=HOVER_RATE_HZ, slot=self._on_mouse_moved
        )
        self._plot.installEventFilter(self)
        install_chart_menu(self)  # Save as PNG…, Export data as CSV…
        # Title and legend are Qt labels above the plot, not scene items: they sit outside
        # the region a new point repaints (a legend in the scene cost ~0.4 ms per chart-frame).
        self._header = QWidget()
        self._title_label = QLabel(self._title)
        self._legend_label = QLabel()
        self._legend_label.setTextFormat(Qt.TextFormat.RichText)
        self._legend_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        header_layout = QHBoxLayout(self._header)
        header_layout.setContentsMargins(8, 2, 8, 0)
        header_layout.addWidget(self._title_label)
        header_layout.addStretch(1)
        header_layout.addWidget(self._legend_label)
        self._empty_label = QLabel(self.tr("No data yet"))
        self._empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        body = QWidget()
        stack = QStackedLayout(body)
        stack.setStackingMode(QStackedLayout.StackingMode.StackAll)
        stack.addWidget(self._empty_label)
        stack.addWidget(self._plot)
        self._empty_label.raise_()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._header)
        layout.addWidget(body, 1)

    def _configure_plot_item(self, item: pg.PlotItem) -> None:
        item.disableAutoRange()
        item.setMenuEnabled(False)
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.2)
        item.getAxis("left").setWidth(64)
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.enableAutoSIPrefix(False)  # the tick labels carry the unit themselves
            # Axes (ticks, labels, grid) change only when a range does: paint them from a
            # pixmap in between instead of replaying their QPicture every frame.
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        ensure_pixmap_cache()
        # The ViewBox draws nothing of its own here (no border); skip its Python paint().
        item.getViewBox().setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)  # nor the PlotItem
        if self._fixed_y is not None:
            item.setYRange(*fixed_view(self._fixed_y), padding=0)

    # -- series and data ------------------------------------------------------------------

    def add_series(self, key: str, name: str, color: str | None = None) -> None:
        if key in self._series:
            raise ValueError(f"series {key!r} already exists")
        pen_color = color or self._auto_color(len(self._series))
        # Our own curve, not a PlotDataItem: it draws the min/max of each pixel column
        # (see chart_curve), and needs no bounds since auto-range is ours.
        curve = CurveItem(curve_pen(pen_color))
        self._plot.getPlotItem().addItem(curve, ignoreBounds=True)
        self._series[key] = ChartSeries(key, name, color, RingBuffer(self._capacity), curve)
        self._update_legend()

    def has_series(self, key: str) -> bool:
        return key in self._series

    def series_keys(self) -> list[str]:
        return list(self._series)

    def append(self, key: str, ts: float, value: float) -> None:
        series = self._get(key)
        if series.shared is not None:
            raise ValueError(f"series {key!r} shows a shared buffer: append to that buffer")
        series.own.append(ts, value)

    def set_history(self, key: str, ts: ArrayLike, values: ArrayLike) -> None:
        """Replaces the series' content, e.g. with store history for a longer range; a shared
        buffer it showed is left as it is."""
        series = self._get(key)
        series.shared = None
        series.own.clear()
        series.own.extend(ts, values)
        self._range_dirty = True

    def show_buffer(self, key: str, buffer: RingBuffer) -> None:
        """Draws ``buffer`` itself, not a copy: whoever owns it appends, every view of it
        shows the same points. :meth:`set_history` and :meth:`clear` let go of it."""
        series = self._get(key)
        if series.shared is not buffer:
            series.shared = buffer
            self._range_dirty = True

    def shows_buffer(self, key: str, buffer: RingBuffer) -> bool:
        return self._get(key).shared is buffer

    def series_data(self, key: str) -> tuple[FloatArray, FloatArray]:
        return self._get(key).buffer.arrays()

    def clear(self) -> None:
        """Empties every series (the series themselves stay; shared buffers are let go of,
        not emptied)."""
        for series in self._series.values():
            series.shared = None
            series.own.clear()
        self._range_dirty = True
        self._hover.hide()

    def reset(self) -> None:
        """Back to a new chart: no series (so no legend), no data, the ranges to be found
        again. For a page that switches to another target, which shares nothing with the last."""
        item = self._plot.getPlotItem()
        for series in self._series.values():
            item.removeItem(series.curve)
        self._series.clear()
        self._x_range = self._y_range = self._drawn_view = self._y_found = None
        if self._fixed_y is not None:
            item.setYRange(*fixed_view(self._fixed_y), padding=0)
        self._range_dirty = True
        self._hover.hide()
        self._update_legend()
        self._update_empty_label()

    def set_time_window(self, seconds: float | None) -> None:
        """Show the last ``seconds`` up to now; None fits the data."""
        self._window = None if seconds is None else float(seconds)
        self._range_dirty = True

    def time_window(self) -> float | None:
        return self._window

    def title(self) -> str:
        return self._title

    def set_title(self, title: str) -> None:
        """A title that carries a figure (e.g. a size and its growth) changes with the data."""
        self._title = title
        self._title_label.setText(title)

    def unit(self) -> str:
        return self._unit

    def plot_widget(self) -> pg.PlotWidget:
        return self._plot

    def _get(self, key: str) -> ChartSeries:
        try:
            return self._series[key]
        except KeyError:
            raise KeyError(f"no series {key!r} in chart {self._title!r}") from None

    # -- refresh --------------------------------------------------------------------------

    def is_dirty(self) -> bool:
        return self._range_dirty or any(s.dirty for s in self._series.values())

    def refresh(self) -> bool:
        """Pushes changed data to the plot; False (and nothing done) if hidden, scrolled out
        of sight or unchanged."""
        if not self.isVisible() or self.visibleRegion().isEmpty():
            return False
        dirty = [s for s in self._series.values() if s.dirty]
        view = self._view()
        if not (dirty or self._range_dirty or self._window_slid() or view != self._drawn_view):
            return False  # (the view changes without new data when the chart is resized)
        if self._update_x_range():
            view = self._view()
        if view != self._drawn_view:
            dirty = list(self._series.values())
        for series in dirty:
            self._push(series, view)
        self._drawn_view = view
        self._update_y_range()
        self._range_dirty = False
        self._update_empty_label()
        return True

    def _view(self) -> tuple[tuple[float, float] | None, int]:
        """What the drawn points depend on besides the data: the x range and pixel columns."""
        width = self._view_box.size().width()
        return self._x_range, max(1, int(width * self._plot.devicePixelRatioF()))

    def _push(self, series: ChartSeries, view: tuple[tuple[float, float] | None, int]) -> None:
        x_range, columns = view
        if x_range is None or len(series.buffer) == 0:
            series.curve.clear()
        else:  # only the slices of the line whose samples changed are computed again
            series.curve.show_buffer(series.buffer, *x_range, columns)
        series.mark_drawn()

    def drawn_points(self, key: str) -> tuple[FloatArray, FloatArray]:
        """The points the series' line is drawn through (after decimation)."""
        return self._get(key).curve.points()

    def _window_slid(self) -> bool:
        """With a time window, 'now' moves even when no data comes; so must the x range."""
        if self._window is None or self._x_range is None:
            return False
        return self._clock() > self._x_range[1]

    def _wanted_x_range(self) -> tuple[float, float] | None:
        if self._window is not None:
            now = self._clock()
            return snapped_x_range(now - self._window, now)
        buffers = [s.buffer for s in self._series.values() if len(s.buffer)]
        if not buffers:
            return None
        lo, hi = min(b.first()[0] for b in buffers), max(b.last()[0] for b in buffers)
        return snapped_x_range(lo, hi)

    def _update_x_range(self) -> bool:
        wanted = self._wanted_x_range()
        if wanted is None or wanted == self._x_range:
            return False
        self._x_range = wanted
        self._plot.getPlotItem().setXRange(*wanted, padding=0)
        return True

    def _update_y_range(self) -> None:
        if self._fixed_y is not None or self._x_range is None:
            return
        found = [s.curve.value_range() for s in self._series.values()]  # what the curves hold
        bounds = [b for b in found if b is not None]
        if not bounds:
            return
        lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
        if (lo, hi) == self._y_found:
            return  # the same extremes as when the range was last looked at: the same answer
        self._y_found = (lo, hi)
        if self._y_range is not None and keep_y_range(self._y_range, lo, hi):
            return
        self._y_range = padded_range(lo, hi)
        self._plot.getPlotItem().setYRange(*self._y_range, padding=0)

    def _update_empty_label(self) -> None:
        empty = not any(len(s.buffer) for s in self._series.values())
        if empty != self._empty_shown:
            self._empty_shown = empty
            self._empty_label.setVisible(empty)

    def is_empty_hint_shown(self) -> bool:
        return not self._empty_label.isHidden()

    def x_range(self) -> tuple[float, float] | None:
        return self._x_range

    def y_range(self) -> tuple[float, float] | None:
        return self._fixed_y or self._y_range

    # -- hover ----------------------------------------------------------------------------

    def hover_text_at(self, ts: float) -> str:
        """Local time, then each series' value nearest ``ts`` with its unit."""
        return hover_text(ts, self._series.values(), self._unit)

    def _on_mouse_moved(self, args: tuple) -> None:
        if not self._plot.underMouse() or not any(len(s.buffer) for s in self._series.values()):
            self._hover.hide()
            return
        self._hover.show_at_scene(args[0])

    def show_hover_at(self, ts: float) -> None:
        self._hover.show_at(ts)

    def hide_hover(self) -> None:
        self._hover.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self._plot and event.type() == QEvent.Type.Leave:
            self._hover.hide()
        return super().eventFilter(watched, event)

    # -- theme ----------------------------------------------------------------------------

    def apply_theme(self, name: str) -> None:
        theme = get_theme(name)
        self._theme = theme.name
        self._plot.setBackground(theme.chart_background)
        item = self._plot.getPlotItem()
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setPen(theme.chart_foreground)
            axis.setTextPen(theme.chart_foreground)
        for index, series in enumerate(self._series.values()):
            series.curve.setPen(curve_pen(series.color or self._auto_color(index)))
        self._hover.apply_theme(theme)
        self._header.setStyleSheet(
            f"background: {theme.chart_background}; color: {theme.chart_foreground};"
        )
        self._title_label.setStyleSheet("font-weight: 600;")
        self._empty_label.setStyleSheet(f"color: {theme.muted_text};")
        self._update_legend()

    def legend_entries(self) -> list[tuple[str, str]]:
        """(name, colour) of each series, as the legend shows them."""
        return [
            (s.name, s.color or self._auto_color(i)) for i, s in enumerate(self._series.values())
        ]

    def _update_legend(self) -> None:
        items = [
            f'<span style="color:{color}">&#9632;</span>&nbsp;{html.escape(name)}'
            for name, color in self.legend_entries()
        ]
        self._legend_label.setText("&nbsp;&nbsp; ".join(items))

    def theme_name(self) -> str:
        return self._theme

    def _auto_color(self, index: int) -> str:
        colors = chart_colors(self._theme)
        return colors[index % len(colors)]

