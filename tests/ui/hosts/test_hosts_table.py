"""The Hosts page on a fake of its bridge (tests/ui/fakes.py): what the table shows for each
host, the filter, and removing or importing hosts, whose answers come later by signal while the
control that asked says it is busy."""

from __future__ import annotations

import time

from erpconsole.config import HostConfig
from erpconsole.services.models import DiskUsage, Health, HostSnapshot, TargetStatus
from erpconsole.ui.hosts.hosts_page import HostsPage
from tests.ui.fakes import FakeHostsBridge

NOW = time.time()


def status(name: str, health: Health = Health.OK, message: str = "", **snap) -> TargetStatus:
    snapshot = HostSnapshot(name, NOW, **snap) if snap else None
    return TargetStatus(name, "host", health, message, 5.0, snapshot=snapshot, last_poll_ts=NOW)


def build(qtbot, **kw) -> tuple[HostsPage, FakeHostsBridge]:
    statuses = [status("erp-app", cpu_percent=12.5, mem_percent=40.0,
                       disks=(DiskUsage("/", 91.0, 100, 91),)),
                status("erp-report", Health.AUTH_FAILED, "login refused")]
    hosts = [HostConfig("erp-app", "10.0.0.5", tags=("app", "prod")), HostConfig("erp-report", "10.0.0.6")]
    bridge = FakeHostsBridge(statuses, hosts, **kw)
    page = HostsPage(bridge)
    qtbot.addWidget(page)
    return page, bridge


def shown(page: HostsPage) -> dict[str, tuple]:
    model = page.model
    out = {}
    for r in range(model.rowCount()):
        cells = [model.index(r, c).data() for c in range(model.columnCount())]
        out[cells[0]] = tuple(cells[1:4])
    return out


def test_the_table_shows_each_host_its_state_and_load(qtbot):
    page, _bridge = build(qtbot)
    assert shown(page) == {"erp-app": ("● ok", "12.5", "40.0"), "erp-report": ("■ login refused", "", "")}
    assert page.row_for("erp-app")["disk"] == (91.0, "/") and page.row_for("erp-app")["tags"] == "app prod"
    assert page.row_for("erp-report")["level"] == "critical"
    page.status_combo.setCurrentIndex(page.status_combo.findData("failing"))
    assert [r["target"] for r in page.rows()] == ["erp-report"]
    page.status_combo.setCurrentIndex(page.status_combo.findData("all"))
    page.filter_edit.setText("prod")
    assert [r["target"] for r in page.rows()] == ["erp-app"]


def test_removing_a_host_waits_for_the_bridge_then_the_row_goes(qtbot):
    page, bridge = build(qtbot)
    page._confirm = lambda _title, _text: True
    page.remove_host("erp-report")
    assert bridge.named("remove_host") == [("remove_host", "erp-report")]
    assert "Removing erp-report" in page.hint.text() and page.inventory_actions.busy
    qtbot.waitUntil(lambda: not page.inventory_actions.busy, timeout=2000)
    page._rebuild_now()
    assert [r["target"] for r in page.rows()] == ["erp-app"]


def test_a_refused_removal_is_said(qtbot):
    page, bridge = build(qtbot)
    page._confirm = lambda _title, _text: True
    told = []
    page._tell = lambda title, text, error=False: told.append((title, text, error))
    bridge.remove_host = lambda name: bridge._later(bridge.host_remove_failed.emit, name, "inventory.toml: read-only")
    page.remove_host("erp-report")
    qtbot.waitUntil(lambda: bool(told), timeout=2000)
    assert told == [("Remove host", "inventory.toml: read-only", True)] and page.hint.text() == ""


def test_import_reads_ssh_config_off_the_gui_thread_and_adds_the_chosen(qtbot):
    entries = [{"name": "app1", "address": "127.0.0.1", "port": 2201}, {"name": "erp-app", "address": "x"}]
    page, bridge = build(qtbot, ssh_config=entries)
    asked = {}

    def answer(dialog) -> bool:
        asked["enabled"] = [dialog.list.item(i).flags() & dialog.list.item(i).flags().ItemIsEnabled
                            for i in range(dialog.list.count())]
        dialog.set_checked("app1")
        return True

    page._run_dialog = answer
    add_hosts = bridge.add_hosts

    def adding(entries) -> None:  # the button as the bridge is asked
        asked["button"] = (page.import_button.isEnabled(), page.import_button.text())
        add_hosts(entries)

    bridge.add_hosts = adding
    page.import_hosts()
    assert not page.import_button.isEnabled() and page.import_button.text() == "Reading ~/.ssh/config…"
    qtbot.waitUntil(lambda: bridge.named("add_hosts") != [], timeout=2000)
    assert bool(asked["enabled"][0]) and not asked["enabled"][1]  # erp-app is watched already
    assert bridge.named("add_hosts") == [("add_hosts", ["app1"])]
    assert asked["button"] == (False, "Adding hosts…")
    qtbot.waitUntil(page.import_button.isEnabled, timeout=2000)
    assert page.import_button.text() == "Import from ~/.ssh/config…"
