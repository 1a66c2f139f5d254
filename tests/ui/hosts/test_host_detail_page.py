"""Host detail shows the target it names: switching to another host leaves nothing of the one
before (processes, legends, axis ranges), and an empty process table says why."""

from __future__ import annotations

import time

from erpconsole.services.models import Health, HostSnapshot, ProcessInfo, TargetStatus
from erpconsole.ui.hosts.host_detail_page import HostDetailPage
from tests.ui.fakes import FakeHostsBridge

ERROR = "cannot connect to 10.0.0.7:22: connection refused — is sshd running and the port open?"


def _statuses() -> list[TargetStatus]:
    now = time.time()
    snap = HostSnapshot("erp-app", now, cpu_percent=40.0, load=(5000.0, 4000.0, 3000.0),
                        net_rx_bps=9e8, net_tx_bps=8e8,
                        processes=(ProcessInfo(1, "odoo", "odoo", 12.0, 3.0, 1 << 30),))
    return [
        TargetStatus("erp-app", "host", Health.OK, "", 5.0, snapshot=snap, last_poll_ts=now),
        TargetStatus("erp-dead", "host", Health.UNREACHABLE, ERROR, 5.0, last_poll_ts=now),
    ]


def _page(qtbot) -> tuple[HostDetailPage, FakeHostsBridge]:
    bridge = FakeHostsBridge(_statuses())
    page = HostDetailPage(bridge)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    qtbot.waitExposed(page)
    return page, bridge


def test_switching_to_an_unreachable_host_leaves_nothing_of_the_last(qtbot):
    page, _bridge = _page(qtbot)
    page.set_target("erp-app")
    page.refresh()
    assert page.processes.table_model.rowCount() == 1
    assert page.charts["load"].legend_entries()
    assert page.charts["load"].y_range()[1] > 1000
    page.set_target("erp-dead")
    page.refresh()
    assert page.processes.table_model.rowCount() == 0
    assert page.processes.empty_reason() == "unreachable: no processes to show"
    for key, chart in page.charts.items():
        assert chart.series_keys() == [], key
        assert chart.legend_entries() == [], key
    assert page.charts["load"].y_range() is None  # not the last host's 0–5000
    assert page.badge.full_text() == "unreachable: " + ERROR


def test_a_host_going_unreachable_empties_its_process_table(qtbot):
    page, bridge = _page(qtbot)
    page.set_target("erp-app")
    assert page.processes.empty_reason() == ""
    bridge.status_changed.emit(TargetStatus("erp-app", "host", Health.TIMEOUT, "no answer in 10 s", 5.0,
                                            snapshot=_statuses()[0].snapshot))
    assert page.processes.table_model.rowCount() == 0
    assert page.processes.empty_reason() == "timed out: no processes to show"


def test_a_host_not_polled_yet_says_so_instead_of_the_last_hosts_word(qtbot):
    page, bridge = _page(qtbot)
    page.set_target("erp-dead")
    bridge._statuses["erp-new"] = TargetStatus("erp-new", "host", Health.PENDING, "", 5.0)
    bridge.status_changed.emit(bridge._statuses["erp-new"])
    page.set_target("erp-new")
    assert page.badge.level() == "pending"
    assert "no processes" in page.processes.empty_reason()
    assert page.message.full_text() == ""
