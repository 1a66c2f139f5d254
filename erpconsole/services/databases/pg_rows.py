"""PostgreSQL result rows -> the snapshot's dataclasses. Pure: tested on rows made by hand
as well as through the real server."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from erpconsole.services.models import (
    DbIndex,
    DbReplica,
    DbSequence,
    DbSession,
    DbStatement,
    DbTable,
)

WAITING = "waiting"
# The order the connections chart stacks states in; any other state follows.
STATE_ORDER = ("active", "idle", "idle in transaction", WAITING)
UNKNOWN_STATE = "unknown"  # another user's session, seen without pg_read_all_stats


def num(value: object) -> float | None:
    """A float from numeric / Decimal / int columns, None stays None."""
    return None if value is None else float(value)  # type: ignore[arg-type]


def whole(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def seconds(value: object) -> float | None:
    """An age in seconds; a statement that started just after our snapshot's now() gives a
    few negative microseconds, which are zero."""
    v = num(value)
    return None if v is None else max(0.0, v)


@dataclass(frozen=True, slots=True)
class Activity:
    """What pg_stat_activity said: the sessions to show and the counts for the charts."""

    sessions: tuple[DbSession, ...]
    connections: int
    by_state: tuple[tuple[str, int], ...]
    lock_waits: int


def session_state(state: str, wait_event_type: str) -> str:
    """A session waiting on a heavyweight lock is "waiting", whatever state says (it says
    active); an empty state is another user's session the role may not read."""
    if wait_event_type == "Lock":
        return WAITING
    return state or UNKNOWN_STATE


def activity(rows: Iterable[Sequence]) -> Activity:
    """Rows of ``pg_queries.ACTIVITY``. Our own backend counts as a connection (it holds a
    slot of max_connections) but is not listed as a session."""
    sessions: list[DbSession] = []
    states: Counter[str] = Counter()
    for (pid, user, db, client, app, state, wtype, wevent, query, duration, xact,
         blockers, own, started) in rows:
        shown = session_state(state, wtype)
        states[shown] += 1
        if own:
            continue
        sessions.append(DbSession(
            pid=int(pid), user=user, database=db, client=client, application=app,
            state=shown, wait_event=f"{wtype}:{wevent}" if wtype else "",
            query=query, duration_s=seconds(duration), xact_age_s=seconds(xact),
            blocked_by=tuple(int(p) for p in blockers or ()), query_start_ts=num(started)))
    return Activity(tuple(sessions), sum(states.values()), ordered_states(states),
                    states[WAITING])


def ordered_states(states: Counter[str]) -> tuple[tuple[str, int], ...]:
    """The four chart states always (a zero is a value on a chart), then the others seen."""
    known = [(s, states.get(s, 0)) for s in STATE_ORDER]
    rest = sorted((s, n) for s, n in states.items() if s not in STATE_ORDER)
    return tuple(known + rest)


def replicas(rows: Iterable[Sequence]) -> tuple[DbReplica, ...]:
    """Rows of ``pg_queries.replication_primary``."""
    return tuple(
        DbReplica(name=name, role=role, client=client, state=state, active=active,
                  lag_bytes=whole(lag_b), lag_s=seconds(lag_s), retained_bytes=whole(kept))
        for name, role, client, state, active, lag_b, lag_s, kept in rows)


def upstream(row: Sequence) -> DbReplica:
    """The row of ``pg_queries.REPLICATION_STANDBY``: this replica's own lag."""
    client, state, lag_b, lag_s = row
    return DbReplica(name=client or "upstream", role="upstream", client=client, state=state,
                     active=state == "streaming", lag_bytes=whole(lag_b), lag_s=seconds(lag_s))


def worst_lag(reps: Iterable[DbReplica]) -> tuple[int | None, float | None]:
    """The worst replica lag in bytes and seconds (slots hold WAL back but do not lag)."""
    lagging = [r for r in reps if r.role != "slot"]
    b = [r.lag_bytes for r in lagging if r.lag_bytes is not None]
    s = [r.lag_s for r in lagging if r.lag_s is not None]
    return (max(b) if b else None), (max(s) if s else None)


def tables(rows: Iterable[Sequence]) -> tuple[DbTable, ...]:
    return tuple(
        DbTable(schema=schema, name=name, size_bytes=int(size or 0), live_rows=whole(live),
                dead_rows=whole(dead), last_vacuum_ts=num(vac), last_analyze_ts=num(ana),
                xid_age=whole(age))
        for schema, name, size, live, dead, vac, ana, age in rows)


def indexes(rows: Iterable[Sequence]) -> tuple[DbIndex, ...]:
    return tuple(
        DbIndex(schema=schema, table=table, name=name, size_bytes=int(size or 0),
                scans=whole(scans), valid=bool(valid), unique=bool(unique))
        for schema, table, name, size, scans, valid, unique in rows)


def sequences(rows: Iterable[Sequence]) -> tuple[DbSequence, ...]:
    return tuple(DbSequence(schema=schema, name=name, last_value=int(last), max_value=int(top))
                 for schema, name, last, top in rows)


def statements(rows: Iterable[Sequence]) -> tuple[DbStatement, ...]:
    return tuple(
        DbStatement(query=query, calls=int(calls), total_ms=float(total), mean_ms=float(mean),
                    rows=int(nrows or 0), ident=ident)
        for ident, query, calls, total, mean, nrows in rows)


def short_version(server_version: str) -> str:
    """'15.20 (Debian 15.20-0+deb12u1)' -> 'PostgreSQL 15.20'."""
    parts = server_version.split()
    return f"PostgreSQL {parts[0]}" if parts else "PostgreSQL"


def wraparound_percent(max_age: object) -> float | None:
    """Oldest datfrozenxid age against the 2^31 transactions at which the server stops."""
    age = num(max_age)
    return None if age is None else 100.0 * age / 2**31


def hit_percent(hits_ps: float | None, reads_ps: float | None) -> float | None:
    """Cache hits among block accesses since the previous poll. None on the first poll (no
    interval yet: a ratio since the server started would hide today's misses behind months
    of hits) and when no block was touched (nothing to rate)."""
    if hits_ps is None or reads_ps is None or hits_ps + reads_ps <= 0:
        return None
    return 100.0 * hits_ps / (hits_ps + reads_ps)
