"""A down target says since when: "last seen 14:02 (37 min ago)" on its tile, its row and its
page, with the date when that was another day, and the minutes going on while no news comes.
The clock is handed in: nothing here waits for time to pass."""

from __future__ import annotations

import time

from erpconsole.config import HostConfig
from erpconsole.services.models import Health, TargetStatus
from erpconsole.ui.common.labels import down_since, last_seen_text, seen_cell
from PySide6.QtCore import Signal

from tests.ui.fakes import FakeHostsBridge

NOW = time.mktime((2026, 12, 2, 14, 39, 30, 0, 0, -1))  # 14:39:30 local time


def _at(hour: int, minute: int, day: int = 2) -> float:
    return time.mktime((2026, 12, day, hour, minute, 0, 0, 0, -1))


def test_the_same_day_says_the_time_and_the_minutes():
    assert last_seen_text(_at(14, 2), NOW) == "last seen 14:02 (37 min ago)"
    assert last_seen_text(_at(14, 39), NOW) == "last seen 14:39 (less than a minute ago)"
    assert last_seen_text(_at(14, 38), NOW) == "last seen 14:38 (1 min ago)"
    assert last_seen_text(_at(11, 9), NOW) == "last seen 11:09 (3 hours ago)"


def test_another_day_says_the_date_and_counts_hours_then_days():
    assert last_seen_text(_at(23, 50, day=1), NOW) == "last seen 2026-12-01 23:50 (14 hours ago)"
    assert seen_cell(_at(9, 0, day=1), NOW) == "2026-12-01 09:00 (29 hours ago)"
    assert seen_cell(_at(9, 0, day=0), NOW) == "2026-11-30 09:00 (2 days ago)"  # day 0: 30 November
    assert seen_cell(_at(9, 0, day=1) - 86400 * 3, NOW) == "2026-11-28 09:00 (4 days ago)"


def test_never_and_answering_targets():
    assert last_seen_text(None, NOW) == "never seen since the console started"
    down = TargetStatus("erp-db", "host", Health.TIMEOUT, "no answer", 5.0, last_ok_ts=_at(14, 2))
    up = TargetStatus("erp-app", "host", Health.OK, "", 5.0, last_ok_ts=NOW)
    assert down_since(down, NOW) == "last seen 14:02 (37 min ago)" and down_since(up, NOW) == ""


class _OverviewBridge(FakeHostsBridge):
    """The hosts fake with the little the Overview asks of backups: none."""

    backups_loaded = Signal(object)
    sop_due_changed = Signal(object)

    def backup_configs(self) -> list:
        return []


def _down(seen: float) -> TargetStatus:
    return TargetStatus("erp-db", "host", Health.UNREACHABLE, "cannot connect to 10.0.0.7:22", 5.0,
                        last_poll_ts=time.time(), last_ok_ts=seen)


def test_the_hosts_table_has_a_last_seen_column_sorted_by_the_time(qtbot):
    from erpconsole.ui.hosts.hosts_page import HostsPage

    seen = time.time() - 37 * 60 - 5
    up = TargetStatus("erp-app", "host", Health.OK, "", 5.0, last_poll_ts=time.time(), last_ok_ts=time.time())
    bridge = FakeHostsBridge([_down(seen), up], [HostConfig("erp-db", "10.0.0.7"), HostConfig("erp-app", "10.0.0.5")])
    page = HostsPage(bridge)
    qtbot.addWidget(page)
    model = page.model
    column = model.column_index("seen")
    cells = {model.rows()[r]["target"]: model.display_text(r, column) for r in range(model.rowCount())}
    hhmm = time.strftime("%H:%M", time.localtime(seen))
    assert cells["erp-db"] in (f"{hhmm} (37 min ago)", f"{time.strftime('%Y-%m-%d', time.localtime(seen))} "
                                                         f"{hhmm} (37 min ago)")
    assert cells["erp-app"] == ""  # an answering host is seen now: the Last poll column says when
    assert model.headerData(column, __import__("PySide6.QtCore").QtCore.Qt.Orientation.Horizontal) == "Last seen"


def test_the_tile_and_the_detail_page_say_since_when(qtbot):
    from erpconsole.ui.hosts.host_detail_page import HostDetailPage
    from erpconsole.ui.overview.overview_page import OverviewPage

    seen = time.time() - 37 * 60 - 5
    expected = last_seen_text(seen, time.time())
    bridge = FakeHostsBridge([_down(seen)], [HostConfig("erp-db", "10.0.0.7")])
    overview = OverviewPage(_OverviewBridge([_down(seen)], [HostConfig("erp-db", "10.0.0.7")]))
    qtbot.addWidget(overview)
    overview.refresh()
    tile = overview.tile("erp-db")
    assert tile.sparkline_caption()[0] == expected
    assert tile.status()[1] == "unreachable: cannot connect to 10.0.0.7:22"  # the cause keeps its lines
    page = HostDetailPage(bridge)
    qtbot.addWidget(page)
    page.set_target("erp-db")
    assert page.message.full_text() == expected
    # The minutes go on with no news: 20 s later the line is made again from the clock.
    page._show_seen(time.time() + 25 * 60)
    assert page.message.full_text().endswith("(62 min ago)")
