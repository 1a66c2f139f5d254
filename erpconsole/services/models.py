"""Frozen dataclasses that cross threads: the only shapes the UI sees of the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# Defined with the inventory (config imports no services); kept importable from here.
from erpconsole.config.models import LOCAL_HOST, DbThresholds, Thresholds  # noqa: F401 - re-exported
from erpconsole.services.metrics import series_metrics


class Health(StrEnum):
    """Health state of one target; the order of DESIGN.md."""

    PENDING = "pending"  # not polled yet
    OK = "ok"
    UNREACHABLE = "unreachable"
    AUTH_FAILED = "auth_failed"
    HOSTKEY_UNKNOWN = "hostkey_unknown"
    HOSTKEY_MISMATCH = "hostkey_mismatch"
    TIMEOUT = "timeout"
    PARSE_ERROR = "parse_error"
    ERROR = "error"

    @property
    def is_failure(self) -> bool:
        return self not in (Health.OK, Health.PENDING)

    @property
    def needs_user(self) -> bool:
        """States where polling stops until a person acts (no lockout storms, no MITM)."""
        return self in (Health.AUTH_FAILED, Health.HOSTKEY_UNKNOWN, Health.HOSTKEY_MISMATCH)


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "critical": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of one series at one wall-clock time (epoch seconds)."""

    target: str
    metric: str
    value: float
    ts: float
    label: str = ""


@dataclass(frozen=True, slots=True)
class DiskUsage:
    mount: str
    used_percent: float
    total_bytes: int
    used_bytes: int
    fstype: str = ""


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    pid: int
    name: str
    user: str
    cpu_percent: float
    mem_percent: float
    rss_bytes: int


@dataclass(frozen=True, slots=True)
class Temperature:
    label: str
    celsius: float
    high: float | None = None
    critical: float | None = None


@dataclass(frozen=True, slots=True)
class HostSnapshot:
    """Everything one host poll saw. A rate is None on the first poll (no delta yet)."""

    target: str
    ts: float
    cpu_percent: float | None = None
    cpu_per_core: tuple[float, ...] = ()
    cpu_count: int = 0
    load: tuple[float, float, float] | None = None
    mem_percent: float | None = None
    mem_total_bytes: int = 0
    mem_used_bytes: int = 0
    swap_percent: float | None = None
    uptime_s: float | None = None
    disks: tuple[DiskUsage, ...] = ()
    disk_read_bps: float | None = None
    disk_write_bps: float | None = None
    net_rx_bps: float | None = None
    net_tx_bps: float | None = None
    latency_ms: float | None = None
    loss_percent: float | None = None
    temperatures: tuple[Temperature, ...] = ()
    processes: tuple[ProcessInfo, ...] = ()

    @property
    def busiest_disk(self) -> DiskUsage | None:
        return max(self.disks, key=lambda d: d.used_percent, default=None)

    def samples(self) -> list[Sample]:
        """The snapshot as store/chart series (metric names are stable keys)."""
        return [Sample(self.target, m.name, float(value), self.ts, label)
                for m in series_metrics() for label, value in m.values(self)]


@dataclass(frozen=True, slots=True)
class HostFacts:
    """What changes rarely: polled every few minutes, shown on the host page."""

    os_name: str = ""  # PRETTY_NAME, e.g. "Debian GNU/Linux 12 (bookworm)"
    os_id: str = ""
    os_version: str = ""
    kernel: str = ""  # uname -r
    uname: str = ""  # uname -srm
    arch: str = ""
    cpu_model: str = ""
    cpu_count: int = 0
    mem_total_bytes: int = 0
    reboot_required: bool = False
    newest_kernel: str = ""  # newest /boot/vmlinuz-* version, "" when /boot shows none


@dataclass(frozen=True, slots=True)
class PollError:
    """A poll that failed: the state it leads to, a sentence for a person, the raw detail."""

    target: str
    kind: Health
    message: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What the scheduler hands subscribers after each poll."""

    target: str
    health: Health
    snapshot: HostSnapshot | DatabaseSnapshot | None = None
    error: PollError | None = None
    started_mono: float = 0.0
    duration_s: float = 0.0
    lag_s: float = 0.0  # how late the poll started against its due time


@dataclass(frozen=True, slots=True)
class HealthChange:
    target: str
    old: Health
    new: Health
    message: str
    ts: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Event:
    """A line of the event log: a health change, an error, an action."""

    ts: float
    target: str
    level: Severity
    message: str
    detail: str = ""
    kind: str = "health"


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    target: str
    check: str
    message: str


@dataclass(frozen=True, slots=True)
class StatusSummary:
    """Numbers for the status bar."""

    ok: int = 0
    failing: int = 0
    store_bytes: int = 0
    last_poll_ts: float | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TargetStatus:
    """The latest word on one target, for pages and the status bar."""

    target: str
    kind: str  # "host" | "database" (backups later)
    health: Health
    message: str
    interval_s: float
    snapshot: HostSnapshot | DatabaseSnapshot | None = None
    findings: tuple[Finding, ...] = ()
    last_poll_ts: float | None = None
    last_ok_ts: float | None = None
    detail: str = ""
    facts: HostFacts | None = None

    @property
    def level(self) -> str:
        """ok / warning / critical / pending, for colours."""
        if self.health is Health.PENDING:
            return "pending"
        if self.health.is_failure:
            return "critical"
        worst = max((f.severity.rank for f in self.findings), default=0)
        return {0: "ok", 1: "warning", 2: "critical"}[worst]


@dataclass(frozen=True, slots=True)
class KnownKeyLine:
    """One known_hosts line that names a host: which file, which line, whose file."""

    path: str
    line_no: int
    key_type: str
    fingerprint: str
    own: bool  # the console's own file (it may edit it) or the user's (it never does)


@dataclass(frozen=True, slots=True)
class HostKeyInfo:
    """What the trust-key dialog shows for one host."""

    target: str
    host: str
    port: int
    health: Health
    message: str
    key_type: str = ""  # of the key the host offered (an unknown key)
    fingerprint: str = ""
    lines: tuple[KnownKeyLine, ...] = ()  # keys on file for host:port
    own_path: str = ""


@dataclass(frozen=True, slots=True)
class ForgetResult:
    removed: int
    own_path: str
    remaining: tuple[KnownKeyLine, ...] = ()  # in the user's files: ssh-keygen -R is theirs
    command: str = ""  # the ssh-keygen -R command for them


@dataclass(frozen=True, slots=True)
class ConnectionStep:
    """One step of "Test connection": resolve, connect, host key, authenticate, probe."""

    key: str
    ok: bool | None  # None: not reached
    message: str
    hint: str = ""


# -- databases --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DbSession:
    """One row of current activity (pg_stat_activity, the MySQL processlist)."""

    pid: int
    user: str = ""
    database: str = ""
    client: str = ""  # address:port or "local"
    application: str = ""
    state: str = ""  # active, idle, idle in transaction, waiting, ...
    wait_event: str = ""  # "Lock:transactionid", "Waiting for table metadata lock", ...
    query: str = ""
    duration_s: float | None = None  # of the current (or last) statement
    xact_age_s: float | None = None  # of the open transaction, if any
    blocked_by: tuple[int, ...] = ()  # pids this session waits on


@dataclass(frozen=True, slots=True)
class DbStatement:
    """A normalised statement with its totals (pg_stat_statements, performance_schema)."""

    query: str
    calls: int
    total_ms: float
    mean_ms: float
    rows: int = 0
    ident: str = ""  # queryid / digest


@dataclass(frozen=True, slots=True)
class DbTable:
    schema: str
    name: str
    size_bytes: int = 0  # table + indexes + toast
    live_rows: int | None = None
    dead_rows: int | None = None  # PostgreSQL dead tuples
    free_bytes: int | None = None  # MySQL data_free (fragmentation)
    last_vacuum_ts: float | None = None  # manual or auto, whichever is newer
    last_analyze_ts: float | None = None
    xid_age: int | None = None  # PostgreSQL relfrozenxid age

    @property
    def dead_percent(self) -> float | None:
        if self.dead_rows is None or self.live_rows is None:
            return None
        total = self.dead_rows + self.live_rows
        return 100.0 * self.dead_rows / total if total else 0.0


@dataclass(frozen=True, slots=True)
class DbIndex:
    schema: str
    table: str
    name: str
    size_bytes: int = 0
    scans: int | None = None
    valid: bool = True
    unique: bool = False


@dataclass(frozen=True, slots=True)
class DbSequence:
    schema: str
    name: str
    last_value: int
    max_value: int

    @property
    def used_percent(self) -> float:
        return 100.0 * self.last_value / self.max_value if self.max_value else 0.0


@dataclass(frozen=True, slots=True)
class DbReplica:
    """On a primary: one replica or slot. On a replica: its own upstream (role "upstream")."""

    name: str
    role: str = "replica"  # replica | slot | upstream
    client: str = ""
    state: str = ""
    active: bool | None = None
    lag_bytes: int | None = None
    lag_s: float | None = None
    retained_bytes: int | None = None  # WAL a slot holds back


@dataclass(frozen=True, slots=True)
class PanelNote:
    """A panel that could not be filled, and why: names the grant or extension to add."""

    panel: str  # activity | statements | tables | replication | locks | ...
    message: str


@dataclass(frozen=True, slots=True)
class DatabaseSnapshot:
    """Everything one database poll saw. Rates are None on the first poll."""

    target: str
    ts: float
    kind: str  # postgresql | mysql | mariadb | sqlite
    version: str = ""
    uptime_s: float | None = None
    is_replica: bool = False
    connections: int | None = None
    max_connections: int | None = None
    # (state, count): active, idle, idle in transaction, waiting; counts add up to connections
    connections_by_state: tuple[tuple[str, int], ...] = ()
    commits_ps: float | None = None
    rollbacks_ps: float | None = None
    cache_hit_percent: float | None = None  # since the previous poll, not since start
    rows_read_ps: float | None = None
    rows_inserted_ps: float | None = None
    rows_updated_ps: float | None = None
    rows_deleted_ps: float | None = None
    lock_waits: int | None = None  # sessions waiting on a lock now
    deadlocks_ps: float | None = None
    temp_files_ps: float | None = None
    temp_bytes_ps: float | None = None
    replication_lag_bytes: int | None = None  # worst replica, or this replica's own
    replication_lag_s: float | None = None
    size_bytes: int | None = None
    wraparound_percent: float | None = None  # oldest datfrozenxid age against 2^31
    sessions: tuple[DbSession, ...] = ()
    statements: tuple[DbStatement, ...] = ()
    tables: tuple[DbTable, ...] = ()
    indexes: tuple[DbIndex, ...] = ()  # unused or invalid ones
    sequences: tuple[DbSequence, ...] = ()  # the fullest ones
    replicas: tuple[DbReplica, ...] = ()
    notes: tuple[PanelNote, ...] = ()
    queries: int = 0  # statements this poll ran (the benchmark reports it)

    @property
    def connections_percent(self) -> float | None:
        if self.connections is None or not self.max_connections:
            return None
        return 100.0 * self.connections / self.max_connections

    @property
    def tps(self) -> float | None:
        if self.commits_ps is None and self.rollbacks_ps is None:
            return None
        return (self.commits_ps or 0.0) + (self.rollbacks_ps or 0.0)

    def note(self, panel: str) -> str:
        return next((n.message for n in self.notes if n.panel == panel), "")

    def samples(self) -> list[Sample]:
        """The snapshot as store/chart series (metric names are stable keys)."""
        out: list[Sample] = []

        def add(metric: str, value: float | None, label: str = "") -> None:
            if value is not None:
                out.append(Sample(self.target, metric, float(value), self.ts, label))

        add("db.connections", self.connections)
        add("db.max_connections", self.max_connections)
        for state, count in self.connections_by_state:
            add("db.connections_state", count, state)
        add("db.commits_ps", self.commits_ps)
        add("db.rollbacks_ps", self.rollbacks_ps)
        add("db.cache_hit_percent", self.cache_hit_percent)
        add("db.rows_read_ps", self.rows_read_ps)
        add("db.rows_inserted_ps", self.rows_inserted_ps)
        add("db.rows_updated_ps", self.rows_updated_ps)
        add("db.rows_deleted_ps", self.rows_deleted_ps)
        add("db.lock_waits", self.lock_waits)
        add("db.deadlocks_ps", self.deadlocks_ps)
        add("db.temp_files_ps", self.temp_files_ps)
        add("db.temp_bytes_ps", self.temp_bytes_ps)
        add("db.replication_lag_bytes", self.replication_lag_bytes)
        add("db.replication_lag_s", self.replication_lag_s)
        add("db.size_bytes", self.size_bytes)
        add("db.wraparound_percent", self.wraparound_percent)
        return out


@dataclass(frozen=True, slots=True)
class DbAction:
    """A maintenance action on a database, as the confirmation shows it."""

    target: str
    action: str  # cancel | terminate | analyze | vacuum | optimize | explain
    statement: str  # exactly what will run
    subject: str = ""  # "pid 4242", "public.orders"
    params: tuple[tuple[str, object], ...] = ()  # bound parameters, shown and audited


@dataclass(frozen=True, slots=True)
class DbActionResult:
    action: DbAction
    ok: bool
    message: str
    rows: tuple[tuple[str, ...], ...] = ()  # EXPLAIN output, one cell per line
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the append-only, hash-chained audit trail."""

    id: int
    ts: float
    actor: str
    action: str
    target: str
    details: str  # canonical JSON
    prev_hash: str
    hash: str
