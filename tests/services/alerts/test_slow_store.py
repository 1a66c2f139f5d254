"""A store that does not answer never holds the monitor's poll workers: with the alerts table
locked by another session of the machine's PostgreSQL, a poll's evaluation returns at once;
the alert is written when the store answers again."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from sqlalchemy.engine import make_url

from erpconsole.services.models import Health
from tests.integration.test_alerts_ssh import until

from .conftest import status

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_a_locked_store_does_not_hold_the_poll(make_service, store_url: str) -> None:
    service = make_service()
    service.start()
    try:
        until(lambda: service.evaluating, 15, "the alert service never took the lease")
        url = make_url(store_url)
        with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database,
                             connect_timeout=5) as blocker:
            blocker.execute("LOCK TABLE alerts IN ACCESS EXCLUSIVE MODE")
            poll = threading.Thread(target=lambda: [service.observe(status(Health.UNREACHABLE))
                                                    for _ in range(2)])
            started = time.monotonic()
            poll.start()
            poll.join(2.0)
            held = poll.is_alive()
            blocker.rollback()
            poll.join(10)
            assert not held and time.monotonic() - started < 2.0  # the poll's worker went on
        [alert] = until(lambda: [a for a in service.store.alerts() if a.state == "firing"], 20,
                        "the alert was never written")
        assert len(service.store.outbox(alert.id)) == 2
    finally:
        service.stop()
