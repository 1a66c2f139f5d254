"""The Alerts page on a real store (a SQLite file) holding alerts written by the real alert
service, read and acted on through the real bridge: it lists them, sorts, acknowledges with a
comment (the store holds who and why, and the audit trail the act), silences, and the badge
counts what fires unacknowledged."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QListWidget

from erpconsole.config import load_inventory
from erpconsole.services.alerts.service import AlertService, person
from erpconsole.services.models import Health
from erpconsole.services.monitor import Monitor
from erpconsole.services.store import Store
from erpconsole.services.store.audit import AuditTrail
from erpconsole.ui.alerts.alerts_page import AlertsPage
from erpconsole.ui.alerts.badge import AlertsBadge
from erpconsole.ui.alerts.bridge import AlertsBridge
from erpconsole.ui.common.bridge_base import StoreReader
from erpconsole.widgets.theme import status_color
from tests.services.alerts.conftest import Clock, status

INVENTORY = """
[[hosts]]
name = "erp-app-1"
address = "127.0.0.1"
tags = ["prod"]

[[hosts]]
name = "erp-app-2"
address = "127.0.0.2"
tags = ["prod"]
"""


@pytest.fixture
def alerts(qtbot, tmp_path: Path):
    path = tmp_path / "inventory.toml"
    path.write_text(INVENTORY, encoding="utf-8")
    inv = load_inventory(path)
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    clock = Clock()
    service = AlertService(store.engine, inv, clock=clock)
    assert service.take_lock()
    for target in ("erp-app-1", "erp-app-2"):  # two polls in a row: firing
        service.observe(status(Health.UNREACHABLE, target=target))
    clock.advance(5)
    for target in ("erp-app-1", "erp-app-2"):
        service.observe(status(Health.UNREACHABLE, target=target))
    assert sorted(r.state for r in service.store.alerts()) == ["firing", "firing"]
    reader = StoreReader()
    bridge = AlertsBridge(Monitor(inv), reader)
    reader.attach_store(store)
    page = AlertsPage(bridge)
    qtbot.addWidget(page)
    nav, label = QListWidget(), QLabel()
    nav.addItem("Alerts")
    qtbot.addWidget(nav)
    badge = AlertsBadge(page, nav.item(0), label, "Alerts")
    page.resize(1200, 600)
    page.show()
    yield page, service, store, badge, label
    bridge.shutdown()
    reader.shutdown()
    service.stop()
    store.close()


def _answer_dialog(fill) -> None:
    """Fills and accepts the dialog the page opens next (exec() blocks until then)."""
    def later():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, later)
            return
        fill(dialog)
        dialog.accept()
    QTimer.singleShot(0, later)


def _select(page: AlertsPage, target: str) -> None:
    view = page.table
    for row in range(view.model().rowCount()):
        if page.model.row(view.source_row(row)).target == target:
            # Not selectRow: it reads the keyboard modifiers a key event of an earlier test may have
            # left held (Shift then extends the selection instead of replacing it).
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            view.selectionModel().select(view.model().index(row, 0), flags)
            return
    raise AssertionError(target)


def _audited(store, action: str) -> list:
    return [e for e in AuditTrail(store.engine).entries(50) if e.action == action]


def _targets_shown(page: AlertsPage) -> list[str]:
    view = page.table
    return [page.model.row(view.source_row(r)).target for r in range(view.model().rowCount())]


def test_lists_sorts_and_counts_the_firing_alerts(qtbot, alerts) -> None:
    page, service, _store, badge, label = alerts
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    state, severity = page.model.column_index("state"), page.model.column_index("severity")
    assert {page.model.display_text(i, state) for i in range(2)} == {"firing"}
    assert {page.model.display_text(i, severity) for i in range(2)} == {"■ critical"}
    page.table.sortByColumn(page.model.column_index("target"), Qt.SortOrder.DescendingOrder)
    assert _targets_shown(page) == ["erp-app-2", "erp-app-1"]
    page.table.sortByColumn(page.model.column_index("target"), Qt.SortOrder.AscendingOrder)
    assert _targets_shown(page) == ["erp-app-1", "erp-app-2"]
    assert badge.count == 2
    assert label.text() == "2 alerts firing"


def test_key_a_acknowledges_with_a_comment_in_the_store_and_audit_trail(qtbot, alerts) -> None:
    page, service, store, badge, label = alerts
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    _select(page, "erp-app-1")
    page.table.setFocus()
    _answer_dialog(lambda d: d.comment.setText("restarting sshd on erp-app-1"))
    qtbot.keyClick(page.table, Qt.Key.Key_A)
    alert_id = next(r.id for r in service.store.alerts() if r.target == "erp-app-1")
    # The audit row is written last, after the acknowledgement's own transaction.
    qtbot.waitUntil(lambda: bool(_audited(store, "alert.ack")), timeout=5000)
    row = service.store.get(alert_id)
    assert (row.state, row.acked_by, row.comment) == ("acknowledged", person(), "restarting sshd on erp-app-1")
    acks = _audited(store, "alert.ack")
    assert [e.target for e in acks] == ["erp-app-1"]  # the selected alert only
    [entry] = acks
    assert entry.actor == person()
    assert "restarting sshd on erp-app-1" in entry.details
    qtbot.waitUntil(lambda: badge.count == 1, timeout=5000)
    acked = page.model.column_index("acked_by")
    shown = {page.model.row(i).target: page.model.display_text(i, acked) for i in range(2)}
    assert shown == {"erp-app-1": person(), "erp-app-2": ""}
    assert "acknowledged by" in page.message.text()

    # Taken back: firing again, counted again, and audited as the shell's unack is.
    qtbot.waitUntil(lambda: page.unack_button.isEnabled(), timeout=5000)
    page.unack_button.click()
    qtbot.waitUntil(lambda: bool(_audited(store, "alert.unack")), timeout=5000)
    row = service.store.get(alert_id)
    assert (row.state, row.acked_by, row.comment) == ("firing", None, None)
    qtbot.waitUntil(lambda: badge.count == 2, timeout=5000)


def test_silence_of_the_selected_target_for_a_duration_with_a_reason(qtbot, alerts) -> None:
    page, service, store, _badge, _label = alerts
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    _select(page, "erp-app-2")

    def fill(dialog):
        assert dialog.name.text() == "erp-app-2"
        dialog.duration.setText("30m")
        dialog.reason.setText("kernel update")
    _answer_dialog(fill)
    page.silence_button.click()
    qtbot.waitUntil(lambda: bool(_audited(store, "alert.silence")), timeout=5000)
    [silence] = service.store.silences(time.time())
    assert (silence.target, silence.tag, silence.comment, silence.created_by) == (
        "erp-app-2", None, "kernel update", person())
    assert round(silence.ends_at - silence.starts_at) == 1800
    assert [e.target for e in _audited(store, "alert.silence")] == ["erp-app-2"]
    qtbot.waitUntil(lambda: "until" in page.message.text(), timeout=5000)


def test_an_act_the_store_refuses_is_said_in_the_message_bar(qtbot, alerts) -> None:
    """A pending alert that cleared before it fired is gone from the store when the person's
    acknowledgement arrives: the page says so instead of pretending."""
    page, service, store, _badge, _label = alerts
    service.observe(status(Health.UNREACHABLE, target="erp-app-3"))  # not in the inventory: pending
    page.reload()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    _select(page, "erp-app-3")
    [pending] = [r for r in page.selected()]
    assert pending.state == "pending"
    service.clock.advance(1)
    service.observe(status(Health.OK, target="erp-app-3"))  # cleared: the pending row goes
    assert service.store.get(pending.id) is None
    _answer_dialog(lambda d: d.comment.setText("looking"))
    page.ack_button.click()
    qtbot.waitUntil(lambda: f"no alert {pending.id}" in page.message.text(), timeout=5000)
    assert page.message.isVisible()
    assert status_color("critical", "dark") in page.message.label.styleSheet()  # in the colour of a fault


DUTY_INVENTORY = INVENTORY + """
[[channels]]
name = "oncall-mail"
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {port}
tls = "none"
from = "erpconsole@example.org"
to = ["oncall@example.org"]

[[routes]]
severity = "critical"
channels = ["oncall-mail"]

[[people]]
name = "ana"
email = "ana@example.org"

[[people]]
name = "bo"
email = "bo@example.org"

[oncall]
time_zone = "UTC"
start = 2026-01-05
handover = "monday 09:00"
people = ["ana", "bo"]
"""


def test_the_page_says_who_is_on_call_and_which_mail_was_not_delivered(qtbot, tmp_path: Path) -> None:
    """A firing alert's mail to a local SMTP port nobody listens on: the real sender's pass
    fails and the page says why, under the line naming who is on call now (the real rota)."""
    import socket

    from erpconsole.services.secrets import SecretStore
    from erpconsole.services.alerts.oncall import on_call_at
    from erpconsole.services.notify.outbox import deliver_due

    with socket.socket() as probe:  # a free port, closed again: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = tmp_path / "inventory.toml"
    path.write_text(DUTY_INVENTORY.format(port=port), encoding="utf-8")
    inv = load_inventory(path)
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    service = AlertService(store.engine, inv)
    assert service.take_lock()
    service.observe(status(Health.UNREACHABLE))
    service.clock = lambda: time.time() + 5
    service.observe(status(Health.UNREACHABLE), now=time.time() + 5)
    assert [r.state for r in service.store.alerts()] == ["firing"]
    assert deliver_due(store.engine, inv.channels, SecretStore(), clock=lambda: time.time() + 10).failed == 1
    reader = StoreReader()
    bridge = AlertsBridge(Monitor(inv), reader)
    reader.attach_store(store)
    page = AlertsPage(bridge)
    qtbot.addWidget(page)
    nav, label = QListWidget(), QLabel()
    nav.addItem("Alerts")
    qtbot.addWidget(nav)
    badge = AlertsBadge(page, nav.item(0), label, "Alerts")
    try:
        now = on_call_at(inv.oncall, time.time())
        qtbot.waitUntil(lambda: "not delivered" in page.duty.text(), timeout=5000)
        first, second = page.duty.text().split("\n", 1)
        assert first == f"On call now: {now.person}; second in line: {now.second}"
        assert second.startswith("oncall-mail: 1 notification waiting: mail not delivered: nothing answers at ")
        assert status_color("warning", "dark") in page.duty.label.styleSheet()
        # The status bar names the person too; offscreen there is no tray to notify in.
        qtbot.waitUntil(lambda: label.text() == f"1 alert firing; on call: {now.person}", timeout=5000)
        assert badge.tray is None
    finally:
        bridge.shutdown()
        reader.shutdown()
        service.stop()
        store.close()


def test_a_note_joins_the_alerts_history_and_resolved_alerts_show_on_demand(qtbot, alerts) -> None:
    page, service, store, badge, _label = alerts
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    _select(page, "erp-app-1")
    _answer_dialog(lambda d: d.comment.setText("asked the network team about the switch"))
    page.note_button.click()
    qtbot.waitUntil(lambda: "asked the network team about the switch" in page.detail.toPlainText(), timeout=5000)
    assert f"{person()}  note: asked the network team" in page.detail.toPlainText()
    assert [e.target for e in _audited(store, "alert.note")] == ["erp-app-1"]

    for _poll in range(2):  # erp-app-1 answers again: resolved after two polls
        service.clock.advance(5)
        service.observe(status(Health.OK, target="erp-app-1"))
    page.reload()
    qtbot.waitUntil(lambda: _targets_shown(page) == ["erp-app-2"], timeout=5000)
    assert badge.count == 1
    page.history.setChecked(True)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    state = page.model.column_index("state")
    assert {page.model.row(i).target: page.model.display_text(i, state) for i in range(2)} == {
        "erp-app-1": "resolved", "erp-app-2": "firing"}
    assert badge.count == 1  # a resolved alert is history, not a count


def test_reloads_before_the_store_opens_wait_as_one_read(qtbot, tmp_path: Path) -> None:
    """A store that has not opened (or never will) holds one waiting read, not one per reload;
    when it opens the page fills."""
    path = tmp_path / "inventory.toml"
    path.write_text(INVENTORY, encoding="utf-8")
    inv = load_inventory(path)
    reader = StoreReader()
    bridge = AlertsBridge(Monitor(inv), reader)
    page = AlertsPage(bridge)
    qtbot.addWidget(page)
    for _tick in range(50):
        page.reload()
    assert len(reader._waiting) == 1
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    service = AlertService(store.engine, inv, clock=Clock())
    assert service.take_lock()
    service.observe(status(Health.UNREACHABLE))
    try:
        reader.attach_store(store)
        qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
        assert page.model.row(0).state == "pending"
    finally:
        bridge.shutdown()
        reader.shutdown()
        service.stop()
        store.close()
