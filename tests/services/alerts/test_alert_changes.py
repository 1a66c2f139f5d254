"""What changes under an open alert: a warning that turns critical reaches the critical route,
a rule taken out of the inventory resolves its open alerts, and a maintenance window (fixed or
every week) keeps an alert quiet."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from erpconsole.config.alerts_models import MaintenanceConfig
from erpconsole.services.alerts.silences import in_window
from erpconsole.services.models import Finding, Health, Severity

from .conftest import INVENTORY, Clock, status

pytestmark = pytest.mark.integration

HOOKS = """
[[hosts]]
name = "erp-app-1"
address = "127.0.0.1"
tags = ["prod"]

[alerts]
warn = true

[[channels]]
name = "chat"
kind = "webhook"
url = "http://127.0.0.1:8099/chat"

[[channels]]
name = "pager"
kind = "webhook"
url = "http://127.0.0.1:8099/pager"

[[routes]]
channels = ["chat"]

[[routes]]
severity = "critical"
channels = ["pager"]
"""


def _disk(severity: Severity) -> Finding:
    return Finding(severity, "erp-app-1", "disk_used", f"disk / ({severity.value})")


def test_a_warning_that_turns_critical_reaches_the_critical_route(make_service) -> None:
    clock = Clock()
    service = make_service(HOOKS, clock=clock)
    assert service.take_lock()
    for _ in range(2):
        service.observe(status(Health.OK, findings=[_disk(Severity.WARNING)]))
    [alert] = service.store.alerts()
    assert [(t, ch) for _a, t, ch, *_r in service.store.outbox(alert.id)] == [("firing", "chat")]
    clock.advance(5)
    service.observe(status(Health.OK, findings=[_disk(Severity.CRITICAL)]))
    assert service.store.get(alert.id).severity == "critical"
    assert [(t, ch) for _a, t, ch, *_r in service.store.outbox(alert.id)] == [("firing", "chat"), ("firing", "pager")]
    service.observe(status(Health.OK, findings=[_disk(Severity.CRITICAL)]))
    assert len(service.store.outbox(alert.id)) == 2  # told once


def test_a_rule_taken_out_of_the_inventory_resolves_its_open_alerts(make_service) -> None:
    clock = Clock()
    first = make_service(clock=clock, holder="a@x:1")
    assert first.take_lock()
    first.observe(status(Health.UNREACHABLE))
    first.observe(status(Health.UNREACHABLE))
    [alert] = first.store.alerts()
    first.stop()
    off = INVENTORY + '\n[[rules]]\nname = "target_down"\nenabled = false\n'
    second = make_service(off, clock=clock, holder="b@y:2")
    assert second.take_lock()
    row = second.store.get(alert.id)
    assert row.state == "resolved"
    assert [t for _a, t, *_r in second.store.outbox(alert.id)].count("resolved") == 2


def test_a_fixed_maintenance_window_keeps_the_alert_quiet(make_service) -> None:
    clock = Clock()  # 2027-01-15 08:00 UTC
    window = '\n[[maintenance]]\ntarget = "erp-app-1"\nfrom = 2027-01-15T07:00:00Z\nto = 2027-01-15T09:00:00Z\nreason = "disk swap"\n'
    service = make_service(INVENTORY + window, clock=clock)
    assert service.take_lock()
    service.observe(status(Health.UNREACHABLE))
    service.observe(status(Health.UNREACHABLE))
    [alert] = service.store.alerts()
    assert alert.state == "silenced" and service.store.outbox(alert.id) == []
    clock.advance(3600)
    service.tick()
    assert service.store.get(alert.id).state == "firing"
    assert len(service.store.outbox(alert.id)) == 2  # no escalation: nobody was told until now
    clock.advance(900)
    service.tick()
    assert [t for _a, t, *_r in service.store.outbox(alert.id)] == ["firing", "firing", "escalated"]


@pytest.mark.parametrize(("when", "inside"), [
    ("2026-12-06 02:00", True), ("2026-12-06 03:59", True), ("2026-12-06 04:00", False),
    ("2026-12-06 01:59", False), ("2026-12-13 02:30", True), ("2026-12-07 02:30", False)])
def test_every_sunday_from_two_to_four(when: str, inside: bool) -> None:
    window = MaintenanceConfig("patching", tag="prod", weekday=6, start_min=120, end_min=240)
    ts = time.mktime(datetime.strptime(when, "%Y-%m-%d %H:%M").timetuple())
    assert in_window(window, "erp-app-1", ("prod",), ts) is inside
    assert in_window(window, "erp-app-1", ("qa",), ts) is False


@pytest.mark.parametrize(("when", "inside"), [
    ("2026-12-06 23:30", True), ("2026-12-07 00:30", True), ("2026-12-07 01:00", False),
    ("2026-12-05 23:30", False)])
def test_a_window_across_midnight_runs_into_the_next_day(when: str, inside: bool) -> None:
    window = MaintenanceConfig("backup", target="erp-app-1", weekday=6, start_min=23 * 60, end_min=60)
    ts = time.mktime(datetime.strptime(when, "%Y-%m-%d %H:%M").timetuple())
    assert in_window(window, "erp-app-1", (), ts) is inside


def test_a_host_added_in_the_window_is_routed_by_its_tags(make_service) -> None:
    from erpconsole.config import HostConfig
    from erpconsole.services.monitor import Monitor

    tagged = HOOKS.replace('[[routes]]\nchannels = ["chat"]', '[[routes]]\ntags = ["db"]\nchannels = ["chat"]')
    service = make_service(tagged)
    monitor = Monitor(service._inventory, None, max_workers=1)
    try:
        service.watch(monitor)
        monitor.add_host(HostConfig(name="erp-db-2", address="127.0.0.1", tags=("db",)))
        assert service.take_lock()
        service.tick()
        for _ in range(2):
            service.observe(status(Health.UNREACHABLE, target="erp-db-2"))
        [alert] = service.store.alerts()
        assert sorted(ch for _a, _t, ch, *_r in service.store.outbox(alert.id)) == ["chat", "pager"]
    finally:
        monitor.stop()


def test_a_host_removed_in_the_window_resolves_its_alerts(make_service) -> None:
    from erpconsole.config import HostConfig
    from erpconsole.services.monitor import Monitor

    clock = Clock()
    service = make_service(clock=clock)
    monitor = Monitor(service._inventory, None, max_workers=1)
    try:
        service.watch(monitor)
        monitor.add_host(HostConfig(name="erp-app-9", address="127.0.0.1", tags=("prod",)))
        assert service.take_lock()
        for _ in range(2):
            service._on_status(status(Health.UNREACHABLE, target="erp-app-9"))
        [alert] = service.store.alerts()
        monitor.remove_host("erp-app-9")
        clock.advance(30)
        service.tick()
        row = service.store.get(alert.id)
        assert (row.state, row.resolved_at) == ("resolved", clock.now)
        assert [t for _a, t, *_r in service.store.outbox(alert.id)] == ["firing", "firing", "resolved", "resolved"]
    finally:
        monitor.stop()
