"""Incidents on the Alerts page, on a real store (a SQLite file) holding alerts written by the
real alert service, through the real bridge: an incident opened from two alerts (audited as the
shell's incident.open), its timeline with both alerts and the audit rows of their targets, and
closed with cause, fix and follow-ups (Save kept off until all three are written)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from erpconsole.config import load_inventory
from erpconsole.services.alerts.service import AlertService, person
from erpconsole.services.incidents.store import IncidentStore
from erpconsole.services.models import Health
from erpconsole.services.monitor import Monitor
from erpconsole.services.store import Store
from erpconsole.services.store.audit import AuditTrail
from erpconsole.ui.alerts.alerts_page import AlertsPage
from erpconsole.ui.alerts.bridge import AlertsBridge
from erpconsole.ui.common.bridge_base import StoreReader
from tests.services.alerts.conftest import Clock, status

INVENTORY = """
[[hosts]]
name = "erp-app-1"
address = "127.0.0.1"

[[hosts]]
name = "erp-app-2"
address = "127.0.0.2"
"""


@pytest.fixture
def page(qtbot, tmp_path: Path):
    path = tmp_path / "inventory.toml"
    path.write_text(INVENTORY, encoding="utf-8")
    inv = load_inventory(path)
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    clock = Clock(time.time() - 120)  # the alerts began two minutes ago
    service = AlertService(store.engine, inv, clock=clock)
    assert service.take_lock()
    for _ in range(2):  # two polls in a row: firing
        for target in ("erp-app-1", "erp-app-2"):
            service.observe(status(Health.UNREACHABLE, target=target))
        clock.advance(5)
    reader = StoreReader()
    bridge = AlertsBridge(Monitor(inv), reader)
    reader.attach_store(store)
    shown = AlertsPage(bridge)
    qtbot.addWidget(shown)
    shown.resize(1200, 700)
    shown.show()
    yield shown, service, store
    bridge.shutdown()
    reader.shutdown()
    service.stop()
    store.close()


def _answer(fill) -> list:
    """Fills the dialog the page opens next and clicks its OK; returns what ``fill`` saw."""
    seen: list = []

    def later():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, later)
            return
        seen.append(fill(dialog))
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    QTimer.singleShot(0, later)
    return seen


def _audited(store, action: str) -> list:
    return [e for e in AuditTrail(store.engine).entries(50) if e.action == action]


def test_open_an_incident_from_two_alerts_see_its_timeline_and_close_it(qtbot, page) -> None:
    page, service, store = page
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    ids = sorted(r.id for r in service.store.alerts())
    # What someone did on one of the targets while it was down: the timeline shows it.
    AuditTrail(store.engine).append("service.restart", "erp-app-1", {"unit": "sshd"}, actor="li.wei")
    page.table.selectAll()
    _answer(lambda d: d.title.setText("ERP application hosts unreachable"))
    page.incident_button.click()
    qtbot.waitUntil(lambda: bool(_audited(store, "incident.open")), timeout=5000)
    [incident] = IncidentStore(store.engine).incidents()
    assert (incident.title, incident.state, sorted(incident.alert_ids)) == (
        "ERP application hosts unreachable", "open", ids)
    assert _audited(store, "incident.open")[0].actor == person()
    qtbot.waitUntil(lambda: "opened with 2 alerts" in page.message.text(), timeout=5000)

    page.tabs.setCurrentWidget(page.incidents)
    view = page.incidents
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5000)
    title, state, alerts = (view.model.column_index(k) for k in ("title", "state", "alerts"))
    assert [view.model.display_text(0, c) for c in (title, state, alerts)] == [
        "ERP application hosts unreachable", "open", "2"]
    text = view.timeline.column_index("text")

    def lines() -> list[str]:
        return [view.timeline.display_text(i, text) for i in range(view.timeline.rowCount())]
    qtbot.waitUntil(lambda: any("service.restart" in line for line in lines()), timeout=5000)
    for alert_id in ids:
        assert any(line.startswith(f"{alert_id} (critical) first seen") for line in lines()), lines()
        assert any(line.startswith(f"{alert_id} fired") for line in lines()), lines()
    assert any(line.startswith("incident 1 opened: ERP application hosts unreachable") for line in lines())
    # The page reloads every 5 s: a timeline line selected stays selected when nothing changed.
    view.timeline_table.selectRow(1)
    seen_after: list = []  # connected after the view's slot: runs once the view has taken the answer
    page._bridge.timeline_loaded.connect(lambda *_a: seen_after.append(
        [i.row() for i in view.timeline_table.selectionModel().selectedRows()]))
    view.reload()
    qtbot.waitUntil(lambda: bool(seen_after), timeout=5000)
    assert seen_after[0] == [1]
    kind = view.timeline.column_index("source")
    assert {view.timeline.display_text(i, kind) for i in range(view.timeline.rowCount())} >= {
        "alert", "audit", "incident"}

    def fill_close(dialog) -> list[bool]:
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        states = [ok.isEnabled()]
        dialog.cause.setText("a switch port flapped")
        dialog.fix.setText("port moved to the spare switch")
        states.append(ok.isEnabled())  # two of three: still off
        dialog.follow_ups.setText("replace the switch; alert on port flaps")
        states.append(ok.isEnabled())
        return states
    seen = _answer(fill_close)
    qtbot.waitUntil(lambda: view.close_button.isEnabled(), timeout=5000)
    view.close_button.click()
    assert seen == [[False, False, True]]
    qtbot.waitUntil(lambda: IncidentStore(store.engine).get(1).state == "closed", timeout=5000)
    closed = IncidentStore(store.engine).get(1)
    assert (closed.cause, closed.fix, closed.follow_ups, closed.closed_by) == (
        "a switch port flapped", "port moved to the spare switch",
        "replace the switch\nalert on port flaps", person())
    qtbot.waitUntil(lambda: bool(_audited(store, "incident.close")), timeout=5000)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and view.model.display_text(0, state) == "closed",
                    timeout=5000)
    qtbot.waitUntil(lambda: any("closed; cause: a switch port flapped" in line for line in lines()), timeout=5000)
    assert not view.close_button.isEnabled()
