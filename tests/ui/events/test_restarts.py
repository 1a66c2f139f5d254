"""The event log is a record, not noise: three starts of the console on one store, the
workstation ok each time, leave one "This workstation is ok" and three "console started"
lines; a state that did change while the console was off is logged once, from the stored one."""

from __future__ import annotations

import time

from erpconsole import __version__
from erpconsole.config import LOCAL_HOST, Inventory, LocalConfig
from tests.limits import NEVER_CROSSED


def _run_once(qtbot, tmp_path, store_url: str) -> None:
    """One start: wait for two polls of the workstation (the first one's change is handled by
    then: notices are handled in order), let the writer write, stop."""
    from erpconsole.app import Console

    began = time.time()
    # Limits this machine never crosses: the state is "ok" whatever its load, every start.
    console = Console(Inventory(local=LocalConfig(interval_s=0.2, thresholds=NEVER_CROSSED)), store_url,
                      tmp_path / "ui.ini")
    try:
        console.start()
        assert console.wait_store()
        polls = set()

        def polled_twice() -> bool:
            status = next((s for s in console.monitor.statuses() if s.target == LOCAL_HOST), None)
            if status is not None and status.last_poll_ts:
                polls.add(status.last_poll_ts)
            return len(polls) >= 2

        qtbot.waitUntil(polled_twice, timeout=15000)
        # This start's line is on the page as it happens, not only in the store.
        assert sum(e.kind == "console" and e.ts >= began for e in console.window.event_log.events()) == 1
        assert console.writer.flush(10)
    finally:
        console.window.close()
        console.stop()
        console.window.deleteLater()
        console.bridges.delete_later()


def test_restarts_with_the_same_state_log_it_once_and_each_start_once(qtbot, tmp_path):
    from erpconsole.services.store import Store

    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    for _ in range(3):
        _run_once(qtbot, tmp_path, url)
    store = Store(url)
    try:
        events = list(reversed(store.recent_events(1000)))
    finally:
        store.close()
    health = [e.message for e in events if e.kind == "health"]
    assert health == [f"{LOCAL_HOST} is ok"]
    assert [e.message for e in events if e.kind == "console"] == [f"console started (erpconsole {__version__})"] * 3
    assert [e.state for e in events if e.kind == "health"] == ["ok"]


def test_a_change_while_the_console_was_off_is_logged_from_the_stored_state(qtbot, tmp_path):
    from erpconsole.services.models import Event, Severity
    from erpconsole.services.store import Store

    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    store = Store(url)
    store.write_batch([], [Event(1.0, LOCAL_HOST, Severity.CRITICAL, f"{LOCAL_HOST}: timeout: no answer",
                                 kind="health", state="timeout")])
    store.close()
    _run_once(qtbot, tmp_path, url)
    store = Store(url)
    try:
        health = [e.message for e in reversed(store.recent_events(1000)) if e.kind == "health"]
    finally:
        store.close()
    assert health == [f"{LOCAL_HOST}: timeout: no answer", f"{LOCAL_HOST} is ok again (was timeout)"]
