"""Retry now on the Databases page: a database that was down is polled again at once when the
on-call person asks, not after its backoff. Real PostgreSQL behind a relay the test starts on the
database's port once it has been seen down."""

from __future__ import annotations

import pytest

from erpconsole.config import DatabaseConfig, Inventory, LocalConfig
from erpconsole.services.models import Health
from tests.integration.sshd import free_port
from tests.relay import Relay


@pytest.fixture
def relay():
    made: list[Relay] = []
    yield lambda port: made.append(Relay(port, ("127.0.0.1", 5432))) or made[-1]
    for r in made:
        r.stop()


def wait_health(qtbot, page, target: str, health: Health) -> None:
    def ready() -> bool:
        page._build()
        row = page.row_for(target)
        return row is not None and row["health"] is health
    qtbot.waitUntil(ready, timeout=60000)


def test_a_database_back_after_an_outage_is_polled_at_once(console_factory, qtbot, tmp_path, pg_database,
                                                             relay):
    port = free_port()
    url = pg_database().replace("127.0.0.1:5432", f"127.0.0.1:{port}")
    assert f":{port}/" in url
    db = DatabaseConfig(name="erp-db", url=url, interval_s=600.0)  # only the click polls it again in time
    console = console_factory(Inventory(path=str(tmp_path / "inventory.toml"), local=LocalConfig(enabled=False),
                                        databases=(db,)))
    console.start()
    window = console.window
    window.show()
    qtbot.waitExposed(window)
    window.show_page("databases")
    page = window.databases
    wait_health(qtbot, page, "erp-db", Health.UNREACHABLE)
    page.select("erp-db")
    assert page.retry_button.isEnabled() and page.retry_button.text() == "Retry now"
    menu = page.context_menu()
    assert "Retry now" in [a.text() for a in menu.actions()]
    relay(port).start()  # the server is back on its port
    page.retry_button.click()
    wait_health(qtbot, page, "erp-db", Health.OK)
    page.select("erp-db")
    assert not page.retry_button.isEnabled()
