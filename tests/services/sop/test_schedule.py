"""Schedules in local time (across a month end and both DST changes in Europe/Berlin), what is
due or overdue, and compliance per month, on a real store."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from erpconsole.services.sop.models import MANUAL, SopSection, SopStep, SopTemplate
from erpconsole.services.sop.schedule import Schedule, occurrences, parse_schedule
from erpconsole.services.sop.service import SopService
from erpconsole.services.store import Store

BERLIN = ZoneInfo("Europe/Berlin")


def at(*args) -> float:
    return datetime(*args, tzinfo=BERLIN).timestamp()


def local(ts: float) -> str:
    return datetime.fromtimestamp(ts, BERLIN).strftime("%m-%d %H:%M")


def test_parse_the_three_forms() -> None:
    assert parse_schedule("daily 08:00") == Schedule("daily", 8, 0)
    assert parse_schedule(" Weekly MON 09:30 ") == Schedule("weekly", 9, 30, weekday=0)
    assert parse_schedule("weekly friday 17:05") == Schedule("weekly", 17, 5, weekday=4)
    assert parse_schedule("monthly 31 23:59") == Schedule("monthly", 23, 59, day=31)


@pytest.mark.parametrize("spec", ["", "hourly 08:00", "daily 8", "daily 24:00", "daily 08:60",
                                  "daily mon 08:00", "weekly mo 09:00", "weekly 09:00",
                                  "monthly 0 09:00", "monthly 32 09:00", "monthly first 09:00"])
def test_bad_schedules_say_what_to_write(spec: str) -> None:
    with pytest.raises(ValueError, match='"daily HH:MM", "weekly mon HH:MM" or "monthly D HH:MM"'):
        parse_schedule(spec)


def test_daily_across_a_month_end() -> None:
    found = occurrences("daily 08:00", at(2026, 1, 30), at(2026, 2, 2, 8, 0), BERLIN)
    assert [local(t) for t in found] == ["01-30 08:00", "01-31 08:00", "02-01 08:00", "02-02 08:00"]


def test_daily_across_both_dst_changes() -> None:
    spring = occurrences("daily 08:00", at(2026, 3, 28), at(2026, 3, 30, 12), BERLIN)
    assert [local(t) for t in spring] == ["03-28 08:00", "03-29 08:00", "03-30 08:00"]
    assert spring[1] - spring[0] == 23 * 3600  # the night the clocks go forward is an hour short
    autumn = occurrences("daily 08:00", at(2026, 10, 24), at(2026, 10, 25, 12), BERLIN)
    assert autumn[1] - autumn[0] == 25 * 3600
    # 02:30 does not exist on 29 March: the occurrence falls in the hour after.
    [skipped] = occurrences("daily 02:30", at(2026, 3, 29), at(2026, 3, 29, 12), BERLIN)
    assert local(skipped) == "03-29 03:30"


def test_local_time_follows_the_tz_environment(monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        found = occurrences("daily 08:00", at(2026, 3, 28), at(2026, 3, 30, 12))
        assert found == occurrences("daily 08:00", at(2026, 3, 28), at(2026, 3, 30, 12), BERLIN)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_weekly_and_monthly() -> None:
    weekly = occurrences("weekly mon 09:00", at(2026, 3, 1), at(2026, 3, 31), BERLIN)
    assert [local(t) for t in weekly] == ["03-02 09:00", "03-09 09:00", "03-16 09:00", "03-23 09:00",
                                          "03-30 09:00"]
    monthly = occurrences("monthly 31 06:00", at(2026, 1, 1), at(2026, 5, 1), BERLIN)
    assert [local(t) for t in monthly] == ["01-31 06:00", "02-28 06:00", "03-31 06:00", "04-30 06:00"]


# -- due and compliance on the service ------------------------------------------------------------

DAILY = SopTemplate(id="daily", title="Daily inspection", version="1", schedule="daily 08:00",
                    sections=(SopSection("S", (SopStep("look", "Look", MANUAL),)),))
WEEKLY = SopTemplate(id="weekly", title="Weekly DB maintenance", version="1", schedule="weekly mon 09:00",
                     sections=(SopSection("S", (SopStep("vacuum", "Vacuum", MANUAL),)),))
ADHOC = SopTemplate(id="incident", title="Incident response", version="1",
                    sections=(SopSection("S", (SopStep("triage", "Triage", MANUAL),)),))


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


def _service(store, clock) -> SopService:
    return SopService(store.engine, None, audit=store.audit, library=(DAILY, WEEKLY, ADHOC), now=clock,
                      checks={}, tz=BERLIN)


def _do(svc: SopService, clock: Clock, template: SopTemplate, due: float, signed_at: float | None) -> int:
    clock.t = due + 600
    run_id = svc.start(template.id, actor="alice", due=due).id
    svc.tick(run_id, template.steps[0].id)
    if signed_at is not None:
        clock.t = signed_at
        svc.sign(run_id, "Alice Chen")
    return run_id


def _in_use_since(store, ts: float) -> None:
    from erpconsole.services.models import Event, Severity

    store.write_batch([], [Event(ts, "This workstation", Severity.INFO, "This workstation is ok")])


def test_nothing_is_due_from_before_the_console_was_in_use(store) -> None:
    clock = Clock(at(2026, 3, 30, 9, 30))
    svc = _service(store, clock)
    assert svc.due() == []  # a fresh install: no reminder of yesterday's inspection
    _in_use_since(store, at(2026, 3, 30, 9, 0))
    assert [d.template_id for d in svc.due()] == ["weekly"]  # 09:00 weekly, after first use


def test_due_then_overdue_then_answered(store) -> None:
    clock = Clock(at(2026, 3, 30, 9, 30))  # a Monday
    svc = _service(store, clock)
    _in_use_since(store, at(2026, 3, 1))
    due = {d.template_id: d for d in svc.due()}
    assert set(due) == {"daily", "weekly"}
    assert (due["daily"].due, due["daily"].overdue, due["daily"].run_id) == (at(2026, 3, 30, 8), False, None)
    assert due["weekly"].due == at(2026, 3, 30, 9) and not due["weekly"].overdue
    later = {d.template_id: d for d in svc.due(at(2026, 3, 30, 10, 1))}
    assert later["daily"].overdue and not later["weekly"].overdue  # daily grace is 2 h
    clock.t = at(2026, 3, 30, 10, 30)
    run = svc.start("daily", actor="bob")  # answers the 08:00 occurrence by itself
    assert run.due == at(2026, 3, 30, 8)
    daily = [d for d in svc.due() if d.template_id == "daily"]
    assert [(d.run_id, d.overdue) for d in daily] == [(run.id, True)]  # started, late, not signed
    svc.tick(run.id, "look")
    svc.sign(run.id, "Bob Li")
    assert [d.template_id for d in svc.due()] == ["weekly"]
    incident = svc.start("incident")
    assert [(d.template_id, d.run_id, d.overdue) for d in svc.due() if d.run_id] == [("incident", incident.id, False)]


def test_compliance_per_month(store) -> None:
    clock = Clock(0.0)
    svc = _service(store, clock)
    clock.t = at(2026, 3, 2, 7)
    # A fresh install: nothing was missed before the console kept runs.
    assert all(c.scheduled == 0 for c in svc.compliance(months=2))
    for day in (2, 3, 4):  # on time: signed the same morning
        _do(svc, clock, DAILY, at(2026, 3, day, 8), at(2026, 3, day, 9))
    for day in (10, 29):  # late: signed after the next occurrence (29 March crosses the DST change)
        _do(svc, clock, DAILY, at(2026, 3, day, 8), at(2026, 3, day + 1, 8, 30))
    _do(svc, clock, DAILY, at(2026, 3, 20, 8), None)  # started, never signed: missed
    _do(svc, clock, DAILY, at(2026, 4, 2, 8), at(2026, 4, 3, 7, 59))  # just inside its period
    _do(svc, clock, DAILY, at(2026, 4, 10, 8), at(2026, 4, 10, 8, 30))  # today's, done already
    clock.t = at(2026, 4, 10, 12)
    found = {(c.template_id, c.month): c for c in svc.compliance(months=2)}
    march, april = found[("daily", "2026-03")], found[("daily", "2026-04")]
    # From 2 March, the first run kept here: 1 March was before the console kept runs.
    assert (march.scheduled, march.on_time, march.late, march.missed) == (30, 3, 2, 25)
    # 1-10 April; the 10th counts because it was signed; none of 11-30 is due yet.
    assert (april.scheduled, april.on_time, april.late, april.missed) == (10, 2, 0, 8)
    weekly = found[("weekly", "2026-03")]
    assert (weekly.scheduled, weekly.on_time, weekly.missed) == (5, 0, 5)
    assert ("incident", "2026-03") not in found
    # Today's occurrence, not signed yet and still within its period, is not judged at all.
    clock.t = at(2026, 4, 11, 9)
    assert [(c.month, c.scheduled, c.on_time) for c in svc.compliance(months=1) if c.template_id == "daily"] \
        == [("2026-04", 10, 2)]
