"""The Database detail page fed synthetic snapshots through the real bridge: charts, the size
growth, the tabs and their notes, and the confirmation of every action."""

from __future__ import annotations

import time

import numpy as np
import pytest

from erpconsole.services.models import PanelNote
from erpconsole.widgets.table_model import LevelRole
from tests.ui.databases import db_samples as sample
from tests.ui.databases.test_databases_page import db_inventory, shown


@pytest.fixture
def detail(console_factory, qtbot, tmp_path):
    console = console_factory(db_inventory(tmp_path, "erp-db", "erp-replica", local=False))
    window = shown(console, qtbot, "database")
    window.database_detail.set_target("erp-db")
    return console, window.database_detail


def feed(bridge, target="erp-db", n=20, **fields):
    now = time.time()
    for i in range(n):
        snap = sample.snapshot(target, ts=now - 10 * (n - 1) + 10 * i, i=i, **fields)
        bridge.status_changed.emit(sample.status(snap))
    return snap


def test_charts_get_every_series(detail):
    console, page = detail
    feed(console.bridges.databases)
    page.refresh()
    tps = page.charts["tps"]
    ts, commits = tps.series_data("db.commits_ps|")
    assert len(ts) == 20 and np.all(np.diff(ts) > 0)
    assert commits[:5].tolist() == [120.0, 130.0, 140.0, 150.0, 160.0]
    assert tps.series_data("db.rollbacks_ps|")[1][0] == 1.5
    conns = page.charts["connections"]
    for state in ("active", "idle", "idle in transaction", "waiting"):
        assert len(conns.series_data(f"db.connections_state|{state}")[0]) == 20
    assert conns.series_data("db.max_connections|")[1][-1] == 100.0
    assert "maximum" in [name for name, _c in conns.legend_entries()]
    rows = page.charts["rows"]
    assert {k.split("|")[0] for k in rows.series_keys()} == {
        "db.rows_read_ps", "db.rows_inserted_ps", "db.rows_updated_ps", "db.rows_deleted_ps"}
    assert page.charts["locks"].series_data("db.lock_waits|")[1][-1] == 2.0
    assert page.charts["temp"].series_data("db.temp_files_ps|")[1][-1] == pytest.approx(0.1)
    assert page.charts["lag_s"].series_data("db.replication_lag_s|")[1][-1] == 0.5
    assert page.charts["lag_bytes"].series_data("db.replication_lag_bytes|")[1][-1] == 4096.0
    assert page.charts["cache"].isVisibleTo(page) and page.charts["lag_s"].isVisibleTo(page)


def test_size_growth_in_words(detail):
    console, page = detail
    feed(console.bridges.databases)  # 5 GiB, one MiB more every 10 s
    page.refresh()
    assert page.charts["size"].title() == "Database size: 5.0 GiB, +19.0 MiB in 3 min"
    console.bridges.databases.status_changed.emit(sample.status(sample.snapshot("erp-db", size_bytes=5 * 1024**3)))
    page.refresh()
    assert page.growth().endswith("+0 B in 3 min")  # 5 GiB again: the growth of the range shown


def test_charts_without_data_are_hidden_and_leave_no_hole(detail):
    console, page = detail
    feed(console.bridges.databases, "erp-replica", replication_lag_s=None, replication_lag_bytes=None, cache_hit_percent=None)
    page.set_target("erp-replica")
    page.refresh()
    assert not page.charts["lag_s"].isVisibleTo(page) and not page.charts["cache"].isVisibleTo(page)
    grid = page._grid
    shown_charts = [grid.itemAt(i).widget() for i in range(grid.count()) if not grid.itemAt(i).widget().isHidden()]
    positions = sorted(grid.getItemPosition(grid.indexOf(c))[:2] for c in shown_charts)
    assert positions == [(i // 2, i % 2) for i in range(len(shown_charts))]


def test_header_shows_version_uptime_and_findings(detail):
    console, page = detail
    snap = sample.snapshot("erp-db")
    console.bridges.databases.status_changed.emit(sample.status(snap, findings=[sample.finding(
        "erp-db", "session 4246 (odoo) idle in a transaction for 5 min", check="db_long_query")]))
    assert page.version_label.text() == "PostgreSQL 16.4"
    assert page.uptime_label.text() == "up 3 d 2 h"
    assert page.badge.level() == "warning"
    assert "idle in a transaction for 5 min" in page.findings_text()


def test_activity_marks_blockers_and_filters_long_sessions(detail):
    console, page = detail
    feed(console.bridges.databases, n=1)
    page.refresh()
    act = page.activity
    assert sorted(r["pid"] for r in act.rows()) == [4242, 4243, 4244, 4245, 4246]
    model = act.model

    def level(pid):
        i = next(n for n, r in enumerate(model.rows()) if r["pid"] == pid)
        return model.data(model.index(i, 0), LevelRole)

    assert level(4242) == "critical"  # two sessions wait behind it
    assert level(4243) == "warning" and level(4244) == "warning"
    assert level(4245) is None
    head = next(r for r in act.rows() if r["pid"] == 4242)
    i = model.rows().index(head)
    assert model.display_text(i, model.column_index("blocks")) == "2"
    assert model.display_text(i, model.column_index("duration")) == "6 min 40 s"
    assert model.display_text(model.rows().index(next(r for r in act.rows() if r["pid"] == 4243)),
                              model.column_index("blocked_by")) == "4242"
    assert page.tabs.tabText(0) == "Activity (5, 2 blocked)"
    proxy = act.table.proxy_model()
    shown_pids = [int(proxy.index(r, 0).data()) for r in range(proxy.rowCount())]
    assert shown_pids[0] == 4242 and shown_pids[-1] == 4245  # oldest transaction first, none last

    assert act.long_s.value() == 30
    act.long_only.setChecked(True)  # 30 s: the 400 s query, the 120 s one, 45 s idle in transaction
    assert sorted(r["pid"] for r in act.rows()) == [4242, 4243, 4246]
    act.long_s.setValue(100)
    assert sorted(r["pid"] for r in act.rows()) == [4242, 4243]
    act.long_s.setValue(1000)
    assert act.rows() == [] and not act.frame.shows_content()
    assert "1000 s" in act.frame.empty_text()
    act.long_only.setChecked(False)
    act.filter_edit.setText("metabase")
    assert act.table.proxy_model().rowCount() == 1


def test_full_query_text_and_copy(detail, qtbot):
    from PySide6.QtGui import QGuiApplication

    console, page = detail
    feed(console.bridges.databases, n=1)
    page.refresh()
    act = page.activity
    assert act.select_pid(4242)
    assert act.query_pane.query() == sample.LONG_QUERY  # every line, as the server has it
    assert "\n" not in next(r for r in act.rows() if r["pid"] == 4242)["query"]
    act.query_pane.copy_button.click()
    assert QGuiApplication.clipboard().text() == sample.LONG_QUERY
    # The selection survives the next poll.
    feed(console.bridges.databases, n=1)
    page.refresh()
    assert act.selected_session().pid == 4242


def test_notes_say_why_a_panel_is_empty(detail):
    console, page = detail
    notes = (PanelNote("statements", "Top statements need pg_stat_statements: CREATE EXTENSION pg_stat_statements"),
             PanelNote("activity", "Only your own sessions are visible: GRANT pg_read_all_stats TO monitor"),
             PanelNote("replication", "Replication needs the pg_monitor role"))
    feed(console.bridges.databases, n=1, statements=(), replicas=(), notes=notes)
    page.refresh()
    assert page.statements.frame.note().startswith("Top statements need pg_stat_statements")
    assert not page.statements.frame.shows_content() and page.statements.frame.empty_text() == ""
    assert page.activity.frame.note().startswith("Only your own sessions")
    assert page.activity.frame.shows_content()  # a note and the rows it could see
    assert page.replication.frame.note() == "Replication needs the pg_monitor role"
    assert page.tables.frame.note() == "" and page.tables.frame.shows_content()
    feed(console.bridges.databases, n=1, statements=(), notes=())
    page.refresh()
    assert page.statements.frame.note() == ""
    assert page.statements.frame.empty_text() == "No statements recorded yet."


def test_terminate_shows_the_statement_and_defaults_to_cancel(detail):
    console, page = detail
    feed(console.bridges.databases, n=1)
    page.refresh()
    page.activity.select_pid(4242)
    seen = []
    page.runner.run_dialog = lambda d: (seen.append(d), False)[1]
    page.activity.request("terminate")
    expected = console.bridges.databases.build_db_action("erp-db", "terminate", pid=4242)
    dialog = seen[0]
    assert dialog.statement() == expected.statement and "4242" in expected.statement + expected.subject
    assert dialog.default_button() is dialog.cancel_button
    assert "audit trail" in dialog.audit_label.text()
    assert "erp-db" in dialog.target_label.text()
    assert page.runner.running() == []
    assert "not run" in page.action_line.text()


def test_confirmed_action_runs_off_the_gui_thread_and_reports(detail, qtbot):
    console, page = detail
    feed(console.bridges.databases, n=1)
    page.refresh()
    page.activity.select_pid(4243)
    seen = []
    page.runner.run_dialog = lambda d: (seen.append(d), True)[1]
    page.activity.request("cancel")
    assert seen[0].default_button() is seen[0].cancel_button
    assert len(page.runner.running()) == 1
    assert not page.busy.isHidden() and "running" in page.action_line.text()
    # Nobody answers on port 9: the action fails, and the page says so in its status line.
    qtbot.waitUntil(lambda: not page.runner.running(), timeout=20000)
    assert page.busy.isHidden()
    assert page.action_line.text().startswith("Cancel query — ")
    assert page.action_line.text().endswith(" s)")  # the answer and how long it took


def test_table_actions_offered_by_kind(detail):
    console, page = detail
    feed(console.bridges.databases, n=1)
    page.refresh()
    tables = page.tables
    assert tables.offered_actions() == ["analyze", "vacuum"]
    assert tables.table.isColumnHidden(tables.model.column_index("free"))
    assert [r["name"] for r in tables.rows()] == ["public.sale_order", "public.res_partner"]
    assert tables.select_table("public", "sale_order")
    seen = []
    page.runner.run_dialog = lambda d: (seen.append(d), False)[1]
    tables.request("vacuum")
    expected = console.bridges.databases.build_db_action("erp-db", "vacuum", table="sale_order", schema="public")
    assert seen[0].statement() == expected.statement and "sale_order" in expected.statement
    assert seen[0].default_button() is seen[0].run_button
    tables.request("optimize")  # not offered for PostgreSQL: no dialog
    assert len(seen) == 1
    tables.set_kind("mariadb")
    assert tables.offered_actions() == ["analyze", "optimize"]
    assert tables.table.isColumnHidden(tables.model.column_index("dead"))
    assert not tables.table.isColumnHidden(tables.model.column_index("free"))


def test_indexes_and_sequences_sections(detail):
    console, page = detail
    feed(console.bridges.databases, n=1)
    page.refresh()
    tables = page.tables
    im = tables.index_model
    invalid = next(i for i, r in enumerate(im.rows()) if r["name"] == "sale_order_tmp_idx")
    assert im.display_text(invalid, im.column_index("valid")) == "INVALID"
    assert im.data(im.index(invalid, 0), LevelRole) == "critical"
    sm = tables.sequence_model
    assert sm.display_text(0, sm.column_index("used")) == "93.1"
    assert sm.data(sm.index(0, 0), LevelRole) == "critical"


def test_refused_action_is_a_line_not_a_box(detail):
    console, page = detail
    feed(console.bridges.databases, n=1)
    page.refresh()
    seen = []
    page.runner.run_dialog = lambda d: (seen.append(d), True)[1]
    assert page.runner.request("erp-db", "PostgreSQL", "optimize", table="sale_order", schema="public") is None
    assert seen == [] and page.action_line.text().startswith("Optimize: ")


def test_store_ranges_and_state_are_remembered(console_factory, qtbot, tmp_path):
    console = console_factory(db_inventory(tmp_path, "erp-db", local=False))
    page = shown(console, qtbot, "database").database_detail
    assert console.wait_store()
    now = time.time()
    for i in range(60):  # two hours ago the database grew 1 MiB a minute
        snap = sample.snapshot("erp-db", ts=now - 7200 + 60 * i, size_bytes=1024**3 + i * 1024**2)
        console.writer.put(snap.samples())
    console.writer.flush(5)
    console.store.maintain(now)
    page.set_target("erp-db")
    page.range_group.button(86400).click()
    assert page.uses_store()
    size = page.charts["size"]

    def has_old_points():
        return size.has_series("db.size_bytes|") and (size.series_data("db.size_bytes|")[0] < now - 3600).any()

    qtbot.waitUntil(has_old_points, timeout=10000)
    page.refresh()
    assert "store" in page.source_label.text()
    assert ", +" in page.growth() and " in " in page.growth()
    page.activity.long_s.setValue(90)
    console.window.save_state()
    again = console_factory(db_inventory(tmp_path, "erp-db", local=False))
    assert again.window.database_detail.range_s == 86400
    assert again.window.database_detail.activity.long_s.value() == 90



def test_keyboard_delete_asks_to_terminate_the_selected_session(detail, qtbot):
    from PySide6.QtCore import Qt

    console, page = detail
    feed(console.bridges.databases, n=1)
    page.refresh()
    window = console.window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    page.activity.select_pid(4243)
    page.activity.table.setFocus()
    seen = []
    page.runner.run_dialog = lambda d: (seen.append(d.action), False)[1]
    qtbot.keyClick(page.activity.table, Qt.Key.Key_Delete)
    qtbot.keyClick(page.activity.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert [a.action for a in seen] == ["terminate", "explain"] and seen[0].subject == "pid 4243"
    assert seen[1].statement == "EXPLAIN UPDATE sale_order SET state = 'sale' WHERE id = 17"


def test_a_sqlite_file_shows_only_the_charts_it_can_fill(detail):
    console, page = detail
    assert page.header.isVisibleTo(page)
    feed(console.bridges.databases, n=3, kind="sqlite", commits_ps=None, rollbacks_ps=None,
         connections_by_state=(), max_connections=None, rows_read_ps=None, rows_inserted_ps=None,
         rows_updated_ps=None, rows_deleted_ps=None, lock_waits=None, deadlocks_ps=None)
    page.refresh()
    shown = [key for key, chart in page.charts.items() if chart.isVisibleTo(page)]
    assert shown == ["size"]  # no "No data yet" forever on transactions, connections, rows, locks
    page.set_target("erp-replica")  # a PostgreSQL server again: its charts come back
    assert {"tps", "connections", "rows", "locks", "size"} <= {
        key for key, chart in page.charts.items() if chart.isVisibleTo(page)}


def test_the_activity_tab_names_the_session_holding_up_the_others(detail, qtbot):
    console, page = detail
    feed(console.bridges.databases, n=1)
    page.refresh()
    line = page.activity.blocker_line
    assert line.isVisibleTo(page) and [b.pid for b in line.queues()] == [4242]
    assert "Session 4242 (odoo, odoo-worker, active, transaction open 6 min 50 s) holds up 2 sessions " \
           "for up to 2 min" in line.text()
    act = page.activity
    act.filter_edit.setText("metabase")  # the blocker is filtered out: the link still finds it
    line.linkActivated.emit("4242")
    assert act.selected_session().pid == 4242 and act.filter_edit.text() == ""
    console.bridges.databases.status_changed.emit(sample.status(sample.snapshot("erp-db", sessions=())))
    page.refresh()
    assert not line.isVisibleTo(page)


def test_a_mariadb_server_charts_its_queries_per_second_and_postgresql_hides_the_chart(detail):
    console, page = detail
    feed(console.bridges.databases, n=3, kind="mariadb", queries_ps=15540.0)
    page.refresh()
    qps = page.charts["qps"]
    assert qps.isVisibleTo(page) and qps.series_data("db.queries_ps|")[1][-1] == 15540.0
    page.set_target("erp-replica")
    feed(console.bridges.databases, target="erp-replica", n=3)  # PostgreSQL: no Questions
    page.refresh()
    assert not page.charts["qps"].isVisibleTo(page) and page.charts["tps"].isVisibleTo(page)


def test_a_poll_too_soon_for_a_rate_says_so_instead_of_charting_a_wrong_one(detail):
    console, page = detail
    why = ("not enough time for a rate: PostgreSQL publishes its counters about once a second, "
           "so a rate needs readings at least 1.5 s apart; the next poll gives one")
    feed(console.bridges.databases, n=1, commits_ps=None, rollbacks_ps=None,
         cache_hit_percent=None, notes=(PanelNote("rates", why),))
    page.refresh()
    assert why in page.findings_text()
