"""The Alerts page in the real console: an alert the store holds (written by the real alert
service before the window opened) is counted on the page's navigation entry and in the status
bar, and Open target goes to the host's page."""

from __future__ import annotations

import time

from erpconsole.config import HostConfig, Inventory, LocalConfig
from erpconsole.services.alerts.service import AlertService
from erpconsole.services.models import Health
from erpconsole.services.store import Store
from tests.services.alerts.conftest import Clock, status

LIVE_MS = 60000  # real polls and the store's threads on a machine that may be busy


def test_badge_counts_and_open_target_goes_to_the_host(console_factory, qtbot, tmp_path) -> None:
    # A closed port on loopback: the console's own polls keep the alert firing.
    inv = Inventory(local=LocalConfig(enabled=False),
                    hosts=(HostConfig(name="erp-app-1", address="127.0.0.1", port=1, interval_s=1.0),))
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")  # the file the console opens
    clock = Clock(time.time() - 60)
    service = AlertService(store.engine, inv, clock=clock)
    assert service.take_lock()
    service.observe(status(Health.UNREACHABLE))
    clock.advance(5)
    service.observe(status(Health.UNREACHABLE))
    service.stop()  # gives the lease up: the console's service carries the alert on
    store.close()

    console = console_factory(inv)
    console.start()
    window = console.window
    window.show()
    qtbot.waitExposed(window)
    entry = window.nav.item(window.page_keys().index("alerts"))
    qtbot.waitUntil(lambda: entry.text() == "Alerts (1)", timeout=LIVE_MS)
    assert window.alerts_label.text() == "1 alert firing"

    window.show_page("alerts")
    page = window.alerts
    qtbot.waitUntil(lambda: page.selected() and page.selected()[0].target == "erp-app-1", timeout=LIVE_MS)
    qtbot.waitUntil(lambda: page.open_button.isEnabled(), timeout=LIVE_MS)
    qtbot.waitUntil(lambda: console.monitor.is_watched("erp-app-1"), timeout=LIVE_MS)
    page.open_button.click()
    assert window.current_page_key() == "host"
    assert window.host_detail.target == "erp-app-1"
