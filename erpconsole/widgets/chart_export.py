"""What every chart offers, as Grafana users expect: its context menu saves the chart as a PNG
and exports the data of exactly the time range shown as CSV (UTC ISO-8601 timestamps, one
column per series, joined on time), with the same BOM and formula guard as the tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from erpconsole.widgets import table_export
from erpconsole.widgets.table_export import Grid

if TYPE_CHECKING:
    from erpconsole.widgets.live_chart import LiveChart


def _tr(text: str) -> str:
    return QCoreApplication.translate("ChartExport", text)


def utc_iso(ts: float) -> str:
    """2026-12-02T10:05:00+00:00; milliseconds only where the sample has them."""
    spec = "seconds" if float(ts).is_integer() else "milliseconds"
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec=spec)


def _number(v: float) -> str:
    return "" if not np.isfinite(v) else repr(float(v))


def shown_range(chart: LiveChart) -> tuple[float, float] | None:
    """The x range on screen (the plot's own view, whoever set it); a chart never drawn yet
    spans its data."""
    if chart.x_range() is not None:
        lo, hi = chart.plot_widget().getPlotItem().viewRange()[0]
        return float(lo), float(hi)
    spans = [chart.series_data(k)[0] for k in chart.series_keys()]
    spans = [t for t in spans if len(t)]
    if not spans:
        return None
    return min(float(t[0]) for t in spans), max(float(t[-1]) for t in spans)


def chart_grid(chart: LiveChart) -> Grid:
    """Time, then one column per series (its legend name and the unit); a series without a
    sample at a time has an empty cell there."""
    keys = chart.series_keys()
    names = [name for name, _color in chart.legend_entries()]
    unit = chart.unit()
    head = [_tr("Time (UTC)")] + [_tr("{series} ({unit})").format(series=n, unit=unit) if unit else n for n in names]
    shown = shown_range(chart)
    if shown is None:
        return head, []
    lo, hi = shown
    columns: list[dict[float, float]] = []
    for key in keys:
        ts, values = chart.series_data(key)
        keep = (ts >= lo) & (ts <= hi)
        columns.append(dict(zip(ts[keep].tolist(), values[keep].tolist())))
    times = sorted(set().union(*columns)) if columns else []
    rows = [[utc_iso(t)] + [_number(c[t]) if t in c else "" for c in columns] for t in times]
    return head, rows


def bar_grid(bars) -> Grid:
    """A bar chart's bars: label (or position), value and level, in drawing order."""
    values, levels, labels = bars.values(), bars.levels(), bars.labels()
    head = [_tr("Bar"), _tr("Value"), _tr("Level")]
    rows = [[labels[i] if i < len(labels) else str(i + 1), _number(v), levels[i] if i < len(levels) else ""]
            for i, v in enumerate(values.tolist())]
    return head, rows


def save_png(chart: QWidget, path: str) -> bool:
    """The chart as the person sees it: title, legend and plot."""
    return chart.grab().save(path, "PNG")


def _file_name(name: str, suffix: str) -> str:
    return table_export.suggested_name(name or "chart", suffix)


def _failed(chart: QWidget, title: str, path: str, error: object) -> None:
    QMessageBox.warning(chart, title, _tr("Could not write {path}: {error}").format(path=path, error=error))


def save_png_requested(chart: QWidget, name: str) -> str:
    title = _tr("Save as PNG")
    path = table_export.ask_save_path(chart, title, _file_name(name, "png"), _tr("PNG images (*.png)"))
    if path and not save_png(chart, path):
        _failed(chart, title, path, _tr("the image could not be saved"))
        return ""
    return path


def export_csv_requested(chart: QWidget, name: str, data: Callable[[], Grid]) -> str:
    title = _tr("Export data as CSV")
    path = table_export.ask_save_path(chart, title, _file_name(name, "csv"), _tr("CSV files (*.csv)"))
    if not path:
        return ""
    try:
        table_export.write_csv(path, data())
    except OSError as exc:
        _failed(chart, title, path, exc.strerror or exc)
        return ""
    return path


def export_menu(chart: QWidget, name: str, data: Callable[[], Grid], has_data: bool) -> QMenu:
    menu = QMenu(chart)
    png = QAction(_tr("Save as PNG…"), menu)
    png.triggered.connect(lambda: save_png_requested(chart, name))
    csv_action = QAction(_tr("Export data as CSV…"), menu)
    csv_action.setEnabled(has_data)
    csv_action.triggered.connect(lambda: export_csv_requested(chart, name, data))
    menu.addActions([png, csv_action])
    return menu


def chart_menu(chart: LiveChart) -> QMenu:
    has_data = any(len(chart.series_data(k)[0]) for k in chart.series_keys())
    return export_menu(chart, chart.title() or chart.objectName(), lambda: chart_grid(chart), has_data)


def bar_menu(bars) -> QMenu:
    return export_menu(bars, bars.objectName() or "bars", lambda: bar_grid(bars), not bars.is_empty())


def install_chart_menu(chart: LiveChart) -> None:
    """The right-click menu on the plot (pyqtgraph's own menu stays off)."""
    plot = chart.plot_widget()
    plot.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    plot.customContextMenuRequested.connect(
        lambda pos: chart_menu(chart).exec(plot.viewport().mapToGlobal(QPoint(pos))))


def install_bar_menu(bars) -> None:
    bars.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    bars.customContextMenuRequested.connect(lambda pos: bar_menu(bars).exec(bars.mapToGlobal(QPoint(pos))))
