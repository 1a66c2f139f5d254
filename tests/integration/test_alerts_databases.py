"""End to end against the machine's PostgreSQL, as the target and as the store: a query runs
longer than long_query_warning_s, the real monitor's finding fires a warning alert (warn =
true) with its outbox row, and the alert resolves once the query has ended."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import create_engine, text

from erpconsole.config import DatabaseConfig, Inventory, LocalConfig
from erpconsole.config.alerts_models import AlertsConfig, RouteConfig
from erpconsole.services.alerts.service import AlertService
from erpconsole.services.models import DbThresholds
from erpconsole.services.monitor import Monitor
from erpconsole.services.store.db import make_engine, migrate
from tests.integration.test_alerts_ssh import until
from tests.services.store.conftest import pg_url  # noqa: F401 - a fixture: the store's database

pytestmark = pytest.mark.integration


def test_a_long_query_fires_a_warning_and_resolves_when_it_ends(pg_database, pg_url) -> None:  # noqa: F811
    target_url = pg_database()
    target = DatabaseConfig(name="erp-db", url=target_url, interval_s=0.5, tags=("prod",),
                            thresholds=DbThresholds(long_query_warning_s=1.0))
    inv = Inventory(local=LocalConfig(enabled=False), databases=(target,), alerts=AlertsConfig(
        for_s=1.0, clear_s=1.0, warn=True, routes=(RouteConfig(channels=("dba-hook",), tags=("prod",)),)))
    engine = make_engine(pg_url)
    migrate(engine)
    monitor = Monitor(inv, None, max_workers=4)
    service = AlertService(engine, inv)
    service.start(monitor)
    monitor.start()
    # Autocommit: else the session stays "idle in transaction" after the query, itself a finding.
    sleeper = create_engine(target_url, isolation_level="AUTOCOMMIT").connect()
    done = threading.Event()

    def long_query() -> None:
        try:
            sleeper.execute(text("SELECT pg_sleep(5)"))
        finally:
            done.set()

    worker = threading.Thread(target=long_query, daemon=True)
    worker.start()
    try:
        # Only the long-query rule: the server shows every database's sessions, so another test's
        # lock wait on the shared PostgreSQL may fire its own alert for this target meanwhile.
        [alert] = until(lambda: [a for a in service.store.alerts()
                                 if a.state == "firing" and a.rule == "db_long_query"],
                        message="no alert for the long query")
        assert (alert.rule, alert.target, alert.severity) == ("db_long_query", "erp-db", "warning")
        assert "running for" in alert.summary and "pg_sleep" not in alert.summary
        [(_id, transition, channel, body, *_r)] = service.store.outbox(alert.id)
        assert (transition, channel, json.loads(body)["severity"]) == ("firing", "dba-hook", "warning")
        assert done.wait(30)
        row = until(lambda: (r := service.store.get(alert.id)) and r.state == "resolved" and r,
                    message="the alert did not resolve after the query ended")
        assert row.resolved_at > row.fired_at
        assert [t for _a, t, *_r in service.store.outbox(alert.id)] == ["firing", "resolved"]
    finally:
        monitor.stop()
        service.stop()
        worker.join(10)
        sleeper.close()
        engine.dispose()
