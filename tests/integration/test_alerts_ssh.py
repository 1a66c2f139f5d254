"""End to end with real parts: a loopback sshd is killed, the real monitor sees it unreachable,
the alert service fires one alert with an outbox row per channel, a person acknowledges it
with the real command line, no escalation row follows after escalate_after_s, the sshd comes
back and the alert resolves with its duration in the resolve rows."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from erpconsole.config import HostConfig, Inventory, LocalConfig
from erpconsole.config.alerts_models import AlertsConfig, RouteConfig
from erpconsole.services.alerts.service import AlertService
from erpconsole.services.monitor import Monitor
from erpconsole.services.store.db import make_engine, migrate
from tests.test_cli import run

pytestmark = pytest.mark.integration

ESCALATE_AFTER_S = 3.0


def until(what, timeout: float = 30.0, message: str = ""):
    deadline = time.monotonic() + timeout
    while True:
        found = what()
        if found:
            return found
        assert time.monotonic() < deadline, message or "condition not met in time"
        time.sleep(0.05)


def test_unreachable_fires_ack_stops_escalation_and_back_resolves(tmp_path: Path, sshd, client_keys) -> None:
    server = sshd()
    known = tmp_path / "user_known"
    known.write_text(server.known_hosts_line)
    host = HostConfig(name="erp-app-1", address="127.0.0.1", port=server.port, user="root",
                      key_file=str(client_keys.plain), known_hosts=str(known), interval_s=0.5,
                      tags=("prod",))
    route = RouteConfig(channels=("oncall-mail", "hook"), severity="critical", escalate_to=("lead-dingtalk",))
    inv = Inventory(local=LocalConfig(enabled=False), hosts=(host,), alerts=AlertsConfig(
        for_s=1.0, clear_s=1.0, escalate_after_s=ESCALATE_AFTER_S, repeat_s=0, routes=(route,)))
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    monitor = Monitor(inv, None, max_workers=4, known_hosts_path=tmp_path / "own_known_hosts")
    service = AlertService(engine, inv)
    service.start(monitor)
    monitor.start()
    try:
        until(lambda: {s.target: s for s in monitor.statuses()}["erp-app-1"].health.value == "ok")
        assert service.store.alerts() == []

        server.kill()
        [alert] = until(lambda: [a for a in service.store.alerts() if a.state == "firing"],
                        message="no firing alert after the sshd died")
        assert (alert.rule, alert.target, alert.severity, alert.value) == (
            "target_down", "erp-app-1", "critical", "unreachable")
        assert alert.fired_at - alert.started_at >= 1.0  # for_s held first
        outbox = service.store.outbox(alert.id)
        assert [(t, ch) for _a, t, ch, *_r in outbox] == [("firing", "oncall-mail"), ("firing", "hook")]

        done = run("alerts", "ack", alert.id, "--comment", "looking at the host", "--store", url)
        assert done.returncode == 0, done.stderr
        assert service.store.get(alert.id).state == "acknowledged"
        until(lambda: (service.last_tick_at or 0) >= alert.fired_at + ESCALATE_AFTER_S + 1.5,
              message="the alert service stopped ticking")
        assert "escalated" not in [t for _a, t, *_r in service.store.outbox(alert.id)]

        server.start()
        monitor.scheduler.poll_now("erp-app-1")  # the person's "retry now", not the outage backoff
        row = until(lambda: (r := service.store.get(alert.id)) and r.state == "resolved" and r,
                    message="the alert did not resolve after the sshd came back")
        assert (row.acked_by is not None, row.comment) == (True, "looking at the host")
        resolved = [json.loads(p) for _a, t, _c, p, *_r in service.store.outbox(alert.id) if t == "resolved"]
        assert len(resolved) == 2
        assert resolved[0]["duration_s"] == pytest.approx(row.resolved_at - row.started_at, abs=0.01)
        assert resolved[0]["duration_s"] > ESCALATE_AFTER_S
        assert len([a for a in service.store.alerts(include_resolved=True)]) == 1  # one alert, not one per poll
    finally:
        monitor.stop()
        service.stop()
        engine.dispose()
