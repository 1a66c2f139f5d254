"""The alert loop on a real store, SQLite and PostgreSQL: transitions and their outbox rows in
one transaction, acknowledgement stopping escalation but not resolution, reminders, silences,
and one evaluator per store."""

from __future__ import annotations

import json
import threading
import time

import pytest

from erpconsole.services.models import Health

from .conftest import INVENTORY, Clock, status

pytestmark = pytest.mark.integration


def _fire(service, clock: Clock) -> str:
    assert service.take_lock()
    service.observe(status(Health.UNREACHABLE))
    clock.advance(5)
    service.observe(status(Health.UNREACHABLE))
    [row] = service.store.alerts()
    assert row.state == "firing"
    return row.id


def _transitions(service, alert_id: str) -> list[tuple[str, str]]:
    return [(t, ch) for _a, t, ch, *_rest in service.store.outbox(alert_id)]


def test_firing_writes_one_row_per_channel_and_resolution_says_how_long(make_service) -> None:
    clock = Clock()
    service = make_service(clock=clock)
    alert_id = _fire(service, clock)
    assert _transitions(service, alert_id) == [("firing", "oncall-mail"), ("firing", "hook")]
    body = json.loads(service.store.outbox(alert_id)[0][3])
    assert {k: body[k] for k in ("rule", "target", "severity", "state", "summary", "transition")} == {
        "rule": "target_down", "target": "erp-app-1", "severity": "critical", "state": "firing",
        "summary": "erp-app-1: unreachable: connection refused", "transition": "firing"}
    assert body["runbook"].startswith("Check that the host is up")
    clock.advance(60)
    service.tick()  # as the service's thread does every second: the lock is renewed
    service.observe(status(Health.OK))
    clock.advance(5)
    service.observe(status(Health.OK))
    [row] = service.store.alerts(include_resolved=True)
    assert (row.state, row.resolved_at) == ("resolved", clock.now)
    resolved = [json.loads(p) for _a, t, _c, p, *_r in service.store.outbox(alert_id) if t == "resolved"]
    assert [r["duration_s"] for r in resolved] == [70.0, 70.0]
    assert service.store.alerts() == []


def test_unacknowledged_escalates_once_acknowledged_does_not(make_service) -> None:
    clock = Clock()
    service = make_service(clock=clock)
    first = _fire(service, clock)
    clock.advance(899)
    service.tick()
    assert ("escalated", "lead-dingtalk") not in _transitions(service, first)
    clock.advance(1)
    service.tick()
    service.tick()
    assert _transitions(service, first).count(("escalated", "lead-dingtalk")) == 1

    service.observe(status(Health.OK, target="erp-app-1"))
    service.observe(status(Health.OK, target="erp-app-1"))
    clock.advance(100)
    second = _fire(service, clock)
    assert service.store.ack(second, "ann@desk", "rebooting it", clock.now).state == "acknowledged"
    clock.advance(3600)
    service.tick()
    assert [t for t, _c in _transitions(service, second)] == ["firing", "firing"]  # no escalation, no reminder
    service.observe(status(Health.OK))
    service.observe(status(Health.OK))
    row = service.store.get(second)
    assert (row.state, row.acked_by, row.comment) == ("resolved", "ann@desk", "rebooting it")
    assert ("resolved", "oncall-mail") in _transitions(service, second)


def test_a_reminder_every_repeat_s_while_it_fires(make_service) -> None:
    clock = Clock()
    service = make_service(INVENTORY.replace("escalate_after_s = 900", "escalate_after_s = 0"), clock=clock)
    alert_id = _fire(service, clock)
    for _ in range(3):
        clock.advance(1800)
        service.tick()
    assert [t for t, _c in _transitions(service, alert_id)].count("reminder") == 2 * 1  # at 3600 s, both channels
    clock.advance(1800)
    service.tick()
    assert [t for t, _c in _transitions(service, alert_id)].count("reminder") == 2 * 2


def test_an_ack_at_the_moment_it_resolves_keeps_both(make_service) -> None:
    """The person's acknowledgement and the resolution race on one row: whichever commits first,
    the alert ends resolved with the acknowledgement recorded, and the resolve rows are written."""
    for attempt in range(5):
        clock = Clock(1_800_000_000.0 + attempt * 10_000)
        service = make_service(clock=clock, holder=f"evaluator-{attempt}")
        alert_id = _fire(service, clock)
        service.observe(status(Health.OK))
        start = threading.Barrier(2)

        def ack() -> None:
            start.wait(5)
            service.store.ack(alert_id, "ann@desk", "on it", clock.now)

        t = threading.Thread(target=ack)
        t.start()
        start.wait(5)
        service.observe(status(Health.OK))
        t.join(10)
        row = service.store.get(alert_id)
        assert (row.state, row.acked_by, row.comment) == ("resolved", "ann@desk", "on it")
        assert ("resolved", "hook") in _transitions(service, alert_id)
        service.stop()


def test_one_evaluator_per_store(make_service) -> None:
    clock = Clock()
    first, second = make_service(clock=clock, holder="a@x:1"), make_service(clock=clock, holder="b@y:2")
    assert first.take_lock() is True
    assert second.take_lock() is False
    second.observe(status(Health.UNREACHABLE))
    second.observe(status(Health.UNREACHABLE))
    assert second.store.alerts() == []  # the second process judged nothing
    alert_id = _fire(first, clock)
    assert len(first.store.outbox(alert_id)) == 2
    # The holder stops: the other takes over the open alert where it was.
    first.stop()
    assert second.take_lock() is True
    second.observe(status(Health.UNREACHABLE))
    assert [r.id for r in second.store.alerts()] == [alert_id]
    assert len(second.store.outbox(alert_id)) == 2  # nothing fired twice
    second.observe(status(Health.OK))
    second.observe(status(Health.OK))
    assert second.store.get(alert_id).state == "resolved"


def test_a_holder_that_died_is_replaced_after_its_lease(make_service) -> None:
    """Killed without giving the lease up: the other evaluates once the lease has lapsed."""
    clock = Clock()
    dead = make_service(clock=clock, holder="a@x:1", lock_ttl_s=0.5)
    other = make_service(clock=clock, holder="b@y:2", lock_ttl_s=0.5)
    alert_id = _fire(dead, clock)
    assert other.take_lock() is False
    deadline = time.monotonic() + 10
    while not other.take_lock():
        assert time.monotonic() < deadline, "the lapsed lease was never taken over"
        threading.Event().wait(0.05)
    assert dead.take_lock() is False and not dead.evaluating
    other.observe(status(Health.OK))
    other.observe(status(Health.OK))
    assert other.store.get(alert_id).state == "resolved"


def test_a_silenced_alert_is_recorded_and_tells_no_one_until_the_silence_ends(make_service) -> None:
    clock = Clock()
    service = make_service(clock=clock)
    silence = service.store.add_silence(None, "prod", clock.now, clock.now + 600, "patching", "ann@desk", clock.now)
    alert_id = _fire_quiet(service, clock)
    assert service.store.get(alert_id).state == "silenced"
    assert service.store.outbox(alert_id) == []
    clock.advance(600)
    service.tick()
    assert service.store.get(alert_id).state == "firing"
    assert _transitions(service, alert_id) == [("firing", "oncall-mail"), ("firing", "hook")]
    assert service.store.remove_silence(silence, "ann@desk", clock.now) is True


def _fire_quiet(service, clock: Clock) -> str:
    assert service.take_lock()
    service.observe(status(Health.UNREACHABLE))
    clock.advance(5)
    service.observe(status(Health.UNREACHABLE))
    [row] = service.store.alerts()
    return row.id
