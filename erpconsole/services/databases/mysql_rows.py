"""MySQL/MariaDB result rows -> snapshot models. Pure functions, so the state rules are tested
without a server."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from erpconsole.services.models import DbReplica, DbSession, DbStatement, DbTable

ACTIVE, IDLE, IDLE_IN_XACT, WAITING = "active", "idle", "idle in transaction", "waiting"
REPLICATION = "replication"
OTHER = "other"  # connections this account may not see (no PROCESS privilege)

# Replication threads run "forever": as "active" they would read as endless queries.
_REPLICATION_COMMANDS = frozenset({
    "Binlog Dump", "Binlog Dump GTID", "Slave_IO", "Slave_SQL", "Slave_worker",
})
ROW_LOCK_WAIT = "InnoDB row lock"


@dataclass(frozen=True, slots=True)
class TrxInfo:
    """One open InnoDB transaction, keyed by its thread (processlist id)."""

    age_s: float | None
    waiting: bool
    blockers: tuple[int, ...] = ()


def transactions(rows: Iterable[Sequence]) -> dict[int, TrxInfo]:
    """Rows of (thread id, trx_state, age s, blocking thread id or NULL), one per blocker."""
    out: dict[int, TrxInfo] = {}
    for thread_id, trx_state, age, blocker in rows:
        tid = int(thread_id)
        blockers = out[tid].blockers if tid in out else ()
        if blocker is not None and int(blocker) not in blockers and int(blocker) != tid:
            blockers += (int(blocker),)
        out[tid] = TrxInfo(None if age is None else float(age),
                           str(trx_state or "").upper() == "LOCK WAIT", blockers)
    return out


def _client(host: str | None) -> str:
    if not host:
        return ""
    return "local" if host == "localhost" else host


def _state(command: str, thread_state: str, trx: TrxInfo | None) -> tuple[str, str]:
    """(state, wait_event) in the words the PostgreSQL panel uses too."""
    if command == "Sleep":
        return (IDLE_IN_XACT if trx is not None else IDLE), ""
    if command in _REPLICATION_COMMANDS:
        return REPLICATION, thread_state
    if trx is not None and trx.waiting:
        return WAITING, ROW_LOCK_WAIT
    lowered = thread_state.lower()
    # "Waiting for table metadata lock", "Waiting for table level lock", ...
    if lowered.startswith("waiting for") and "lock" in lowered:
        return WAITING, thread_state
    return ACTIVE, thread_state


def sessions(rows: Iterable[Sequence], trx: Mapping[int, TrxInfo] | None,
             now: float | None = None) -> tuple[DbSession, ...]:
    """PROCESSLIST rows (id, user, host, db, command, state, info, seconds) as sessions.
    ``now`` (epoch s) dates the running statements; a sleeping thread's seconds count from
    the end of its last statement, so its start is not known."""
    out = []
    for pid, user, host, db, command, thread_state, info, seconds in rows:
        t = trx.get(int(pid)) if trx else None
        state, wait = _state(str(command or ""), str(thread_state or ""), t)
        duration = None if seconds is None else float(seconds)
        started = None if now is None or duration is None or command == "Sleep" else now - duration
        out.append(DbSession(
            pid=int(pid), user=user or "", database=db or "", client=_client(host),
            state=state, wait_event=wait, query=info or "", duration_s=duration,
            xact_age_s=t.age_s if t else None, blocked_by=t.blockers if t else (),
            query_start_ts=started))
    return tuple(out)


def waits_for_metadata(s: DbSession) -> bool:
    """'Waiting for table metadata lock' (DDL queued behind an open transaction, or a query
    queued behind that DDL): InnoDB's lock views do not see it."""
    return s.state == WAITING and not s.blocked_by and "metadata lock" in s.wait_event.lower()


def metadata_blockers(listed: tuple[DbSession, ...], rows: Iterable[Sequence]) -> tuple[DbSession, ...]:
    """A session waiting for a table's metadata lock waits on the other threads holding a
    metadata lock on a table it holds one on (an ALTER holds its table's shared-upgradable
    lock while it waits to upgrade it). ``rows``: (thread id, schema, table) of the locks
    held, from ``MDL_HELD_SQL``. A waiter that holds nothing there stays without a blocker."""
    holders: dict[tuple[str, str], set[int]] = {}
    tables: dict[int, set[tuple[str, str]]] = {}
    for tid, schema, name in rows:
        key = (str(schema or ""), str(name or ""))
        holders.setdefault(key, set()).add(int(tid))
        tables.setdefault(int(tid), set()).add(key)
    out = []
    for s in listed:
        if waits_for_metadata(s):
            others = {t for key in tables.get(s.pid, ()) for t in holders[key] if t != s.pid}
            if others:
                s = replace(s, blocked_by=tuple(sorted(others)))
        out.append(s)
    return tuple(out)


def state_counts(listed: Sequence[DbSession], connections: int | None,
                 sees_all: bool) -> tuple[tuple[str, int], ...]:
    """Counts per state that add up to ``connections``: the monitoring connection itself is
    one active session (it is running this poll), and what a restricted account cannot see
    is "other"."""
    counts = {ACTIVE: 1, IDLE: 0, IDLE_IN_XACT: 0, WAITING: 0}
    for s in listed:
        counts[s.state] = counts.get(s.state, 0) + 1
    if not sees_all and connections is not None:
        hidden = connections - sum(counts.values())
        if hidden > 0:
            counts[OTHER] = hidden
    return tuple(counts.items())


def statements(rows: Iterable[Sequence]) -> tuple[DbStatement, ...]:
    """events_statements_summary_by_digest rows (digest, text, calls, total ms, rows)."""
    out = []
    for digest, text, calls, total_ms, n_rows in rows:
        calls = int(calls or 0)
        total = float(total_ms or 0.0)
        out.append(DbStatement(query=text or "", calls=calls, total_ms=total,
                               mean_ms=total / calls if calls else 0.0,
                               rows=int(n_rows or 0), ident=digest or ""))
    return tuple(out)


def tables(rows: Iterable[Sequence]) -> tuple[DbTable, ...]:
    """information_schema.TABLES rows (schema, name, data+index, TABLE_ROWS, DATA_FREE).
    TABLE_ROWS is InnoDB's estimate; MySQL keeps no last-analyze time or xid age."""
    return tuple(
        DbTable(schema=schema, name=name, size_bytes=int(size or 0),
                live_rows=None if n_rows is None else int(n_rows),
                free_bytes=None if free is None else int(free))
        for schema, name, size, n_rows, free in rows)


def _pick(status: Mapping[str, object], *names: str) -> object:
    # MySQL 8.0.22 renamed Master/Slave to Source/Replica in SHOW REPLICA STATUS; MariaDB did not.
    return next((status[n] for n in names if n in status), None)


def upstream(status: Mapping[str, object]) -> DbReplica:
    """This server's own replication source, from one row of SHOW REPLICA/SLAVE STATUS."""
    host = _pick(status, "Source_Host", "Master_Host") or ""
    port = _pick(status, "Source_Port", "Master_Port")
    io = str(_pick(status, "Replica_IO_Running", "Slave_IO_Running") or "")
    sql = str(_pick(status, "Replica_SQL_Running", "Slave_SQL_Running") or "")
    lag = _pick(status, "Seconds_Behind_Source", "Seconds_Behind_Master")
    error = str(_pick(status, "Last_IO_Error") or _pick(status, "Last_SQL_Error") or "")
    client = f"{host}:{port}" if port else str(host)
    state = f"IO {io or '?'}, SQL {sql or '?'}" + (f": {error}" if error else "")
    return DbReplica(name=str(status.get("Connection_name") or client or "upstream"),
                     role="upstream", client=client, state=state,
                     active=io == "Yes" and sql == "Yes",
                     lag_s=None if lag is None else float(lag))
