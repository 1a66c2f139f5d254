"""The Databases page, the database tiles on the Overview, and the host pages that must not
mistake a database for a host: fed synthetic statuses through the real bridge."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from erpconsole.config import DatabaseConfig, Inventory, LocalConfig
from erpconsole.services.databases.postgres import PostgresCollector
from erpconsole.services.models import LOCAL_HOST, Health, HostSnapshot, TargetStatus
from erpconsole.widgets.table_model import LevelRole
from tests.ui.databases import db_samples as sample

# Port 9 (discard) answers nobody: the targets are watched, and the console is never started,
# so every status the pages see is one this test emits.
PG_URL = "postgresql+psycopg://monitor@127.0.0.1:9/erp"


def db_inventory(tmp_path, *names: str, local: bool = True) -> Inventory:
    return Inventory(path=str(tmp_path / "inventory.toml"), local=LocalConfig(enabled=local),
                     databases=tuple(DatabaseConfig(name=n, url=PG_URL, interval_s=3600) for n in names))


def shown(console, qtbot, page: str):
    window = console.window
    window.show()
    qtbot.waitExposed(window)
    window.show_page(page)
    return window


class EveryStatusBridge:
    """A status as the monitor hands it on: to each bridge that hears statuses (the hosts one
    also feeds the Overview), not to the databases pages alone."""

    def __init__(self, console) -> None:
        self.status_changed = self
        self._bridges = (console.bridges.hosts, console.bridges.databases)

    def emit(self, status: TargetStatus) -> None:
        for bridge in self._bridges:
            bridge.status_changed.emit(status)


def emit_fleet(bridge) -> None:
    busy = sample.snapshot("erp-db", i=0, commits_ps=300.0, rollbacks_ps=2.0, connections=85, max_connections=100)
    bridge.status_changed.emit(sample.status(busy, findings=[sample.finding(
        "erp-db", "85 of 100 connections in use (85%; warning at 80%)")]))
    quiet = sample.snapshot("erp-replica", i=0, commits_ps=3.0, rollbacks_ps=0.0, is_replica=True,
                            replication_lag_s=12.0, replication_lag_bytes=65536)
    bridge.status_changed.emit(sample.status(quiet))
    bridge.status_changed.emit(TargetStatus("legacy", "database", Health.UNREACHABLE,
                                            "cannot connect to 10.0.0.8:5432", 10.0, None, (), 1.0))
    host = HostSnapshot(LOCAL_HOST, 1.0, cpu_percent=10.0, mem_percent=20.0)
    bridge.status_changed.emit(TargetStatus(LOCAL_HOST, "host", Health.OK, "", 2.0, host, (), 1.0, 1.0))


def test_table_lists_every_database_with_its_figures(console_factory, qtbot, tmp_path):
    console = console_factory(db_inventory(tmp_path, "erp-db", "erp-replica", "legacy"))
    window = shown(console, qtbot, "databases")
    page = window.databases
    emit_fleet(console.bridges.databases)
    page._build()
    assert sorted(r["target"] for r in page.rows()) == ["erp-db", "erp-replica", "legacy"]
    model = page.model
    i = next(n for n, r in enumerate(model.rows()) if r["target"] == "erp-db")

    def text(key: str) -> str:
        return model.display_text(i, model.column_index(key))

    assert text("kind") == "PostgreSQL" and text("version") == "PostgreSQL 16.4"
    # The worst finding decides the word, as it decides the colour: not "ok" on an amber row.
    assert text("status") == "▲ warning" and text("uptime") == "3 d 2 h"
    assert text("connections") == "85 / 100" and text("conn_pct") == "85"
    assert text("tps") == "302.0" and text("cache") == "99.2" and text("size") == "5.0 GiB"
    assert text("qps") == ""  # PostgreSQL counts no statements; MariaDB's Questions below
    assert text("message").startswith("85 of 100 connections")
    assert model.data(model.index(i, 0), LevelRole) == "warning"
    legacy = model.rows().index(page.row_for("legacy"))
    assert model.data(model.index(legacy, 0), LevelRole) == "critical"
    assert model.display_text(legacy, model.column_index("status")) == "■ unreachable"
    replica = model.rows().index(page.row_for("erp-replica"))
    assert model.display_text(replica, model.column_index("lag")) == "12.0 s · 64.0 KiB"


def test_sort_filter_and_copy(console_factory, qtbot, tmp_path):
    console = console_factory(db_inventory(tmp_path, "erp-db", "erp-replica", "legacy"))
    page = shown(console, qtbot, "databases").databases
    emit_fleet(console.bridges.databases)
    page._build()
    proxy = page.table.proxy_model()
    page.table.sortByColumn(page.model.column_index("tps"), Qt.SortOrder.DescendingOrder)
    order = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    assert [t for t in order if t != "legacy"] == ["erp-db", "erp-replica"]  # 302, then 3 transactions/s
    page.table.sortByColumn(page.model.column_index("tps"), Qt.SortOrder.AscendingOrder)
    order = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    assert [t for t in order if t != "legacy"] == ["erp-replica", "erp-db"]
    page.filter_edit.setText("unreach")
    assert [r["target"] for r in page.rows()] == ["legacy"]
    page.filter_edit.setText("postgresql 16")
    assert sorted(r["target"] for r in page.rows()) == ["erp-db", "erp-replica"]
    page.filter_edit.clear()
    page.status_combo.setCurrentIndex(page.status_combo.findData("failing"))
    assert [r["target"] for r in page.rows()] == ["legacy"]
    page.status_combo.setCurrentIndex(page.status_combo.findData("attention"))
    assert sorted(r["target"] for r in page.rows()) == ["erp-db", "legacy"]
    page.status_combo.setCurrentIndex(page.status_combo.findData("all"))
    page.select("erp-db")
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QGuiApplication.clipboard().text()
    heading, row = copied.splitlines()  # the headings first, as pasted into a spreadsheet
    assert row.startswith("erp-db\tPostgreSQL\t▲ warning\tPostgreSQL 16.4") and "85 / 100" in row
    assert len(heading.split("\t")) == len(row.split("\t"))


def test_enter_opens_the_detail_page(console_factory, qtbot, tmp_path):
    console = console_factory(db_inventory(tmp_path, "erp-db", "erp-replica", "legacy"))
    window = shown(console, qtbot, "databases")
    emit_fleet(console.bridges.databases)
    page = window.databases
    page._build()
    page.select("erp-replica")
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert window.current_page_key() == "database"
    assert window.database_detail.target == "erp-replica"


def test_empty_state_says_how_to_add_a_database(console_factory, qtbot, tmp_path):
    console = console_factory(db_inventory(tmp_path))
    window = shown(console, qtbot, "databases")
    page = window.databases
    assert page.is_empty_state()
    text = page.empty_label.text()
    for needed in (str(tmp_path / "inventory.toml"), "[[databases]]", "postgresql+psycopg://monitor@db:5432/erp",
                   "erpconsole secret set db:erp-db"):
        assert needed in text
    window.show_page("database")
    detail = window.database_detail
    assert detail.body.currentWidget() is detail.empty_label
    # What to add, not an empty drop-down beside a badge of nothing.
    assert not detail.header.isVisibleTo(detail)
    assert "[[databases]]" in detail.empty_label.text() and "press Add database" in detail.empty_label.text()
    assert str(tmp_path / "inventory.toml") in detail.empty_label.text()


def test_host_pages_ignore_databases_and_overview_puts_hosts_first(console_factory, qtbot, tmp_path):
    console = console_factory(db_inventory(tmp_path, "alpha-db", "erp-db", "erp-replica", "legacy"))
    window = shown(console, qtbot, "hosts")
    emit_fleet(EveryStatusBridge(console))
    window.hosts._build()
    assert [r["target"] for r in window.hosts.rows()] == [LOCAL_HOST]
    host_box = window.host_detail.host_box
    assert [host_box.itemData(i) for i in range(host_box.count())] == [LOCAL_HOST]
    window.show_page("overview")
    overview = window.overview
    overview.refresh()
    grid = overview._grid
    order = [grid.itemAt(i).widget().key for i in range(grid.count())]
    assert order == [LOCAL_HOST, "alpha-db", "erp-db", "erp-replica", "legacy"]
    captions = [c for c, _v, _l in overview.tile("erp-db").values()]
    values = [v for _c, v, _l in overview.tile("erp-db").values()]
    assert captions == ["TPS", "Connections", "Lag"] and values == ["302", "85%", "0.5s"]
    assert overview.tile("erp-db").values()[1][2] == "warning"  # the connections finding
    assert overview.tile("erp-db").status()[0] == "warning"
    assert overview.tile("legacy").status()[0] == "critical"
    assert [c for c, _v, _l in overview.tile(LOCAL_HOST).values()][:2] == ["CPU", "Memory"]


def test_database_tile_sparkline_and_click(console_factory, qtbot, tmp_path):
    console = console_factory(db_inventory(tmp_path, "erp-db", local=False))
    window = shown(console, qtbot, "overview")
    now = time.time()
    for i in range(5):
        snap = sample.snapshot("erp-db", ts=now - 50 + 10 * i, commits_ps=100.0 + i, rollbacks_ps=1.0)
        EveryStatusBridge(console).emit(sample.status(snap))
    window.overview.refresh()
    tile = window.overview.tile("erp-db")
    # Transactions per second (commits and rollbacks), scaled to the data, not to 0-100 %.
    assert tile.sparkline().values().tolist() == [101.0, 102.0, 103.0, 104.0, 105.0]
    assert tile.values()[0] == ("TPS", "105", "ok")
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert window.current_page_key() == "database"
    assert window.database_detail.target == "erp-db"


def test_pages_and_navigation(console_factory, qtbot, tmp_path):
    console = console_factory(db_inventory(tmp_path, "erp-db"))
    window = shown(console, qtbot, "overview")
    assert window.page_keys() == ["overview", "hosts", "host", "databases", "database", "access", "backups", "sop", "events", "alerts"]
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert "Databases" in titles and "Database detail" in titles


def test_a_database_that_never_answered_still_shows_its_kind(console_factory, qtbot, tmp_path):
    console = console_factory(db_inventory(tmp_path, "legacy"))
    window = shown(console, qtbot, "databases")
    console.bridges.databases.status_changed.emit(TargetStatus("legacy", "database", Health.UNREACHABLE,
                                                    "cannot connect", 10.0, None, (), 1.0))
    page = window.databases
    page._build()
    model = page.model
    assert model.display_text(0, model.column_index("kind")) == "PostgreSQL"


def test_a_mariadb_row_shows_its_queries_per_second(console_factory, qtbot, tmp_path):
    console = console_factory(db_inventory(tmp_path, "erp-db"))
    window = shown(console, qtbot, "databases")
    page = window.databases
    snap = sample.snapshot("erp-db", kind="mariadb", commits_ps=777.0, rollbacks_ps=0.0,
                           queries_ps=15540.0)
    console.bridges.databases.status_changed.emit(sample.status(snap))
    page._build()
    model = page.model
    i = next(n for n, r in enumerate(model.rows()) if r["target"] == "erp-db")
    assert model.display_text(i, model.column_index("tps")) == "777.0"
    assert model.display_text(i, model.column_index("qps")) == "15540.0"


def test_an_empty_rate_cell_says_why_in_its_tooltip(console_factory, qtbot, tmp_path, pg_database):
    """Snapshots of the machine's real PostgreSQL: the first poll has no rate yet, and a second
    poll at once is too soon for one (PostgreSQL publishes its counters about once a second)."""
    url = pg_database()
    collector = PostgresCollector(DatabaseConfig(name="erp-db", url=url))
    try:
        first, too_soon = collector.collect(), collector.collect()
    finally:
        collector.close()
    assert first.tps is None and too_soon.tps is None, (first.tps, too_soon.tps)
    console = console_factory(db_inventory(tmp_path, "erp-db"))
    window = shown(console, qtbot, "databases")
    page, model = window.databases, window.databases.model

    def tip(key: str) -> str:
        return model.data(model.index(0, model.column_index(key)), Qt.ItemDataRole.ToolTipRole)

    console.bridges.databases.status_changed.emit(sample.status(first))
    page._build()
    assert model.display_text(0, model.column_index("tps")) == ""
    assert tip("tps").startswith("No rate yet: waiting for a second reading"), tip("tps")
    assert tip("qps").startswith("PostgreSQL keeps no count of the statements"), tip("qps")
    console.bridges.databases.status_changed.emit(sample.status(too_soon))
    page._build()
    assert tip("tps").startswith("not enough time for a rate"), tip("tps")
    assert tip("tps") == too_soon.note("rates")
    busy = sample.snapshot("erp-db", kind="mariadb", commits_ps=777.0, rollbacks_ps=0.0)
    console.bridges.databases.status_changed.emit(sample.status(busy))
    page._build()
    assert tip("tps") == "777.0"  # a cell with a figure: its text, as before
    assert tip("qps").startswith("No rate yet"), tip("qps")
