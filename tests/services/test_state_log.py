"""Changes of state only: held until the store's last states are known, then each target's
new state is news only when it differs from the last one."""

from __future__ import annotations

from erpconsole.services.models import Event, Severity
from erpconsole.services.state_log import StateLog


def _build(target: str, state: str):
    return lambda before: Event(0.0, target, Severity.INFO, f"{target}: {before or '-'} -> {state}", state=state)


def test_held_until_the_baseline_then_only_changes_are_recorded():
    heard: list[Event] = []
    log = StateLog(heard.append)
    log.offer("health", "app-1", "ok", _build("app-1", "ok"))
    log.offer("health", "db-1", "unreachable", _build("db-1", "unreachable"))
    assert heard == []  # the store has not said yet what was before
    log.set_baseline({("health", "app-1"): "ok", ("health", "db-1"): "ok", ("backup", "db-1"): "late"})
    assert [e.message for e in heard] == ["db-1: ok -> unreachable"]
    log.offer("health", "db-1", "unreachable", _build("db-1", "unreachable"))
    log.offer("backup", "db-1", "late", _build("db-1", "late"))  # another kind, same name: its own state
    log.offer("health", "app-1", "timeout", _build("app-1", "timeout"))
    assert [e.message for e in heard] == ["db-1: ok -> unreachable", "app-1: ok -> timeout"]


def test_a_forgotten_target_is_news_when_it_comes_back():
    heard: list[Event] = []
    log = StateLog(heard.append)
    log.set_baseline({})
    log.offer("health", "app-1", "ok", _build("app-1", "ok"))
    log.forget("health", "app-1")
    log.offer("health", "app-1", "ok", _build("app-1", "ok"))
    assert [e.message for e in heard] == ["app-1: - -> ok", "app-1: - -> ok"]
