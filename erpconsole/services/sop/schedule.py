"""When a scheduled SOP is due, and whether it was done on time.

A schedule is local wall-clock time: "daily 08:00", "weekly mon 09:00", "monthly 1 09:00".
An occurrence's period runs until the next occurrence: a run signed within it is on time, one
signed later is late, and an occurrence with no signed run when its period has closed is missed.
``tz`` None means the machine's local time zone (what the person at the console sees).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta, tzinfo

from erpconsole.i18n import _
from erpconsole.services.sop.models import Compliance, DueRun, SopRun, SopTemplate

DAILY, WEEKLY, MONTHLY = "daily", "weekly", "monthly"
# English names whatever the machine's locale, as written in template files.
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# How long after its time a run may start before it shows as overdue.
GRACE_S = {DAILY: 2 * 3600.0, WEEKLY: 24 * 3600.0, MONTHLY: 3 * 24 * 3600.0}
# Reaches back far enough to find the previous occurrence of any schedule.
_LOOKBACK_S = 33 * 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Schedule:
    kind: str
    hour: int
    minute: int
    weekday: int = 0  # WEEKLY: 0 = Monday
    day: int = 1  # MONTHLY: 1..31; a shorter month uses its last day

    @property
    def every(self) -> str:
        """The template's word for ``kind`` (daily | weekly | monthly)."""
        return self.kind

    @property
    def grace_s(self) -> float:
        return GRACE_S[self.kind]


_FORMS = '"daily HH:MM", "weekly mon HH:MM" or "monthly D HH:MM"'


def parse_schedule(spec: str) -> Schedule:
    """The one reader of schedule text, for the template check and the scheduler alike.
    ValueError says what is wrong and which forms there are."""
    words = spec.strip().lower().split()
    if not words or words[0] not in (DAILY, WEEKLY, MONTHLY) or len(words) != (2 if words[0] == DAILY else 3):
        raise ValueError(_('schedule "{spec}" is not understood; write {forms}').format(spec=spec, forms=_FORMS))
    hour, minute = _clock(words[-1])
    if words[0] == DAILY:
        return Schedule(DAILY, hour, minute)
    if words[0] == WEEKLY:
        day = next((i for i, d in enumerate(_DAYS) if len(words[1]) >= 3 and d.startswith(words[1])), None)
        if day is None:
            raise ValueError(_('"{day}" is not a day of the week (mon ... sun); write {forms}').format(
                day=words[1], forms=_FORMS))
        return Schedule(WEEKLY, hour, minute, weekday=day)
    if not words[1].isdigit() or not 1 <= int(words[1]) <= 31:
        raise ValueError(_('"{day}" is not a day of the month (1 to 31); write {forms}').format(
            day=words[1], forms=_FORMS))
    return Schedule(MONTHLY, hour, minute, day=int(words[1]))


def _clock(word: str) -> tuple[int, int]:
    parts = word.split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[0]) > 23 or int(parts[1]) > 59:
        raise ValueError(_('"{time}" is not a time of day (HH:MM from 00:00 to 23:59); write {forms}').format(
            time=word, forms=_FORMS))
    return int(parts[0]), int(parts[1])


# -- occurrences ------------------------------------------------------------------------------

def occurrences(schedule: Schedule | str, start: float, end: float, tz: tzinfo | None = None) -> list[float]:
    """Epoch seconds of every occurrence with ``start <= t <= end``, oldest first. A local
    time skipped by a DST change falls on the hour after; one that happens twice counts once."""
    sched = parse_schedule(schedule) if isinstance(schedule, str) else schedule
    day, last = _local_date(start - 86400, tz), _local_date(end + 86400, tz)
    out: list[float] = []
    while day <= last:
        if _matches(sched, day):
            ts = _epoch(day, sched, tz)
            if start <= ts <= end:
                out.append(ts)
        day += timedelta(days=1)
    return out


def _local_date(ts: float, tz: tzinfo | None) -> date:
    return datetime.fromtimestamp(ts, tz).date()


def _matches(sched: Schedule, day: date) -> bool:
    if sched.kind == DAILY:
        return True
    if sched.kind == WEEKLY:
        return day.weekday() == sched.weekday
    return day.day == min(sched.day, calendar.monthrange(day.year, day.month)[1])


def _epoch(day: date, sched: Schedule, tz: tzinfo | None) -> float:
    # Naive datetimes are local time to .timestamp() (mktime); zoneinfo handles the fold itself.
    return datetime.combine(day, dtime(sched.hour, sched.minute), tzinfo=tz).timestamp()


def latest(schedule: Schedule, now: float, tz: tzinfo | None = None) -> float | None:
    """The newest occurrence at or before ``now``."""
    found = occurrences(schedule, now - _LOOKBACK_S, now, tz)
    return found[-1] if found else None


# -- due and compliance -----------------------------------------------------------------------

def _scheduled(templates: Iterable[SopTemplate]) -> list[tuple[SopTemplate, Schedule]]:
    out = []
    for t in templates:
        if t.schedule:
            try:
                out.append((t, parse_schedule(t.schedule)))
            except ValueError:
                continue  # the template parser reports it with FILE:LINE
    return out


def due_runs(templates: Iterable[SopTemplate], runs: list[SopRun], open_runs: list[SopRun], now: float,
             tz: tzinfo | None = None, since: float | None = None) -> list[DueRun]:
    """Per scheduled template, the newest occurrence no run was started for; then every run
    started but not signed. ``runs``: the runs that answer occurrences (their ``due`` set).
    An occurrence before ``since`` (the console was not in use yet) is not due."""
    answered = {(r.template.id, r.due) for r in runs if r.due is not None}
    out: list[DueRun] = []
    schedules = {}
    for template, sched in _scheduled(templates):
        schedules[template.id] = sched
        at = latest(sched, now, tz)
        if at is not None and (since is None or at >= since) and (template.id, at) not in answered:
            out.append(DueRun(template.id, template.title, at, now - at > sched.grace_s))
    for run in open_runs:
        sched = schedules.get(run.template.id)
        late = run.due is not None and sched is not None and now - run.due > sched.grace_s
        out.append(DueRun(run.template.id, run.template.title, run.due if run.due is not None else run.started,
                          late, run.id))
    return sorted(out, key=lambda d: d.due)


def month_starts(months: int, now: float, tz: tzinfo | None = None) -> list[float]:
    """The local starts of the last ``months`` months (this one included), oldest first, and
    the start of the next month at the end."""
    here = datetime.fromtimestamp(now, tz)
    year, month = here.year, here.month
    firsts = []
    for _i in range(months):
        firsts.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    firsts.reverse()
    nxt = (here.year + (here.month == 12), here.month % 12 + 1)
    return [datetime(y, m, 1, tzinfo=tz).timestamp() for y, m in firsts + [nxt]]


def compliance(templates: Iterable[SopTemplate], runs: list[SopRun], months: int, now: float,
               tz: tzinfo | None = None, since: float | None = None) -> list[Compliance]:
    """Per scheduled template and month. An occurrence whose period is still open and that has
    no signed run yet is not judged (it is neither on time nor missed); nor is one before
    ``since`` (before the console kept runs, nobody could have recorded one)."""
    bounds = month_starts(months, now, tz)
    signed: dict[tuple[str, float], list[float]] = {}
    for r in runs:
        if r.due is not None and r.signed_ts is not None:
            signed.setdefault((r.template.id, r.due), []).append(r.signed_ts)
    out = []
    for template, sched in _scheduled(templates):
        times = occurrences(sched, bounds[0], bounds[-1] + _LOOKBACK_S, tz)
        for lo, hi in zip(bounds, bounds[1:]):
            counts = [0, 0, 0]  # on time, late, missed
            for at, nxt in zip(times, times[1:]):
                if lo <= at < hi and at <= now and (since is None or at >= since):
                    verdict = _verdict(signed.get((template.id, at), []), nxt, now)
                    if verdict is not None:
                        counts[verdict] += 1
            out.append(Compliance(template.id, datetime.fromtimestamp(lo, tz).strftime("%Y-%m"),
                                  sum(counts), *counts))
    return out


def _verdict(signed_at: list[float], next_at: float, now: float) -> int | None:
    if any(ts < next_at for ts in signed_at):
        return 0
    if signed_at:
        return 1
    return 2 if now >= next_at else None
