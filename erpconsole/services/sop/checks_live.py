"""Checks on the monitor's live statuses: hosts and databases, and the verdict helper every
check shares (services/sop/checks.py names them)."""

from __future__ import annotations

from collections.abc import Mapping

from erpconsole.i18n import N_, Nn_, Plural, _, counted
from erpconsole.services import units
from erpconsole.services.models import LOCAL_HOST, DatabaseSnapshot, Health, TargetStatus
from erpconsole.services.sop.context import CheckContext
from erpconsole.services.sop.models import CheckResult

# One line of what a check saw: (label, value, verdict); verdict None = could not judge.
Row = tuple[str, str, bool | None]


# -- verdicts -----------------------------------------------------------------------------------

def judge(rows: list[Row], empty: str, passed: Plural | None, failed: Plural,
          unknown: Plural | None, **fields: object) -> CheckResult:
    """One verdict from per-item rows. Any failure fails; else any unknown item leaves it
    undecided; no rows at all is ``empty``. The counted messages (``Nn_`` pairs) take {n} (items),
    {items} (labels) and ``fields``; the form that fits {n} is chosen here, where {n} is known."""
    values = tuple((label, value) for label, value, _v in rows)
    bad = [f"{label} {value}" for label, value, v in rows if v is False]
    unsure = [f"{label} ({value})" for label, value, v in rows if v is None]

    def say(message: Plural | None, items: list[str], n: int) -> str:
        return counted(message, n).format(n=n, items="; ".join(items), **fields) if message else ""

    if bad:
        return CheckResult(False, say(failed, bad, len(bad)), values)
    if unsure:
        return CheckResult(None, say(unknown, unsure, len(unsure)), values)
    if not rows:
        return CheckResult(None, empty, values)
    return CheckResult(True, say(passed, [], len(rows)), values)


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def _no_data(status: TargetStatus) -> Row:
    if status.health is Health.PENDING:
        return status.target, _("not polled yet"), None
    return status.target, _("no data: {health}, {message}").format(
        health=status.health.value, message=status.message), None


def hosts(ctx: CheckContext) -> list[TargetStatus]:
    return [s for s in ctx.statuses if s.kind == "host"]


def databases(ctx: CheckContext) -> list[TargetStatus]:
    """Server databases: SQLite has no connections, cache figures or replication to judge."""
    return [s for s in ctx.statuses if s.kind == "database"
            and not (s.snapshot is not None and getattr(s.snapshot, "kind", "") == "sqlite")]


NO_HOSTS = N_("no hosts in the inventory and no local host watched: add a [[hosts]] table")
NO_DATABASES = N_("no databases in the inventory: add a [[databases]] table")
UNSURE = Nn_("{n} item could not be judged: {items}", "{n} items could not be judged: {items}")


# -- hosts ----------------------------------------------------------------------------------------

def _disk_rows(ctx: CheckContext, p: Mapping[str, float]) -> list[Row]:
    rows: list[Row] = []
    for s in hosts(ctx):
        disks = getattr(s.snapshot, "disks", None)
        if s.snapshot is None or disks is None:
            rows.append(_no_data(s))
        elif not disks:
            rows.append((s.target, _("no disks reported"), None))
        rows += [(f"{s.target} {d.mount}", _pct(d.used_percent), d.used_percent <= p["max_percent"])
                 for d in disks or ()]
    return rows


def hosts_disk_below(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    limit = f"{p['max_percent']:g}%"
    return judge(_disk_rows(ctx, p), _(NO_HOSTS),
                 Nn_("the {n} disk is not over {limit}", "all {n} disks are not over {limit}"),
                 Nn_("{n} disk over {limit}: {items}", "{n} disks over {limit}: {items}"),
                 UNSURE, limit=limit)


def hosts_memory_below(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    rows: list[Row] = []
    for s in hosts(ctx):
        mem = getattr(s.snapshot, "mem_percent", None)
        rows.append(_no_data(s) if mem is None else (s.target, _pct(mem), mem <= p["max_percent"]))
    limit = f"{p['max_percent']:g}%"
    return judge(rows, _(NO_HOSTS),
                 Nn_("memory use of the {n} host is not over {limit}",
                     "memory use of all {n} hosts is not over {limit}"),
                 Nn_("{n} host over {limit} memory: {items}",
                     "{n} hosts over {limit} memory: {items}"), UNSURE, limit=limit)


def hosts_reachable(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    rows: list[Row] = []
    for s in ctx.statuses:
        if s.health is Health.PENDING:
            rows.append((s.target, _("not polled yet"), None))
        else:
            rows.append((s.target, s.health.value if not s.health.is_failure
                         else f"{s.health.value}: {s.message}", not s.health.is_failure))
    return judge(rows, _("no hosts or databases in the inventory"),
                 Nn_("the {n} host or database answers", "all {n} hosts and databases answer"),
                 Nn_("{n} target failing: {items}", "{n} targets failing: {items}"), UNSURE)


def no_hostkey_mismatch(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    # The local workstation has no SSH host key to compare: only remote hosts count.
    rows: list[Row] = []
    for s in hosts(ctx):
        if s.target == LOCAL_HOST:
            continue
        if s.health is Health.PENDING:
            rows.append((s.target, _("not polled yet"), None))
        else:
            rows.append((s.target, s.health.value, s.health is not Health.HOSTKEY_MISMATCH))
    return judge(rows, _("no SSH hosts in the inventory: add a [[hosts]] table"),
                 Nn_("the {n} SSH host offers no changed host key",
                     "none of the {n} SSH hosts offers a changed host key"),
                 Nn_("{n} host offers a changed host key (possible man in the middle; no connection "
                     "is made until the key is checked): {items}",
                     "{n} hosts offer a changed host key (possible man in the middle; no connection "
                     "is made until the key is checked): {items}"), UNSURE)


# -- databases ------------------------------------------------------------------------------------

def _db_rows(ctx: CheckContext, figure) -> list[Row]:
    """One row per server database: ``figure(snapshot)`` gives a row, or None to leave the
    database out (nothing of that kind to judge on it)."""
    rows: list[Row] = []
    for s in databases(ctx):
        if not isinstance(s.snapshot, DatabaseSnapshot):
            rows.append(_no_data(s))
            continue
        row = figure(s.snapshot)
        if row is not None:
            rows.append(row)
    return rows


def db_replication_lag_below(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    limit = p["max_seconds"]

    def figure(snap: DatabaseSnapshot) -> Row | None:
        if snap.replication_lag_s is not None:
            return snap.target, units.duration(snap.replication_lag_s), snap.replication_lag_s <= limit
        if snap.is_replica or snap.replicas:
            return snap.target, _("lag not reported") + (f": {snap.note('replication')}"
                                                         if snap.note("replication") else ""), None
        return None  # no replica, no upstream: nothing to lag

    rows = _db_rows(ctx, figure)
    return judge(rows, _("no database reports replication (no replica, no upstream): nothing to judge"),
                 Nn_("replication lag is not over {limit} on the {n} database",
                     "replication lag is not over {limit} on all {n} databases"),
                 Nn_("{n} database lags more than {limit}: {items}",
                     "{n} databases lag more than {limit}: {items}"), UNSURE,
                 limit=units.duration(limit))


def db_connections_below(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    limit = p["max_percent"]

    def figure(snap: DatabaseSnapshot) -> Row:
        used = snap.connections_percent
        if used is None:
            return snap.target, _("connections not reported"), None
        return (snap.target, f"{snap.connections}/{snap.max_connections} ({_pct(used)})",
                used <= limit)

    return judge(_db_rows(ctx, figure), _(NO_DATABASES),
                 Nn_("the {n} database uses at most {limit:g}% of its connections",
                     "all {n} databases use at most {limit:g}% of their connections"),
                 Nn_("{n} database over {limit:g}% of max_connections: {items}",
                     "{n} databases over {limit:g}% of max_connections: {items}"),
                 UNSURE, limit=limit)


def db_cache_hit_above(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    limit = p["min_percent"]

    def figure(snap: DatabaseSnapshot) -> Row:
        hit = snap.cache_hit_percent
        if hit is None:  # a rate: the first poll has none
            return snap.target, _("no cache figure yet (second poll gives one)"), None
        return snap.target, _pct(hit), hit >= limit

    return judge(_db_rows(ctx, figure), _(NO_DATABASES),
                 Nn_("the cache hit ratio is {limit:g}% or more on the {n} database",
                     "the cache hit ratio is {limit:g}% or more on all {n} databases"),
                 Nn_("{n} database below {limit:g}% cache hits: {items}",
                     "{n} databases below {limit:g}% cache hits: {items}"),
                 UNSURE, limit=limit)


def db_no_long_queries(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    limit = p["max_seconds"]
    rows: list[Row] = []
    for s in databases(ctx):
        snap = s.snapshot
        if not isinstance(snap, DatabaseSnapshot):
            rows.append(_no_data(s))
        elif not snap.sessions and snap.note("activity"):
            rows.append((s.target, snap.note("activity"), None))
        else:
            rows += _long_rows(snap, limit)
    return judge(rows, _(NO_DATABASES),
                 Nn_("no statement has run longer than {limit} on the {n} database",
                     "no statement has run longer than {limit} on {n} databases"),
                 Nn_("{n} statement running longer than {limit}: {items}",
                     "{n} statements running longer than {limit}: {items}"),
                 UNSURE, limit=units.duration(limit))


def _long_rows(snap: DatabaseSnapshot, limit: float) -> list[Row]:
    running = [x for x in snap.sessions
               if x.duration_s is not None and not x.state.startswith("idle") and x.state]
    long = [x for x in running if x.duration_s > limit]
    if not long:
        longest = max((x.duration_s for x in running), default=0.0)
        return [(snap.target, _("longest running statement {s}").format(s=units.duration(longest)), True)]
    return [(f"{snap.target} pid {x.pid}", f"{units.duration(x.duration_s)} {x.user}: {x.query[:80]}", False)
            for x in long]
