"""Charts export what they show: the CSV of exactly the shown time range read back (UTC ISO
timestamps, a column per series), a real PNG read back, and the menu on a right click."""

from __future__ import annotations

import csv
from datetime import datetime

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QColor, QContextMenuEvent, QImage
from PySide6.QtWidgets import QApplication

from erpconsole.widgets import chart_export, table_export
from erpconsole.widgets.live_chart import LiveChart

NOW = 1_800_000_000.0


@pytest.fixture
def chart(qtbot):
    widget = LiveChart("Network", unit="B/s", capacity=1000, clock=lambda: NOW)
    widget.add_series("rx", "eth0 in", color="#ff0000")
    widget.add_series("tx", "eth0 out")
    for i in range(121):  # ten minutes at 5 s; "out" only every other poll
        widget.append("rx", NOW - 600 + i * 5, 1000.0 + i)
        if i % 2 == 0:
            widget.append("tx", NOW - 600 + i * 5, 50.0)
    widget.set_time_window(120)
    widget.resize(640, 300)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.refresh()
    return widget


def _answer(monkeypatch, path):
    monkeypatch.setattr(table_export, "ask_save_path", lambda *a: str(path))


def test_csv_holds_exactly_the_shown_range_in_utc(chart, tmp_path, monkeypatch):
    lo, hi = chart.x_range()
    assert lo > NOW - 600  # the window shows less than the buffer holds
    out = tmp_path / "net.csv"
    _answer(monkeypatch, out)
    menu = chart_export.chart_menu(chart)
    assert [a.text() for a in menu.actions()] == ["Save as PNG…", "Export data as CSV…"]
    menu.actions()[1].trigger()
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(out, encoding="utf-8-sig", newline="") as f:
        head, *rows = list(csv.reader(f, strict=True))
    assert head == ["Time (UTC)", "eth0 in (B/s)", "eth0 out (B/s)"]
    times = [datetime.fromisoformat(r[0]) for r in rows]
    assert all(t.utcoffset().total_seconds() == 0 for t in times) and rows[0][0].endswith("+00:00")
    stamps = [t.timestamp() for t in times]
    expected = [NOW - 600 + i * 5 for i in range(121) if lo <= NOW - 600 + i * 5 <= hi]
    assert stamps == expected and len(rows) >= 20
    by_time = {t: r for t, r in zip(stamps, rows)}
    i = int((stamps[0] - (NOW - 600)) / 5)
    assert float(by_time[stamps[0]][1]) == 1000.0 + i
    assert [r[2] == "" for r in rows] == [((t - (NOW - 600)) / 5) % 2 == 1 for t in stamps]


def test_png_is_the_chart_as_shown(chart, tmp_path, monkeypatch):
    out = tmp_path / "net.png"
    _answer(monkeypatch, out)
    chart_export.chart_menu(chart).actions()[0].trigger()
    image = QImage(str(out))
    assert not image.isNull() and (image.width(), image.height()) == (chart.width(), chart.height())
    red = sum(image.pixelColor(x, y) == QColor("#ff0000")
              for x in range(0, image.width(), 2) for y in range(0, image.height(), 2))
    assert red > 20  # the "in" curve is drawn in the picture


def test_an_empty_chart_offers_no_data_and_writes_headings_only(qtbot, tmp_path):
    empty = LiveChart("Disk", unit="%")
    empty.add_series("a", "sda")
    qtbot.addWidget(empty)
    menu = chart_export.chart_menu(empty)
    assert not menu.actions()[1].isEnabled() and menu.actions()[0].isEnabled()
    assert chart_export.chart_grid(empty) == (["Time (UTC)", "sda (%)"], [])


def test_right_click_on_the_plot_opens_the_menu(chart, qtbot):
    seen = []

    def close_menu():
        popup = QApplication.activePopupWidget()
        seen.append([a.text() for a in popup.actions()] if popup else None)
        if popup:
            popup.close()

    QTimer.singleShot(0, close_menu)
    viewport = chart.plot_widget().viewport()
    pos = QPoint(100, 100)
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos,
                                                       viewport.mapToGlobal(pos), Qt.KeyboardModifier.NoModifier))
    assert seen == [["Save as PNG…", "Export data as CSV…"]]


def test_utc_iso_keeps_milliseconds_only_when_there_are_some():
    assert chart_export.utc_iso(NOW) == "2027-01-15T08:00:00+00:00"
    assert chart_export.utc_iso(NOW + 0.25) == "2027-01-15T08:00:00.250+00:00"


def test_a_bar_chart_saves_its_bars_and_its_picture(qtbot, tmp_path, monkeypatch):
    from erpconsole.widgets.bar_chart import BarChart

    bars = BarChart()
    bars.setObjectName("backup sizes")
    bars.set_bars([1.5e9, float("nan"), 2.0e9], ["ok", "", "warning"], ["Mon", "Tue", "Wed"])
    bars.resize(300, 80)
    qtbot.addWidget(bars)
    bars.show()
    qtbot.waitExposed(bars)
    assert bars.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
    menu = chart_export.bar_menu(bars)
    out = tmp_path / "sizes.csv"
    names = []
    monkeypatch.setattr(table_export, "ask_save_path", lambda _w, _t, name, _f: names.append(name) or str(out))
    menu.actions()[1].trigger()
    with open(out, encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f, strict=True)) == [
            ["Bar", "Value", "Level"], ["Mon", "1500000000.0", "ok"], ["Tue", "", ""], ["Wed", "2000000000.0", "warning"]]
    png = tmp_path / "sizes.png"
    monkeypatch.setattr(table_export, "ask_save_path", lambda _w, _t, name, _f: names.append(name) or str(png))
    menu.actions()[0].trigger()
    assert QImage(str(png)).size() == bars.size()
    assert names == ["backup-sizes.csv", "backup-sizes.png"]
