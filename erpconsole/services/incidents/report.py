"""The figures read from a store: per incident (time to acknowledge, time to repair) and per
month and target (MTTA, MTTR, count by severity, availability with the unknown time)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from erpconsole.services.incidents.figures import (IncidentTimes, TargetMonth, availability, incident_times,
                                                   per_target)
from erpconsole.services.incidents.store import IncidentRow, IncidentStore

GAP_S = 60.0  # no poll for longer than this: the state is unknown (a console or agent not running)


def month_bounds(month: str, tz: tzinfo | None = None) -> tuple[float, float]:
    """``YYYY-MM`` -> (start, end) epoch seconds in ``tz`` (else local time); ValueError if bad."""
    first = datetime.strptime(month, "%Y-%m")
    nxt = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    if tz is None:
        return first.astimezone().timestamp(), nxt.astimezone().timestamp()
    return first.replace(tzinfo=tz).timestamp(), nxt.replace(tzinfo=tz).timestamp()


def month_of(ts: float, tz: tzinfo | None = None) -> str:
    moment = datetime.fromtimestamp(ts, tz) if tz else datetime.fromtimestamp(ts).astimezone()
    return moment.strftime("%Y-%m")


def times_of(store: IncidentStore, row: IncidentRow) -> IncidentTimes | None:
    facts = store.alert_facts(row.alert_ids)
    return incident_times(facts) if facts else None


def monthly(store: IncidentStore, month: str, now: float, tz: tzinfo | None = None,
            gap_s: float = GAP_S) -> list[TargetMonth]:
    """One row per target that had an incident starting this month or a health state: MTTA and
    MTTR over the incidents, availability over the month (up to ``now``)."""
    start, end = month_bounds(month, tz)
    end = min(end, now)
    incidents = [t for t in (times_of(store, row) for row in store.incidents())
                 if t is not None and start <= t.start < end]
    rows = per_target(month, incidents)
    missed = store.missed(start, end)
    targets = sorted({*rows, *missed, *store.targets_with_states(start, end)})
    polls = store.polls(start, end, gap_s) if end > start else []
    for target in targets:
        row = rows.setdefault(target, TargetMonth(month, target))
        row.missed_responses = missed.get(target, 0)
        if end > start:
            row.availability = availability(target, store.states(target, start, end), polls, start, end, gap_s)
    return [rows[t] for t in targets]
