"""What every chart offers, as Grafana users expect: its context menu saves the chart as a PNG
and exports the data of exactly the time range shown as CSV (UTC ISO-8601 timestamps, one
column per series, joined on time), with the same BOM and formula guard as the tables."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox

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
    """The x range on screen; a chart never drawn yet spans its data."""
    found = chart.x_range()
    if found is not None:
        return found
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
    head = [_tr("Time (UTC)")] + [f"{n} ({unit})" if unit else n for n in names]
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


def save_png(chart: LiveChart, path: str) -> bool:
    """The chart as the person sees it: title, legend and plot."""
    return chart.grab().save(path, "PNG")


def _file_name(chart: LiveChart, suffix: str) -> str:
    return table_export.suggested_name(chart.title() or chart.objectName() or "chart", suffix)


def _failed(chart: LiveChart, title: str, path: str, error: object) -> None:
    QMessageBox.warning(chart, title, _tr("Could not write {path}: {error}").format(path=path, error=error))


def save_png_requested(chart: LiveChart) -> str:
    title = _tr("Save as PNG")
    path = table_export.ask_save_path(chart, title, _file_name(chart, "png"), _tr("PNG images (*.png)"))
    if path and not save_png(chart, path):
        _failed(chart, title, path, _tr("the image could not be saved"))
        return ""
    return path


def export_csv_requested(chart: LiveChart) -> str:
    title = _tr("Export data as CSV")
    path = table_export.ask_save_path(chart, title, _file_name(chart, "csv"), _tr("CSV files (*.csv)"))
    if not path:
        return ""
    try:
        table_export.write_csv(path, chart_grid(chart))
    except OSError as exc:
        _failed(chart, title, path, exc.strerror or exc)
        return ""
    return path


def chart_menu(chart: LiveChart) -> QMenu:
    menu = QMenu(chart)
    png = QAction(_tr("Save as PNG…"), menu)
    png.triggered.connect(lambda: save_png_requested(chart))
    data = QAction(_tr("Export data as CSV…"), menu)
    data.setEnabled(any(len(chart.series_data(k)[0]) for k in chart.series_keys()))
    data.triggered.connect(lambda: export_csv_requested(chart))
    menu.addActions([png, data])
    return menu


def install_chart_menu(chart: LiveChart) -> None:
    """The right-click menu on the plot (pyqtgraph's own menu stays off)."""
    plot = chart.plot_widget()
    plot.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    plot.customContextMenuRequested.connect(
        lambda pos: chart_menu(chart).exec(plot.viewport().mapToGlobal(QPoint(pos))))
