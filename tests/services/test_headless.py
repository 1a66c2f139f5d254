"""The agent's periodic reads: the SOP schedule looked at once a minute, an overdue procedure
logged once (and once when it is on schedule again), on a real store and SOP service."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from erpconsole.config import Inventory
from erpconsole.services.headless import SOP_EVERY_S, PeriodicReads
from erpconsole.services.models import Event, Severity
from erpconsole.services.sop.models import MANUAL, SopSection, SopStep, SopTemplate
from erpconsole.services.sop.service import SopService
from erpconsole.services.state_log import StateLog
from erpconsole.services.store import Store

DAILY = SopTemplate(id="daily", title="Daily inspection", version="1", schedule="daily 08:00",
                    sections=(SopSection("S", (SopStep("look", "Look", MANUAL),)),))


def at(*parts) -> float:
    return datetime(*parts, tzinfo=timezone.utc).timestamp()


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    yield s
    s.close()


def wait_for(condition, timeout_s: float = 10.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.01)


def test_an_overdue_procedure_is_logged_once_and_again_when_it_is_done(store):
    clock = Clock(at(2026, 3, 30, 12, 0))  # four hours after the 08:00 inspection was due
    store.write_batch([], [Event(at(2026, 3, 1), "", Severity.INFO, "console started", kind="console")])
    sop = SopService(store.engine, None, audit=store.audit, library=(DAILY,), now=clock, checks={},
                     tz=timezone.utc)
    events: list[Event] = []
    states = StateLog(events.append)
    states.set_baseline({})
    reads = PeriodicReads(SimpleNamespace(inventory=Inventory(), states=states), None, sop)
    try:
        reads.tick(now=0.0)
        wait_for(lambda: events)
        [late] = events
        assert (late.kind, late.target, late.level, late.state) == ("sop", "daily", Severity.WARNING, "overdue")
        assert "Daily inspection is overdue" in late.message and "2026-03-30" in late.message
        assert [d.template_id for d in reads.sop_due if d.overdue] == ["daily"]

        reads.tick(now=SOP_EVERY_S - 1)  # within the minute: not looked at again
        reads.tick(now=SOP_EVERY_S + 1)  # a minute on: still overdue, nothing new in the log
        wait_for(reads.settled)
        assert len(events) == 1

        run = sop.start("daily", actor="alice", due=at(2026, 3, 30, 8, 0))
        sop.tick(run.id, "look")
        sop.sign(run.id, "Alice Chen")
        reads.tick(now=2 * SOP_EVERY_S + 2)
        wait_for(lambda: len(events) == 2)
        assert (events[1].level, events[1].state) == (Severity.INFO, "ok")
        assert "on schedule again" in events[1].message
    finally:
        reads.shutdown()
