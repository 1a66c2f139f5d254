"""The real window, offscreen, fed by the real collector and store."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from PySide6.QtWidgets import QApplication

from erpconsole.config import Inventory, LocalConfig
from erpconsole.services.models import LOCAL_HOST, Finding, Health, HostSnapshot, Severity, TargetStatus
from tests.limits import NEVER_CROSSED

# Waits on real polls and on the store's threads: they end as soon as the condition holds, and
# a loaded machine (a parallel build, another engineer's tests) may take many seconds.
LIVE_MS = 60000


def _start(console, qtbot):
    console.start()
    console.window.show()
    qtbot.waitExposed(console.window)
    return console.window


def test_window_opens_and_every_page_shows(console_factory, qtbot):
    window = _start(console_factory(), qtbot)
    assert window.page_keys() == ["overview", "hosts", "host", "databases", "database", "access", "backups", "sop", "events", "alerts"]
    for key in window.page_keys():
        window.show_page(key)
        assert window.current_page_key() == key
        assert window.page(key).isVisible()
    assert window.nav.count() == 10


def test_overview_tile_shows_live_values(console_factory, qtbot):
    local = LocalConfig(interval_s=0.5, thresholds=NEVER_CROSSED)  # "ok" whatever the load here
    window = _start(console_factory(Inventory(local=local)), qtbot)
    window.show_page("overview")
    tile = window.overview.tile(LOCAL_HOST)
    qtbot.waitUntil(lambda: window.overview._status[LOCAL_HOST].snapshot is not None and
                    window.overview._status[LOCAL_HOST].snapshot.cpu_percent is not None, timeout=LIVE_MS)
    window.overview.refresh()
    captions = [c for c, _v, _l in tile.values()]
    texts = [v for _c, v, _l in tile.values()]
    assert captions[0] == "CPU" and captions[1] == "Memory" and captions[2].startswith("Disk")
    assert all(t.endswith("%") for t in texts), texts
    assert tile.status()[0] == "ok"


def test_tile_click_opens_host_detail(console_factory, qtbot):
    from PySide6.QtCore import Qt

    window = _start(console_factory(), qtbot)
    window.show_page("overview")
    qtbot.mouseClick(window.overview.tile(LOCAL_HOST), Qt.MouseButton.LeftButton)
    assert window.current_page_key() == "host"
    assert window.host_detail.target == LOCAL_HOST


def test_chart_receives_live_points(console_factory, qtbot):
    window = _start(console_factory(), qtbot)
    window.host_detail.set_target(LOCAL_HOST)
    window.show_page("host")
    cpu = window.host_detail.charts["cpu"]
    qtbot.waitUntil(lambda: cpu.has_series("cpu.percent|") and len(cpu.series_data("cpu.percent|")[0]) >= 3, timeout=LIVE_MS)
    ts, values = cpu.series_data("cpu.percent|")
    assert np.all(np.diff(ts) > 0)
    assert np.all((values >= 0) & (values <= 100))
    net = window.host_detail.charts["net"]
    assert len(net.series_data("net.rx_bps|")[0]) >= 2
    qtbot.waitUntil(lambda: window.host_detail.processes.model().rowCount() > 0, timeout=LIVE_MS)


def test_range_selector_switches_to_store_data(console_factory, qtbot):
    console = console_factory()
    window = _start(console, qtbot)
    assert console.wait_store()
    # Two hours ago this host was at 42% CPU: history that only the store can know.
    now = time.time()
    old = [HostSnapshot(LOCAL_HOST, now - 7200 + i * 10, cpu_percent=42.0) for i in range(60)]
    for snap in old:
        console.writer.put(snap.samples())
    console.writer.flush(5)
    console.store.maintain(now)
    window.host_detail.set_target(LOCAL_HOST)
    window.show_page("host")
    assert not window.host_detail.uses_store()
    window.host_detail.range_group.button(86400).click()
    assert window.host_detail.uses_store()
    cpu = window.host_detail.charts["cpu"]

    def has_old_points():
        if not cpu.has_series("cpu.percent|"):
            return False
        ts, values = cpu.series_data("cpu.percent|")
        old_mask = ts < now - 3600
        return old_mask.any() and np.allclose(values[old_mask], 42.0)

    qtbot.waitUntil(has_old_points, timeout=LIVE_MS)
    assert "store" in window.host_detail.source_label.text()
    window.host_detail.range_group.button(300).click()
    assert not window.host_detail.uses_store()
    # The chart starts again from nothing (reset): its series comes back with the live points.
    qtbot.waitUntil(lambda: cpu.has_series("cpu.percent|"), timeout=10000)
    ts, _ = cpu.series_data("cpu.percent|")
    assert not (ts < now - 3600).any()


def test_theme_switch_changes_palette_and_is_remembered(console_factory, qtbot):
    console = console_factory()
    window = _start(console, qtbot)
    window.set_theme("light")
    light = QApplication.instance().palette().window().color().lightness()
    window.set_theme("dark")
    dark = QApplication.instance().palette().window().color().lightness()
    assert light > 180 and dark < 80
    window.set_theme("light")
    window.show_page("events")
    window.close()
    again = console_factory(settings_name="ui.ini")
    assert again.window.theme == "light"
    assert again.window.current_page_key() == "events"


def test_event_log_lists_health_changes_and_notes(console_factory, qtbot):
    window = _start(console_factory(), qtbot)
    window.show_page("events")
    page = window.event_log
    qtbot.waitUntil(lambda: any(e.target == LOCAL_HOST for e in page.events()), timeout=LIVE_MS)
    page.note.setText("restarted the report server")
    page.note.returnPressed.emit()
    qtbot.waitUntil(lambda: any(e.message == "restarted the report server" for e in page.events()), timeout=LIVE_MS)
    page.refresh()
    rows = [page.model.row(i).message for i in range(page.model.rowCount())]
    assert "restarted the report server" in rows
    assert any("is ok" in m for m in rows)


def test_status_bar_counts_targets(console_factory, qtbot):
    """The statuses are handed in through the bridge's own signal, not waited for from real
    polls: what the bar says does not hang on how fast this machine polls under load."""
    import re

    console = console_factory(Inventory(local=LocalConfig(enabled=False)))
    window = _start(console, qtbot)
    now = time.time()
    load = Finding(Severity.WARNING, "erp-app-3", "load", "load 2.13 per core")
    statuses = (TargetStatus("erp-app-1", "host", Health.OK, "ok", 5.0, last_poll_ts=now - 60),
                TargetStatus("erp-app-2", "host", Health.PENDING, "not polled yet", 5.0),
                TargetStatus("erp-app-3", "host", Health.OK, "", 5.0, findings=(load,), last_poll_ts=now),
                TargetStatus("erp-db", "database", Health.UNREACHABLE, "no route", 5.0,
                             last_poll_ts=now))
    for status in statuses:
        console.bridges.hosts.status_changed.emit(status)
    window._update_status_bar()
    # The one word of each target, counted; a load warning is "warning", not "ok".
    assert window.targets_label.text() == "■ 4 targets: 1 critical, 1 warning, 1 ok, 1 waiting"
    assert window.targets_label.property("level") == "critical"
    assert window.last_poll_label.text().endswith(time.strftime("%H:%M:%S", time.localtime(now)))
    console.bridges.hosts.status_changed.emit(dataclasses.replace(statuses[3], health=Health.OK))
    window._update_status_bar()
    assert window.targets_label.text() == "▲ 4 targets: 1 warning, 2 ok, 1 waiting"
    assert window.targets_label.property("level") == "warning"
    # The store's size is measured on the reader thread: asked for here, waited for generously.
    assert console.wait_store()
    console.bridges.store.refresh_store_size()
    qtbot.waitUntil(lambda: console.bridges.store.store_size() is not None, timeout=LIVE_MS)
    window._update_status_bar()
    assert re.fullmatch(r"store \d+(\.\d)? (B|KiB|MiB)", window.store_label.text())


def test_overview_sparkline_starts_from_the_store_after_a_restart(console_factory, qtbot):
    first = console_factory()
    assert first.wait_store()
    now = time.time()
    for i in range(30):
        first.writer.put(HostSnapshot(LOCAL_HOST, now - 600 + i * 10, cpu_percent=float(i)).samples())
    first.writer.flush(5)
    first.stop()
    again = console_factory(settings_name="again.ini")  # same store, a new console
    spark = again.window.overview.tile(LOCAL_HOST).sparkline()
    buf = again.window.overview.spark_buffer(LOCAL_HOST)
    qtbot.waitUntil(lambda: len(buf) >= 30, timeout=LIVE_MS)
    again.window.overview.refresh()
    ts, values = buf.arrays()
    assert list(values[:30]) == [float(i) for i in range(30)]
    assert len(spark.values()) >= 30


def test_store_that_cannot_open_leaves_live_data_and_says_so(qtbot, tmp_path):
    from erpconsole.app import Console
    from erpconsole.config import Inventory, LocalConfig

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the store's folder should be")
    console = Console(Inventory(local=LocalConfig(interval_s=0.5)), f"sqlite:///{blocker}/store.sqlite3", tmp_path / "ui.ini")
    qtbot.addWidget(console.window)
    try:
        console.start()
        assert not console.wait_store()
        window = console.window
        qtbot.waitUntil(lambda: "could not open" in window.statusBar().currentMessage(), timeout=LIVE_MS)
        qtbot.waitUntil(lambda: window.overview._status[LOCAL_HOST].snapshot is not None, timeout=LIVE_MS)
        window._update_status_bar()
        assert "live data only" in window.store_label.text()
    finally:
        console.window.close()
        console.stop()


def test_live_range_starts_from_the_stores_last_hour_after_a_restart(console_factory, qtbot):
    first = console_factory()
    assert first.wait_store()
    now = time.time()
    for i in range(20):
        first.writer.put(HostSnapshot(LOCAL_HOST, now - 240 + i * 5, cpu_percent=17.0).samples())
    first.writer.flush(5)
    first.stop()
    again = console_factory(settings_name="again.ini")
    window = again.window
    window.show()
    window.host_detail.set_target(LOCAL_HOST)
    window.show_page("host")
    assert not window.host_detail.uses_store()
    cpu = window.host_detail.charts["cpu"]

    def seeded():
        if not cpu.has_series("cpu.percent|"):
            return False
        ts, values = cpu.series_data("cpu.percent|")
        return (ts < now - 200).any() and np.allclose(values[ts < now - 200], 17.0)

    qtbot.waitUntil(seeded, timeout=LIVE_MS)


def test_a_failing_or_paused_host_is_not_called_stale(console_factory, qtbot, monkeypatch):
    from dataclasses import replace

    from erpconsole.services.models import Health, TargetStatus

    console = console_factory()
    window = console.window
    page = window.overview
    monkeypatch.setattr(console.bridges.overview, "is_watched", lambda target: True)  # statuses made up here
    old = time.time() - 600
    paused = TargetStatus("erp-report", "host", Health.HOSTKEY_UNKNOWN, "unknown key", 2.0, last_poll_ts=old)
    silent = TargetStatus("erp-app", "host", Health.OK, "", 2.0, last_poll_ts=old)
    page._on_status(paused)
    page._on_status(silent)
    page.refresh()
    assert page.tile("erp-report").status()[0] == "critical"
    assert page.tile("erp-app").status()[0] == "stale"
    assert "erp-app" in page.banner.text() and "erp-report" not in page.banner.text()
    page._on_status(replace(silent, last_poll_ts=time.time()))
    page.refresh()
    assert page.tile("erp-app").status()[0] == "ok" and page.banner.isHidden()


def test_a_removed_host_leaves_every_page(console_factory, qtbot, tmp_path):
    inv_file = tmp_path / "inventory.toml"
    inv_file.write_text('[local]\nenabled = true\ninterval_s = 0.5\n\n[[hosts]]\nname = "gone"\naddress = "127.0.0.1"\nport = 1\n')
    from erpconsole.config import load_inventory

    console = console_factory(load_inventory(inv_file))
    window = _start(console, qtbot)
    assert "gone" in window.overview.tiles()
    with qtbot.waitSignal(console.bridges.hosts.host_removed, timeout=LIVE_MS):
        console.bridges.hosts.remove_host("gone")
    window.overview.refresh()
    assert "gone" not in window.overview.tiles()
    assert window.host_detail.host_box.findData("gone") < 0
    assert "gone" not in window.overview.banner.text()
    assert "gone" not in inv_file.read_text()
