"""One word everywhere: a workstation with a warning is "warning" on its tile, in the Hosts
table, on Host detail, in the status bar and in the event log, never "ok" beside amber. The
warning is built here (a disk limit every disk crosses), not hoped for from this machine's load."""

from __future__ import annotations

import dataclasses

from erpconsole.config import Inventory, LocalConfig
from erpconsole.services.models import LOCAL_HOST
from tests.limits import NEVER_CROSSED

LIVE_MS = 60000
# Every mounted disk holds something: 0.001 % used is reached on any machine; the rest never.
DISK_WARNING = dataclasses.replace(NEVER_CROSSED, disk_warning=0.001)


def test_a_warning_is_the_same_word_on_every_page(console_factory, qtbot):
    console = console_factory(Inventory(local=LocalConfig(interval_s=0.5, thresholds=DISK_WARNING)))
    console.start()
    window = console.window
    window.show()
    qtbot.waitExposed(window)

    def polled():
        status = next((s for s in console.monitor.statuses() if s.target == LOCAL_HOST), None)
        return status is not None and status.snapshot is not None and bool(status.findings)

    qtbot.waitUntil(polled, timeout=LIVE_MS)
    status = next(s for s in console.monitor.statuses() if s.target == LOCAL_HOST)
    assert status.level == "warning", status.findings
    cause = status.verdict.cause
    assert cause.startswith("disk"), cause

    window.show_page("overview")
    qtbot.waitUntil(lambda: window.overview.tile(LOCAL_HOST).status()[0] == "warning", timeout=LIVE_MS)
    assert window.overview.tile(LOCAL_HOST).status()[1] == f"warning: {cause}"

    window.show_page("hosts")
    qtbot.waitUntil(lambda: (window.hosts._build(), window.hosts.row_for(LOCAL_HOST))[1] is not None,
                    timeout=LIVE_MS)
    assert window.hosts.row_for(LOCAL_HOST)["status"] == "▲ warning"

    window._on_host_requested(LOCAL_HOST)
    qtbot.waitUntil(lambda: window.host_detail.badge.level() == "warning", timeout=LIVE_MS)
    assert window.host_detail.badge.full_text() == f"warning: {cause}"
    assert window.host_detail.badge.status_text().startswith("▲ warning")

    window._update_status_bar()
    assert window.targets_label.text() == "▲ 1 target: 1 warning"

    def logged():
        return [e for e in window.event_log.events() if e.kind == "health" and e.target == LOCAL_HOST]

    qtbot.waitUntil(lambda: bool(logged()), timeout=LIVE_MS)
    event = logged()[0]
    assert (event.level.value, event.state) == ("warning", "warning")
    assert event.message == f"{LOCAL_HOST}: warning: {cause}"
