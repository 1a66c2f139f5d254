"""The bridge's access review half on the real service, the real store and this machine's own
accounts: answers arrive as signals from its worker, refusals as access_failed, and the console
wires the service in once the store is open."""

from __future__ import annotations

import pytest

from erpconsole.config import Inventory, LocalConfig
from erpconsole.services.access.models import KEEP, REVOKE
from erpconsole.services.access.service import AccessReviewService
from erpconsole.services.monitor import Monitor
from erpconsole.services.store import Store
from erpconsole.ui.access.bridge import AccessBridge
from erpconsole.ui.common.bridge_base import StoreReader


@pytest.fixture
def parts(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    monitor = Monitor(Inventory(local=LocalConfig()))
    reader = StoreReader()
    bridge = AccessBridge(reader)
    yield store, monitor, bridge, reader
    bridge.shutdown()
    reader.shutdown()
    store.close()
    bridge.deleteLater()
    reader.deleteLater()


def test_requests_before_the_store_opens_fail_with_a_sentence(qtbot, parts):
    _store, _monitor, bridge, _reader = parts
    assert not bridge.has_access
    with qtbot.waitSignal(bridge.access_failed, timeout=2000) as failed:
        bridge.request_access_campaigns()
    assert failed.args[0] == "campaigns" and "not open yet" in failed.args[1]


def test_a_service_that_could_not_start_is_named_in_the_failure(qtbot, parts):
    _store, _monitor, bridge, _reader = parts
    bridge.attach_access(None, "OperationalError: no such table")
    with qtbot.waitSignal(bridge.access_failed, timeout=2000) as failed:
        bridge.decide_access(1, "os/x/y", KEEP)
    assert failed.args == ["decide", "The access review is not available: OperationalError: no such table"]


def test_create_collect_decide_through_the_worker(qtbot, parts):
    store, monitor, bridge, reader = parts
    reader.attach_store(store)
    with qtbot.waitSignal(bridge.access_ready, timeout=2000):
        bridge.attach_access(AccessReviewService(store.engine, monitor.inventory, secrets=monitor.secrets,
                                                 audit=store.audit))
    answers = []
    bridge.access_campaigns_loaded.connect(answers.append)
    with qtbot.waitSignal(bridge.access_review_loaded, timeout=10000) as created:
        bridge.create_access_campaign("2026 Q4")
    campaigns, review = answers[0], created.args[0]
    assert [c.name for c in campaigns] == ["2026 Q4"] and review.extraction is None
    cid = campaigns[0].id

    progress = []
    bridge.access_progress.connect(lambda *a: progress.append(a))
    with qtbot.waitSignal(bridge.access_review_loaded, timeout=60000) as loaded:
        bridge.collect_access(cid)
    review = loaded.args[0]
    assert review.extraction is not None and review.rows, "this machine has OS accounts"
    qtbot.waitUntil(lambda: bool(progress), timeout=2000)
    assert progress[-1][1:] == (len(review.extraction.sources), len(review.extraction.sources))

    key = review.rows[0].account.key
    with qtbot.waitSignal(bridge.access_failed, timeout=10000) as refused:
        bridge.decide_access(cid, key, REVOKE, "")
    assert refused.args[0] == "decide" and "comment" in refused.args[1]
    with qtbot.waitSignal(bridge.access_row_changed, timeout=10000) as changed:
        bridge.decide_access(cid, key, KEEP, "")
    row = changed.args[0]
    assert row.account.key == key and row.decision.decision == KEEP
    with qtbot.waitSignal(bridge.access_row_changed, timeout=10000) as undone:
        bridge.undo_access_decision(cid, key)
    assert undone.args[0].decision is None
    entries = store.audit.entries(50)
    assert {"access.campaign", "access.collect", "access.decide", "access.undo"} <= {e.action for e in entries}


def test_the_console_attaches_the_service_and_the_page_says_what_to_do(console_factory, qtbot):
    console = console_factory()
    assert console.wait_store()
    qtbot.waitUntil(lambda: console.bridges.access.has_access, timeout=5000)
    window = console.window
    window.show()
    qtbot.waitExposed(window)
    window.show_page("access")
    page = window.page("access")
    page.refresh()
    qtbot.waitUntil(lambda: "Create a campaign, then collect" in page.empty_text(), timeout=5000)
    assert page.empty.button.text() == "New campaign…"
