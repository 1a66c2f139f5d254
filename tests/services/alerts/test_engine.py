"""Evaluation over a clock the test moves: two polls before firing, one alert for a flapping
value, a blip that never fires leaves nothing, seconds given by the inventory count by time."""

from __future__ import annotations

from erpconsole.config.alerts_models import AlertsConfig
from erpconsole.config import Inventory
from erpconsole.services.alerts import engine as ev
from erpconsole.services.alerts.rules import compile_rules
from erpconsole.services.models import Finding, Health, Severity

from .conftest import status

RULES = compile_rules(Inventory())


def _poll(evaluator: ev.Evaluator, st, now: float, warn: bool = False) -> list[str]:
    active, judged = ev.conditions(st, RULES, warn)
    return [t.kind for t in evaluator.observe(st.target, active, judged, now)]


def test_two_polls_fire_and_two_clear_polls_resolve() -> None:
    e = ev.Evaluator()
    assert _poll(e, status(Health.UNREACHABLE), 0) == ["pending"]
    assert _poll(e, status(Health.UNREACHABLE), 5) == ["firing"]
    assert _poll(e, status(Health.UNREACHABLE), 10) == []
    assert _poll(e, status(Health.OK), 15) == []
    assert _poll(e, status(Health.OK), 20) == ["resolved"]
    assert e.tracked() == []


def test_a_flapping_target_gives_one_alert() -> None:
    e = ev.Evaluator()
    kinds = []
    for i, health in enumerate([Health.UNREACHABLE, Health.UNREACHABLE] + [Health.OK, Health.UNREACHABLE] * 10):
        kinds += _poll(e, status(health), i * 5.0)
    assert kinds == ["pending", "firing"]
    [alert] = e.tracked()
    assert alert.firing and alert.since == 0.0


def test_a_single_bad_poll_is_not_an_alert() -> None:
    e = ev.Evaluator()
    assert _poll(e, status(Health.UNREACHABLE), 0) == ["pending"]
    assert _poll(e, status(Health.OK), 5) == ["dropped"]
    assert e.tracked() == []


def test_seconds_from_the_inventory_count_by_time_even_between_polls() -> None:
    e = ev.Evaluator(for_s=12, clear_s=30)
    assert _poll(e, status(Health.AUTH_FAILED), 0) == ["pending"]
    assert e.tick(11.9) == []
    assert [t.kind for t in e.tick(12.0)] == ["firing"]
    assert _poll(e, status(Health.OK), 20) == []
    assert e.tick(49.9) == []
    assert [t.kind for t in e.tick(50.0)] == ["resolved"]


def test_states_that_need_no_person_and_warnings_fire_only_when_asked() -> None:
    e = ev.Evaluator(for_s=0)
    assert _poll(e, status(Health.TIMEOUT), 0) == []
    warn = Finding(Severity.WARNING, "erp-app-1", "disk_used", "disk / at 88% (warning over 85%)")
    assert _poll(e, status(Health.OK, findings=[warn]), 1) == []
    assert _poll(e, status(Health.OK, findings=[warn]), 2, warn=True) == ["pending", "firing"]
    [alert] = e.tracked()
    assert (alert.rule.name, alert.severity) == ("disk_used", "warning")
    assert alert.summary == "erp-app-1: disk / at 88% (warning over 85%)"


def test_an_unreadable_target_neither_fires_nor_resolves_its_findings() -> None:
    e = ev.Evaluator()
    crit = Finding(Severity.CRITICAL, "erp-app-1", "disk_used", "disk / at 97% (critical over 95%)")
    _poll(e, status(Health.OK, findings=[crit]), 0)
    _poll(e, status(Health.OK, findings=[crit]), 5)
    assert _poll(e, status(Health.UNREACHABLE, findings=[crit]), 10) == ["pending"]
    assert _poll(e, status(Health.UNREACHABLE, findings=[crit]), 15) == ["firing"]
    assert sorted(t.rule.name for t in e.tracked() if t.firing) == ["disk_used", "target_down"]


def test_the_id_is_stable_for_one_alert_and_new_for_the_next() -> None:
    e = ev.Evaluator()
    _poll(e, status(Health.UNREACHABLE), 0)
    [first] = e.tracked()
    _poll(e, status(Health.UNREACHABLE), 5)
    assert e.tracked()[0].alert_id == first.alert_id
    _poll(e, status(Health.OK), 10), _poll(e, status(Health.OK), 15)
    _poll(e, status(Health.UNREACHABLE), 100)
    assert e.tracked()[0].alert_id != first.alert_id
