"""The Event log page on a fake of its bridge (tests/ui/fakes.py): stored events and live ones in
one table, oldest first by time, and a note of the user's own goes through the bridge."""

from __future__ import annotations

from erpconsole.services.models import Event, Severity
from erpconsole.ui.events.event_log_page import EventLogPage
from tests.ui.fakes import FakeEventsBridge

T0 = 1_790_000_000.0


def messages(page: EventLogPage) -> list[str]:
    return [page.model.row(i).message for i in range(page.model.rowCount())]


def build(qtbot, stored):
    bridge = FakeEventsBridge(stored)
    page = EventLogPage(bridge)
    qtbot.addWidget(page)
    return page, bridge


def test_stored_events_fill_the_table_and_live_ones_join_them(qtbot):
    stored = [Event(T0, "erp-db", Severity.CRITICAL, "erp-db: unreachable"),
              Event(T0 + 60, "erp-db", Severity.INFO, "erp-db: ok again")]
    page, bridge = build(qtbot, stored)
    assert bridge.named("request_recent_events") == [("request_recent_events", 5000)]
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=2000)
    assert messages(page) == ["erp-db: unreachable", "erp-db: ok again"]
    assert page.model.row(0).level is Severity.CRITICAL
    level = page.model.column_index("level")
    assert [page.model.display_text(i, level) for i in range(2)] == ["■ critical", "info"]

    bridge.event_logged.emit(Event(T0 + 120, "erp-app", Severity.WARNING, "erp-app: disk 91%"))
    page.refresh(force=True)
    assert messages(page)[-1] == "erp-app: disk 91%"


def test_a_live_event_heard_before_the_stored_ones_arrive_is_kept_once(qtbot):
    early = Event(T0 + 60, "erp-db", Severity.INFO, "erp-db: ok again")
    page, bridge = build(qtbot, [Event(T0, "erp-db", Severity.CRITICAL, "erp-db: unreachable"), early])
    bridge.event_logged.emit(early)  # heard live, then read back from the store
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=2000)
    assert messages(page) == ["erp-db: unreachable", "erp-db: ok again"]


def test_a_note_goes_through_the_bridge_and_shows_once_heard(qtbot):
    page, bridge = build(qtbot, [])
    page.note.setText("  restarted the ERP app server  ")
    page._add_note()
    assert bridge.named("log_event") == [("log_event", "", "restarted the ERP app server")]
    assert page.note.text() == ""
    qtbot.waitUntil(lambda: bool(page.events()), timeout=2000)
    page.refresh(force=True)
    assert messages(page) == ["restarted the ERP app server"]


def test_the_message_column_fills_the_width_the_page_has(qtbot):
    """Filled while hidden (the stored events arrive before the page is shown), the columns fit
    their contents but the message still reaches the right edge."""
    from PySide6.QtWidgets import QLabel, QStackedWidget

    stack = QStackedWidget()
    qtbot.addWidget(stack)
    stack.addWidget(QLabel("another page"))
    stack.resize(1200, 600)
    stack.show()
    qtbot.waitExposed(stack)
    page, _bridge = build(qtbot, [])
    stack.addWidget(page)
    stack.setCurrentWidget(page)  # shown first, as `--page events` does, then the rows come
    qtbot.waitExposed(page)
    page._on_loaded([Event(T0, "erp-db", Severity.CRITICAL, "erp-db: unreachable")])
    header = page.table.horizontalHeader()
    last = header.logicalIndex(header.count() - 1)
    assert header.sectionViewportPosition(last) + header.sectionSize(last) >= page.table.viewport().width() - 1
