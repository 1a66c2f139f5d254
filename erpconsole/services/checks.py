"""Checks: judge a host snapshot or a health state against thresholds, giving findings.

The GUI (through the monitor) and ``erpconsole inspect`` both call these, so the two can
never disagree. Check names are stable keys for the JSON report, alert rules and the store.
"""

from __future__ import annotations

from collections.abc import Iterable

from erpconsole.i18n import N_, _
from erpconsole.services import metrics, units
from erpconsole.services.databases import blockers as lock_text
from erpconsole.services.models import (
    DatabaseSnapshot, DbThresholds, Finding, Health, HostSnapshot, Severity, Thresholds, blockers,
)

_DISK = metrics.limits("disk.used_percent")
_MEM = metrics.limits("mem.percent")
_LOAD = metrics.limits("load.1")  # judged per core
DISK_USED = _DISK.check
MEM_USED = _MEM.check
LOAD_PER_CORE = _LOAD.check
HEALTH = "health"
DB_CONNECTIONS = "db_connections"
DB_CACHE_HIT = "db_cache_hit"
DB_REPLICATION_LAG = "db_replication_lag"
DB_LONG_QUERY = "db_long_query"
DB_WRAPAROUND = "db_wraparound"
DB_LOCK_WAIT = "db_lock_wait"

# Monitoring-plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (and anything else).
_EXIT_CODES = {"ok": 0, "info": 0, "warning": 1, "critical": 2, "unknown": 3}
EXIT_UNKNOWN = 3

# Said when a failed poll came without a message of its own.
_HEALTH_TEXT = {
    Health.UNREACHABLE: N_("not reachable"),
    Health.AUTH_FAILED: N_("authentication failed"),
    Health.HOSTKEY_UNKNOWN: N_("host key not trusted yet"),
    Health.HOSTKEY_MISMATCH: N_("host key changed: not connecting"),
    Health.TIMEOUT: N_("no answer in time"),
    Health.PARSE_ERROR: N_("could not read the answer"),
    Health.ERROR: N_("poll failed"),
}


def _grade(value: float, warning: float, critical: float) -> Severity | None:
    """Over a limit counts, as in the monitoring plugins' ranges: with "warning over 85%",
    85% itself is still fine and 85.1% is a warning."""
    if value > critical:
        return Severity.CRITICAL
    if value > warning:
        return Severity.WARNING
    return None


def _limit_finding(target: str, check: str, value: float, warning: float, critical: float,
                   texts: tuple[str, str], show, **fields: object) -> list[Finding]:
    """One finding when ``value`` is over a limit; ``texts`` is (warning, critical) and gets
    ``value`` and ``limit`` written by ``show(number, limit)`` plus ``fields``. An empty list
    otherwise."""
    severity = _grade(value, warning, critical)
    if severity is None:
        return []
    text, limit = (texts[1], critical) if severity is Severity.CRITICAL else (texts[0], warning)
    return [Finding(severity, target, check, text.format(
        value=show(value, limit), limit=show(limit, None), **fields))]


def _percent(value: float, limit: float | None) -> str:
    """A value beside its limit (95.3% over 95% is not "95%"); a limit as it was written."""
    return units.percent(value, limit) if limit is not None else f"{value:g}%"


def _seconds(value: float, limit: float | None) -> str:
    return units.duration(value)


def _per_core(value: float, limit: float | None) -> str:
    """The load per core with two decimals; its limit as the inventory wrote it."""
    return f"{value:.2f}" if limit is not None else f"{value:g}"


def _limits(t: Thresholds, limits: metrics.Limits) -> tuple[float, float]:
    """The inventory's (warning, critical) pair for a metric's limits."""
    return getattr(t, limits.warning_field), getattr(t, limits.critical_field)


def _disk_findings(snap: HostSnapshot, t: Thresholds) -> list[Finding]:
    texts = (_("disk {mount} at {value} (warning over {limit})"),
             _("disk {mount} at {value} (critical over {limit})"))
    return [finding for disk in snap.disks
            for finding in _limit_finding(snap.target, DISK_USED, disk.used_percent,
                                          *_limits(t, _DISK), texts, _percent, mount=disk.mount)]


def _mem_findings(snap: HostSnapshot, t: Thresholds) -> list[Finding]:
    if snap.mem_percent is None:
        return []
    return _limit_finding(snap.target, MEM_USED, snap.mem_percent, *_limits(t, _MEM),
                          (_("memory at {value} (warning over {limit})"),
                           _("memory at {value} (critical over {limit})")), _percent)


def _load_findings(snap: HostSnapshot, t: Thresholds) -> list[Finding]:
    # Load alone means nothing without the core count: 8 is idle on 32 cores, dire on 2.
    if snap.load is None or snap.cpu_count <= 0:
        return []
    load1 = snap.load[0]
    per_core = load1 / snap.cpu_count
    return _limit_finding(
        snap.target, LOAD_PER_CORE, per_core, *_limits(t, _LOAD),
        (_("load {value} per core ({load1:.2f} on {cores} cores; warning over {limit})"),
         _("load {value} per core ({load1:.2f} on {cores} cores; critical over {limit})")),
        _per_core, load1=load1, cores=snap.cpu_count)


def host_findings(snapshot: HostSnapshot, thresholds: Thresholds) -> list[Finding]:
    """Disk, memory and load findings for one poll; an empty list means all is well."""
    return [
        *_disk_findings(snapshot, thresholds),
        *_mem_findings(snapshot, thresholds),
        *_load_findings(snapshot, thresholds),
    ]


def _db_connections(snap: DatabaseSnapshot, t: DbThresholds) -> list[Finding]:
    pct = snap.connections_percent
    if pct is None:
        return []
    return _limit_finding(snap.target, DB_CONNECTIONS, pct, t.connections_warning, t.connections_critical, (
        _("{used} of {max} connections in use ({value}; warning over {limit})"),
        _("{used} of {max} connections in use ({value}; critical over {limit})")), _percent,
        used=snap.connections, max=snap.max_connections)


def _db_cache_hit(snap: DatabaseSnapshot, t: DbThresholds) -> list[Finding]:
    hit = snap.cache_hit_percent
    if hit is None or hit >= t.cache_hit_warning:
        return []
    return [Finding(Severity.WARNING, snap.target, DB_CACHE_HIT, _(
        "cache hit ratio {value} (warning under {limit}): reads go to disk; "
        "the buffer cache may be too small").format(value=units.percent(hit, t.cache_hit_warning),
                                                     limit=f"{t.cache_hit_warning:g}%"))]


def _db_replication_lag(snap: DatabaseSnapshot, t: DbThresholds) -> list[Finding]:
    lag = snap.replication_lag_s
    if lag is None:
        return []
    return _limit_finding(snap.target, DB_REPLICATION_LAG, lag, t.replication_lag_warning_s,
                          t.replication_lag_critical_s, (
                              _("replication lag {value} (warning over {limit})"),
                              _("replication lag {value} (critical over {limit})")), _seconds)


def _db_long_queries(snap: DatabaseSnapshot, t: DbThresholds) -> list[Finding]:
    out: list[Finding] = []
    for s in snap.sessions:
        idle_in_xact = s.state.startswith("idle in transaction")
        age = s.xact_age_s if idle_in_xact else s.duration_s
        if s.state.startswith("idle") and not idle_in_xact or age is None:
            continue
        if age > t.long_query_warning_s:
            text = (_("session {pid} ({user}) idle in a transaction for {age} (warning over "
                      "{limit}): it holds locks and keeps old rows from being cleaned up")
                    if idle_in_xact else
                    _("query of session {pid} ({user}) running for {age} (warning over {limit})"))
            out.append(Finding(Severity.WARNING, snap.target, DB_LONG_QUERY, text.format(
                pid=s.pid, user=s.user or "?", age=units.duration(age),
                limit=units.duration(t.long_query_warning_s))))
    return out


def _db_wraparound(snap: DatabaseSnapshot, t: DbThresholds) -> list[Finding]:
    pct = snap.wraparound_percent
    if pct is None:
        return []
    return _limit_finding(snap.target, DB_WRAPAROUND, pct, t.wraparound_warning, t.wraparound_critical, (
        _("transaction ID wraparound at {value} (warning over {limit}): VACUUM FREEZE the "
          "oldest tables"),
        _("transaction ID wraparound at {value} (critical over {limit}): VACUUM FREEZE now, "
          "before the server stops accepting writes")), _percent)


def _db_lock_waits(snap: DatabaseSnapshot, t: DbThresholds) -> list[Finding]:
    """One finding per lock queue whose longest wait is over a limit, naming the session at
    its head: the one to look at (and perhaps terminate) first."""
    out = []
    for b in blockers(snap.sessions):
        severity = _grade(b.longest_wait_s, t.lock_wait_warning_s, t.lock_wait_critical_s)
        if severity is not None:
            out.append(Finding(severity, snap.target, DB_LOCK_WAIT, lock_text.describe(b, snap.ts)))
    return out


def db_findings(snapshot: DatabaseSnapshot, thresholds: DbThresholds) -> list[Finding]:
    """Connections, cache, replication, lock waits, long queries and wraparound for one
    database poll."""
    return [finding for check in (_db_connections, _db_cache_hit, _db_replication_lag,
                                  _db_lock_waits, _db_long_queries, _db_wraparound)
            for finding in check(snapshot, thresholds)]


def health_finding(target: str, health: Health | str, message: str) -> Finding | None:
    """A failed poll is critical: the target is not being watched. Pending is no finding yet."""
    state = Health(health)
    if not state.is_failure:
        return None
    return Finding(Severity.CRITICAL, target, HEALTH, message or _(_HEALTH_TEXT[state]))


def worst(findings: Iterable[Finding]) -> Severity | None:
    return max((f.severity for f in findings), key=lambda s: s.rank, default=None)


def exit_code(status: str | Severity | None) -> int:
    """0 ok, 1 warning, 2 critical, 3 unknown; a status this does not know is unknown."""
    if status is None:
        return EXIT_UNKNOWN
    return _EXIT_CODES.get(str(status).lower(), EXIT_UNKNOWN)
