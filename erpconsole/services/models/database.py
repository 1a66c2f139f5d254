"""What a database poll sees (activity, statements, tables, replicas, the snapshot) and the
maintenance actions on a database."""

from __future__ import annotations

from dataclasses import dataclass

from erpconsole.services.models.core import Sample

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
    query_start_ts: float | None = None  # epoch s the current (or last) statement started


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
    # (start, end), epoch seconds: the two readings of the server's counters the rates come
    # from; None when there is no rate (first poll, or too soon after the last one).
    rate_window: tuple[float, float] | None = None
    queries_ps: float | None = None  # statements clients sent (MySQL/MariaDB Questions)

    @property
    def rate_window_s(self) -> float | None:
        return None if self.rate_window is None else self.rate_window[1] - self.rate_window[0]

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
        add("db.queries_ps", self.queries_ps)
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
