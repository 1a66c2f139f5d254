"""Checks: judge a host snapshot or a health state against thresholds, giving findings.

The GUI (through the monitor) and ``erpconsole inspect`` both call these, so the two can
never disagree. Check names are stable keys for the JSON report, alert rules and the store.
"""

from __future__ import annotations

from collections.abc import Iterable

from erpconsole.i18n import N_, _
from erpconsole.services import metrics
from erpconsole.services.models import (
    DatabaseSnapshot, DbThresholds, Finding, Health, HostSnapshot, Severity, Thresholds,
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
    """Reaching a limit counts: 'warning at 85%' means 85% is already a warning."""
    if value >= critical:
        return Severity.CRITICAL
    if value >= warning:
        return Severity.WARNING
    return None


def _graded(value: float, warning: float, critical: float, texts: tuple[str, str]
            ) -> tuple[Severity, str, float] | None:
    """(severity, the text for it, the limit reached); ``texts`` is (warning, critical)."""
    severity = _grade(value, warning, critical)
    if severity is Severity.CRITICAL:
        return severity, texts[1], critical
    if severity is Severity.WARNING:
        return severity, texts[0], warning
    return None


def _limit_finding(target: str, check: str, value: float, warning: float, critical: float,
                   texts: tuple[str, str], **fields: object) -> list[Finding]:
    """One finding when ``value`` reached a limit; the text gets ``value``, ``limit`` and
    ``fields``. An empty list otherwise."""
    graded = _graded(value, warning, critical, texts)
    if graded is None:
        return []
    severity, text, limit = graded
    return [Finding(severity, target, check, text.format(value=value, limit=limit, **fields))]


def _limits(t: Thresholds, limits: metrics.Limits) -> tuple[float, float]:
    """The inventory's (warning, critical) pair for a metric's limits."""
    return getattr(t, limits.warning_field), getattr(t, limits.critical_field)


def _disk_findings(snap: HostSnapshot, t: Thresholds) -> list[Finding]:
    texts = (_("disk {mount} at {value:.0f}% (warning at {limit:.0f}%)"),
             _("disk {mount} at {value:.0f}% (critical at {limit:.0f}%)"))
    return [finding for disk in snap.disks
            for finding in _limit_finding(snap.target, DISK_USED, disk.used_percent,
                                          *_limits(t, _DISK), texts, mount=disk.mount)]


def _mem_findings(snap: HostSnapshot, t: Thresholds) -> list[Finding]:
    if snap.mem_percent is None:
        return []
    return _limit_finding(snap.target, MEM_USED, snap.mem_percent, *_limits(t, _MEM),
                          (_("memory at {value:.0f}% (warning at {limit:.0f}%)"),
                           _("memory at {value:.0f}% (critical at {limit:.0f}%)")))


def _load_findings(snap: HostSnapshot, t: Thresholds) -> list[Finding]:
    # Load alone means nothing without the core count: 8 is idle on 32 cores, dire on 2.
    if snap.load is None or snap.cpu_count <= 0:
        return []
    load1 = snap.load[0]
    per_core = load1 / snap.cpu_count
    return _limit_finding(
        snap.target, LOAD_PER_CORE, per_core, *_limits(t, _LOAD),
        (_("load {per_core:.2f} per core ({load1:.2f} on {cores} cores; warning at {limit:g})"),
         _("load {per_core:.2f} per core ({load1:.2f} on {cores} cores; critical at {limit:g})")),
        per_core=per_core, load1=load1, cores=snap.cpu_count)


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
        _("{used} of {max} connections in use ({value:.0f}%; warning at {limit:g}%)"),
        _("{used} of {max} connections in use ({value:.0f}%; critical at {limit:g}%)")),
        used=snap.connections, max=snap.max_connections)


def _db_cache_hit(snap: DatabaseSnapshot, t: DbThresholds) -> list[Finding]:
    hit = snap.cache_hit_percent
    if hit is None or hit >= t.cache_hit_warning:
        return []
    return [Finding(Severity.WARNING, snap.target, DB_CACHE_HIT, _(
        "cache hit ratio {value:.1f}% (warning under {limit:g}%): reads go to disk; "
        "the buffer cache may be too small").format(value=hit, limit=t.cache_hit_warning))]


def _db_replication_lag(snap: DatabaseSnapshot, t: DbThresholds) -> list[Finding]:
    lag = snap.replication_lag_s
    if lag is None:
        return []
    return _limit_finding(snap.target, DB_REPLICATION_LAG, lag, t.replication_lag_warning_s,
                          t.replication_lag_critical_s, (
                              _("replication lag {value:.0f} s (warning at {limit:g} s)"),
                              _("replication lag {value:.0f} s (critical at {limit:g} s)")))


def _db_long_queries(snap: DatabaseSnapshot, t: DbThresholds) -> list[Finding]:
    out: list[Finding] = []
    for s in snap.sessions:
        idle_in_xact = s.state.startswith("idle in transaction")
        age = s.xact_age_s if idle_in_xact else s.duration_s
        if s.state.startswith("idle") and not idle_in_xact or age is None:
            continue
        if age >= t.long_query_warning_s:
            text = (_("session {pid} ({user}) idle in a transaction for {minutes:.0f} min: it holds "
                      "locks and keeps old rows from being cleaned up") if idle_in_xact else
                    _("query of session {pid} ({user}) running for {minutes:.0f} min (warning at "
                      "{limit:g} min)"))
            out.append(Finding(Severity.WARNING, snap.target, DB_LONG_QUERY, text.format(
                pid=s.pid, user=s.user or "?", minutes=age / 60, limit=t.long_query_warning_s / 60)))
    return out


def _db_wraparound(snap: DatabaseSnapshot, t: DbThresholds) -> list[Finding]:
    pct = snap.wraparound_percent
    if pct is None:
        return []
    return _limit_finding(snap.target, DB_WRAPAROUND, pct, t.wraparound_warning, t.wraparound_critical, (
        _("transaction ID wraparound at {value:.0f}% (warning at {limit:g}%): VACUUM FREEZE the "
          "oldest tables"),
        _("transaction ID wraparound at {value:.0f}% (critical at {limit:g}%): VACUUM FREEZE now, "
          "before the server stops accepting writes")))


def db_findings(snapshot: DatabaseSnapshot, thresholds: DbThresholds) -> list[Finding]:
    """Connections, cache, replication, long queries and wraparound for one database poll."""
    return [finding for check in (_db_connections, _db_cache_hit, _db_replication_lag,
                                  _db_long_queries, _db_wraparound)
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
