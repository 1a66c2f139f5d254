"""The Database detail page on the machine's real PostgreSQL: live header and activity, then the
3 a.m. story end to end: a session idle in a transaction, terminated from the Activity tab,
recorded in the audit trail; and a query plan from Explain."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, exc, text

from erpconsole.config import DatabaseConfig, Inventory, LocalConfig
from tests.limits import DB_NEVER_CROSSED

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_console(console_factory, qtbot, pg_database):
    url = pg_database()
    console = console_factory(Inventory(local=LocalConfig(enabled=False),
                                        databases=(DatabaseConfig(name="pg", url=url, interval_s=1.0,
                                                                  thresholds=DB_NEVER_CROSSED),)))
    engine = create_engine(url)
    yield console, engine
    engine.dispose()


def _open_page(console, qtbot):
    console.start()
    window = console.window
    window.show()
    qtbot.waitExposed(window)
    window.show_page("database")
    page = window.database_detail
    assert page.target == "pg"  # the first database, picked without asking
    return page


def _idle_in_transaction(engine):
    conn = engine.connect()
    conn.execute(text("SET application_name = 'erpc-test-holder'"))
    conn.commit()
    pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()  # opens the transaction it keeps
    return conn, pid


def test_detail_page_shows_the_live_server(pg_console, qtbot):
    console, engine = pg_console
    holder, pid = _idle_in_transaction(engine)
    try:
        page = _open_page(console, qtbot)

        def ready():
            page.refresh()
            return page.activity.model.rowCount() > 0 and "PostgreSQL" in page.version_label.text()

        qtbot.waitUntil(ready, timeout=20000)
        assert page.badge.level() == "ok"  # limits the shared server cannot cross
        assert page.uptime_label.text().startswith("up ")
        qtbot.waitUntil(lambda: (page.refresh(), any(r["pid"] == pid for r in page.activity.rows()))[1],
                        timeout=10000)
        row = next(r for r in page.activity.rows() if r["pid"] == pid)
        assert row["state"].startswith("idle in transaction") and row["application"] == "erpc-test-holder"
        # Rates need two polls: the transactions chart fills from the second one on.
        tps = page.charts["tps"]
        qtbot.waitUntil(lambda: (page.refresh(), tps.has_series("db.commits_ps|")
                                 and len(tps.series_data("db.commits_ps|")[0]) >= 2)[1], timeout=15000)
        size = page.charts["size"]
        assert size.series_data("db.size_bytes|")[1][-1] > 1_000_000
        assert page.growth().startswith("Database size: ")
    finally:
        holder.close()


def test_terminate_from_the_activity_tab_is_run_and_audited(pg_console, qtbot):
    console, engine = pg_console
    holder, pid = _idle_in_transaction(engine)
    try:
        page = _open_page(console, qtbot)
        assert console.wait_store()
        qtbot.waitUntil(lambda: (page.refresh(), page.activity.select_pid(pid))[1], timeout=20000)
        seen = []
        page.runner.run_dialog = lambda d: (seen.append(d), True)[1]
        page.activity.request("terminate")
        assert seen[0].statement() == f"SELECT pg_terminate_backend({pid})"
        assert seen[0].default_button() is seen[0].cancel_button
        qtbot.waitUntil(lambda: not page.runner.running(), timeout=20000)
        assert f"session {pid} was terminated" in page.action_line.text()
        with pytest.raises(exc.DBAPIError):
            holder.execute(text("SELECT 1"))
        entries = console.store.audit.entries(10, "pg")
        assert [e.action for e in entries][:2] == ["db.terminate", "db.terminate"]
        assert f"pg_terminate_backend({pid})" in entries[0].details
        # The next poll no longer lists the session.
        qtbot.waitUntil(lambda: (page.refresh(), all(r["pid"] != pid for r in page.activity.rows()))[1],
                        timeout=10000)
    finally:
        holder.close()


def test_explain_opens_the_plan_beside_the_page(pg_console, qtbot):
    console, engine = pg_console
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE sale_order (id serial PRIMARY KEY, state text)"))
    report = "SELECT count(*) FROM sale_order WHERE state = 'draft'"
    holder = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    pid = holder.execute(text("SELECT pg_backend_pid()")).scalar_one()
    holder.execute(text(report))  # its last statement, as the Activity tab shows it
    try:
        page = _open_page(console, qtbot)
        assert console.wait_store()

        def holder_seen():
            page.refresh()
            return page.activity.select_pid(pid) and page.activity.query_pane.query() == report

        qtbot.waitUntil(holder_seen, timeout=20000)
        seen = []
        page.runner.run_dialog = lambda d: (seen.append(d), True)[1]
        page.activity.request("explain")
        assert seen[0].statement() == "EXPLAIN " + report
        qtbot.waitUntil(lambda: page.runner.last_explain is not None, timeout=20000)
        plan = page.runner.last_explain.plan()
        assert "sale_order" in plan and ("Scan" in plan or "Aggregate" in plan)
        assert not page.runner.last_explain.isModal()
    finally:
        holder.close()


def test_a_lock_queue_names_its_blocker_in_the_header_and_the_activity_tab(console_factory, qtbot, pg_database):
    import threading
    from dataclasses import replace

    url = pg_database()
    quick = replace(DB_NEVER_CROSSED, lock_wait_warning_s=0.2, lock_wait_critical_s=1e9)
    console = console_factory(Inventory(local=LocalConfig(enabled=False), databases=(
        DatabaseConfig(name="pg", url=url, interval_s=1.0, thresholds=quick),)))
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE acct (id int PRIMARY KEY, v int); INSERT INTO acct VALUES (1, 0)"))
    holder, pid = _idle_in_transaction(engine)
    holder.execute(text("UPDATE acct SET v = v + 1 WHERE id = 1"))
    waiter = engine.connect()
    done = threading.Event()

    def wait():
        try:
            waiter.execute(text("UPDATE acct SET v = v + 2 WHERE id = 1"))
            waiter.commit()
        finally:
            done.set()

    threading.Thread(target=wait, daemon=True).start()
    try:
        page = _open_page(console, qtbot)
        line = page.activity.blocker_line

        def named():
            page.refresh()
            return any(b.pid == pid for b in line.queues()) and f"behind session {pid} " in page.findings_text()

        qtbot.waitUntil(named, timeout=20000)
        assert f"Session {pid} (postgres, erpc-test-holder, idle in transaction, transaction open " in line.text()
        assert "user postgres, application erpc-test-holder, idle in transaction" in page.findings_text()
        assert page.badge.level() == "warning"
        line.linkActivated.emit(str(pid))
        assert page.activity.selected_session().pid == pid
    finally:
        holder.close()
        assert done.wait(10)
        waiter.close()
        engine.dispose()


@pytest.mark.parametrize("page", ["databases", "database"])
def test_screenshot_of_the_database_pages(tmp_path, pg_database, page):
    """`erpconsole screenshot --page database` picks the first database, as --page host does."""
    import os
    import subprocess
    import sys

    import numpy as np
    from PySide6.QtGui import QImage

    inventory = tmp_path / "inventory.toml"
    inventory.write_text(f'[local]\nenabled = false\n\n[[databases]]\nname = "pg"\nurl = "{pg_database()}"\n'
                         'interval_s = 1\n')
    png = tmp_path / f"{page}.png"
    r = subprocess.run([sys.executable, "-m", "erpconsole", "screenshot", str(png), "--page", page,
                        "--inventory", str(inventory), "--after", "3", "--size", "1200x800"],
                       capture_output=True, text=True, timeout=90, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr
    image = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB32)
    assert (image.width(), image.height()) == (1200, 800)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32, count=1200 * 800)
    assert len(np.unique(pixels)) > 50
