"""The store's health where the eye goes: a real SQLite store made to refuse writes (its page
count capped, so inserts raise SQLITE_FULL as on a full disk) turns the status bar's store word
into "store: writes failing since HH:MM (disk full)" in critical style, with an event in the
event log; when writes succeed again the size comes back, a recovery event follows, and what
was written meanwhile (the failing event too) is in the store."""

from __future__ import annotations

import time

from sqlalchemy import event

from erpconsole.services.models import Severity


def _cap_pages(dbapi_conn, _record) -> None:
    pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
    dbapi_conn.execute(f"PRAGMA max_page_count={pages}")


def test_a_full_store_shows_in_the_status_bar_and_the_event_log_until_it_recovers(console_factory, qtbot):
    console = console_factory()
    window = console.window
    window.show()
    label = window.store_label
    assert console.wait_store()
    qtbot.waitUntil(lambda: label.text().startswith("store ") and label.text().endswith("iB"), timeout=10000)
    assert label.property("level") == "ok"

    engine = console.store.engine
    event.listen(engine, "connect", _cap_pages)
    engine.dispose()  # every new connection has no room to grow
    console.bridges.events.log_event("", "a long note " + "x" * 50_000)  # needs new pages at once
    when = time.strftime("%H:%M")
    qtbot.waitUntil(lambda: label.text().startswith("store: writes failing since"), timeout=15000)
    assert label.text() in {f"store: writes failing since {t} (disk full)"
                            for t in (when, time.strftime("%H:%M"))}
    assert label.property("level") == "critical"
    assert "OperationalError" in label.toolTip()

    def logged(prefix):
        return [e for e in window.event_log.events() if e.message.startswith(prefix)]

    qtbot.waitUntil(lambda: len(logged("store: writes failing since")) == 1, timeout=5000)
    assert logged("store: writes failing since")[0].level is Severity.CRITICAL
    # Failing again and again is one streak: one event, the status bar unchanged.
    failed = console.writer.errors
    qtbot.waitUntil(lambda: console.writer.errors >= failed + 2, timeout=10000)  # two more retries
    assert len(logged("store: writes failing since")) == 1
    assert label.text().startswith("store: writes failing since")

    event.remove(engine, "connect", _cap_pages)
    engine.dispose()  # room again
    qtbot.waitUntil(lambda: len(logged("store: writes succeed again")) == 1, timeout=15000)
    qtbot.waitUntil(lambda: not label.text().startswith("store: writes failing"), timeout=5000)
    window._update_status_bar()
    assert label.text().startswith("store ") and label.property("level") == "ok"
    assert "disk full" in logged("store: writes succeed again")[0].message
    assert console.writer.flush(10)
    stored = [e.message for e in console.store.recent_events(100)]
    assert any(m.startswith("store: writes failing since") for m in stored)
    assert any(m.startswith("a long note") for m in stored)  # kept and written, not lost
