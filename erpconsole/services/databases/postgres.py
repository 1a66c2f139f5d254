"""PostgreSQL 12-17: what pgAdmin's dashboard and a DBA's favourite queries show, in two or
three round trips per poll on one kept, read-only connection.

Every poll reads the counters, settings and sessions (MAIN, ACTIVITY; REPLICATION only when
there is something to show). The slow panels (tables, indexes, sequences, statements) are
refreshed on the first poll, then every ``slow_every`` polls or after ``slow_max_age_s``,
whichever comes first, and after a VACUUM or ANALYZE run from the console; in between the
snapshot repeats their last values (and their notes). Table sizes and statement totals move
over minutes, and sizing every table costs a lock and a stat() per table.

Rows read per second is ``tup_returned``: rows the scans went through (every live row a
sequential scan passed, every index entry an index scan returned), the work the server did.
``tup_fetched`` is left out because it counts the heap rows of the same index scans again.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, make_url

from erpconsole.config import DatabaseConfig
from erpconsole.services.databases import (
    pg_actions, pg_errors, pg_queries as q, pg_rates, pg_rows as rows,
)
from erpconsole.services.databases.base import DatabaseCollector
from erpconsole.services.errors import CollectorError
from erpconsole.i18n import _
from erpconsole.services.models import (
    DatabaseSnapshot,
    DbAction,
    DbActionResult,
    DbIndex,
    DbReplica,
    DbSequence,
    DbStatement,
    DbTable,
    Health,
    PanelNote,
)
from erpconsole.services.secrets import SecretStore

LOCK_TIMEOUT_MS = 500
ACTION_LOCK_TIMEOUT_MS = 5000  # a VACUUM queued behind an ALTER TABLE would block readers too
SLOW_EVERY = 6
SLOW_MAX_AGE_S = 60.0
QUERY_CHARS = 2000
TABLES_LIMIT = 50
INDEXES_LIMIT = 50
SEQUENCES_LIMIT = 10
STATEMENTS_LIMIT = 20

_PLAIN_ROLE = re.compile(r"[a-z_][a-z0-9_$]*")


@dataclass(frozen=True, slots=True)
class _SlowPanels:
    tables: tuple[DbTable, ...] = ()
    indexes: tuple[DbIndex, ...] = ()
    sequences: tuple[DbSequence, ...] = ()
    statements: tuple[DbStatement, ...] = ()
    notes: tuple[PanelNote, ...] = ()


# Column names of pg_queries.MAIN, in order.
MAIN_FIELDS = ("server_version", "uptime", "in_recovery", "max_connections", "commits",
               "rollbacks", "blks_read", "blks_hit", "tup_returned", "tup_inserted",
               "tup_updated", "tup_deleted", "deadlocks", "temp_files", "temp_bytes", "size",
               "max_xid_age", "reads_all_stats", "replication_rows", "pgss_schema", "user")
Main = dict[str, Any]


class PostgresCollector(DatabaseCollector):
    kind = "postgresql"

    def __init__(self, cfg: DatabaseConfig, secrets: SecretStore | None = None, *,
                 lock_timeout_ms: int = LOCK_TIMEOUT_MS, slow_every: int = SLOW_EVERY,
                 slow_max_age_s: float = SLOW_MAX_AGE_S, **options: Any) -> None:
        super().__init__(cfg, secrets, **options)
        self.lock_timeout_ms = lock_timeout_ms
        self.slow_every = slow_every
        self.slow_max_age_s = slow_max_age_s
        self.version_num = 0
        self._slow = _SlowPanels()
        self._slow_polls: int | None = None  # polls since the slow panels ran; None: due
        self._slow_at = 0.0
        self._moved_on = pg_rates.MovedOn(cfg.interval_s)
        self.rates = self._moved_on.tracker  # forgotten on reconnect, like every collector's

    # -- connection ---------------------------------------------------------------------------

    def connect_args(self) -> dict[str, Any]:
        # Kept for hours: a server host that vanished (power, network) is found by keepalives
        # and by the kernel's give-up time for unacknowledged data; a frozen server process,
        # which the kernel still answers for, by the scheduler's deadline (abort()).
        return {"connect_timeout": self.connect_timeout_s, "keepalives": 1, "keepalives_idle": 10,
                "keepalives_interval": 5, "keepalives_count": 3,
                "tcp_user_timeout": int(max(self.statement_timeout_ms, 1000) + 10_000)}

    def _setup(self, conn: Connection) -> None:
        # The lock timeout never exceeds the statement timeout, so a statement timeout is
        # always the one that fires when it is the shorter.
        lock_ms = max(1, min(self.lock_timeout_ms, self.statement_timeout_ms))
        row = self.query(conn, q.SETUP, {"statement_ms": str(int(self.statement_timeout_ms)),
                                         "lock_ms": str(int(lock_ms))})[0]
        self.version_num = int(row[-1])

    # -- polling ------------------------------------------------------------------------------

    def _poll(self, conn: Connection) -> DatabaseSnapshot:
        notes: list[PanelNote] = []
        counters = self._rates(conn, notes)  # first: its wait must not follow our own reads
        main = dict(zip(MAIN_FIELDS, self.query(conn, q.MAIN)[0], strict=True))
        act = self.panel(notes, "activity", lambda: rows.activity(
            self.query(conn, q.ACTIVITY, {"query_chars": QUERY_CHARS})), None)
        if not main["reads_all_stats"]:
            notes.append(PanelNote("activity", _(
                "sessions of other users show no query, state or client: "
                "GRANT pg_monitor TO {role};").format(role=sql_role(main["user"]))))
        replicas = self._replication(conn, notes, main)
        lag_bytes, lag_s = rows.worst_lag(replicas)
        slow = self._slow_panels(conn, main["pgss_schema"])
        return DatabaseSnapshot(
            target=self.name, ts=time.time(), kind=self.kind,
            version=rows.short_version(main["server_version"]),
            uptime_s=rows.num(main["uptime"]), is_replica=bool(main["in_recovery"]),
            connections=act.connections if act else None,
            max_connections=main["max_connections"],
            connections_by_state=act.by_state if act else (),
            lock_waits=act.lock_waits if act else None,
            sessions=act.sessions if act else (),
            size_bytes=rows.whole(main["size"]),
            wraparound_percent=rows.wraparound_percent(main["max_xid_age"]),
            replication_lag_bytes=lag_bytes, replication_lag_s=lag_s, replicas=replicas,
            tables=slow.tables, indexes=slow.indexes, sequences=slow.sequences,
            statements=slow.statements, notes=tuple(notes) + slow.notes,
            queries=self.queries, **counters)

    def _rates(self, conn: Connection, notes: list[PanelNote]) -> dict[str, Any]:
        """Rates from readings taken just after the counters moved on (see pg_rates)."""
        r, note, window = self._moved_on.read(lambda sql: self.query(conn, sql),
                                              self.version_num)
        notes.extend([note] if note else [])
        return {"rate_window": window, "commits_ps": r["commits"], "rollbacks_ps": r["rollbacks"],
                "cache_hit_percent": rows.hit_percent(r["blks_hit"], r["blks_read"]),
                "rows_read_ps": r["tup_returned"], "rows_inserted_ps": r["tup_inserted"],
                "rows_updated_ps": r["tup_updated"], "rows_deleted_ps": r["tup_deleted"],
                "deadlocks_ps": r["deadlocks"], "temp_files_ps": r["temp_files"],
                "temp_bytes_ps": r["temp_bytes"]}

    def hold_rates(self, window_s: float) -> None:
        self._moved_on.hold(window_s)

    @property
    def rate_wait_s(self) -> float:
        """Seconds the last poll slept waiting for the counters to move on."""
        return self._moved_on.waited_s

    def _replication(self, conn: Connection, notes: list[PanelNote], main: Main
                     ) -> tuple[DbReplica, ...]:
        if main["in_recovery"]:
            return self.panel(notes, "replication", lambda: (
                rows.upstream(self.query(conn, q.REPLICATION_STANDBY)[0]),), ())
        if not main["replication_rows"]:
            return ()
        return self.panel(notes, "replication", lambda: rows.replicas(
            self.query(conn, q.replication_primary(self.version_num))), ())

    def fails_poll(self, exc: Exception, err: CollectorError) -> bool:
        """A lock timeout degrades only its panel (a migration holds one table); a
        statement timeout means the server is too slow for any of it."""
        if err.kind is Health.TIMEOUT:
            return pg_errors.is_statement_timeout(exc)
        return super().fails_poll(exc, err)

    # -- slow panels --------------------------------------------------------------------------

    def refresh_slow_panels(self) -> None:
        """Makes the next poll read tables, indexes, sequences and statements again."""
        self._slow_polls = None

    def _slow_due(self) -> bool:
        if self._slow_polls is None or self._slow_polls + 1 >= self.slow_every:
            return True
        return time.monotonic() - self._slow_at >= self.slow_max_age_s

    def _slow_panels(self, conn: Connection, pgss_schema: str | None) -> _SlowPanels:
        if not self._slow_due():
            self._slow_polls = (self._slow_polls or 0) + 1
            return self._slow
        last, notes = self._slow, []
        tables = self.panel(notes, "tables", lambda: rows.tables(
            self.query(conn, q.TABLES, {"limit": TABLES_LIMIT})), last.tables, _locked_hint)
        indexes = self.panel(notes, "indexes", lambda: rows.indexes(
            self.query(conn, q.INDEXES, {"limit": INDEXES_LIMIT})), last.indexes, _locked_hint)
        sequences = self.panel(notes, "sequences", lambda: rows.sequences(
            self.query(conn, q.SEQUENCES, {"limit": SEQUENCES_LIMIT})), last.sequences,
            _locked_hint)
        statements = self._statements(conn, notes, pgss_schema)
        self._slow = _SlowPanels(tables, indexes, sequences, statements, tuple(notes))
        self._slow_polls, self._slow_at = 0, time.monotonic()
        return self._slow

    def _statements(self, conn: Connection, notes: list[PanelNote], schema: str | None
                    ) -> tuple[DbStatement, ...]:
        if schema is None:
            notes.append(PanelNote("statements", self._pgss_missing(conn)))
            return ()
        sql = q.statements(self.version_num, schema)
        return self.panel(notes, "statements", lambda: rows.statements(self.query(
            conn, sql, {"query_chars": QUERY_CHARS, "limit": STATEMENTS_LIMIT})),
            self._slow.statements, _pgss_hint)

    def _pgss_missing(self, conn: Connection) -> str:
        found = self.query(conn, q.PRELOAD)
        preload = found[0][0] if found else ""
        database = make_url(self.cfg.url).database or ""
        if "pg_stat_statements" in preload:
            return _("top statements need the pg_stat_statements extension in this database: "
                     "run CREATE EXTENSION pg_stat_statements; in {db}").format(db=database)
        return pgss_setup(database)

    # -- errors -------------------------------------------------------------------------------

    def classify(self, exc: Exception) -> CollectorError:
        if isinstance(exc, CollectorError):
            return exc
        found = pg_errors.classify(exc, self._where())
        return found if found is not None else super().classify(exc)

    def _where(self) -> pg_errors.Where:
        url = make_url(self.cfg.url)
        return pg_errors.Where(
            name=self.name, host=url.host or "localhost", port=url.port or 5432,
            user=url.username or "", database=url.database or "",
            password_env=self.cfg.password_env, statement_timeout_ms=self.statement_timeout_ms)

    # -- actions ------------------------------------------------------------------------------

    def build_action(self, action: str, *, pid: int | None = None, table: str | None = None,
                     schema: str | None = None, query: str | None = None) -> DbAction:
        return pg_actions.build(self.name, action, pid=pid, table=table, schema=schema,
                                query=query)

    def run_action(self, action: DbAction) -> DbActionResult:
        result = super().run_action(action)
        if result.ok and action.action in ("analyze", "vacuum"):
            self.refresh_slow_panels()  # the person wants to see the effect at once
        return result

    def _prepare_action(self, conn: Connection, action: DbAction) -> None:
        conn.exec_driver_sql("SET application_name = 'erpconsole'")
        if action.action in ("analyze", "vacuum"):
            conn.exec_driver_sql(f"SET lock_timeout = {ACTION_LOCK_TIMEOUT_MS}")
            return
        # EXPLAIN plans only, and a read-only transaction keeps it that way even if the
        # text had a way around the checks in pg_actions.
        if action.action == "explain":
            conn.exec_driver_sql("SET default_transaction_read_only = on")
        conn.exec_driver_sql(f"SET statement_timeout = {int(self.statement_timeout_ms)}")

    def _judge(self, action: DbAction, rows_: tuple) -> tuple[bool, str]:
        return pg_actions.judge(action, rows_)


def pgss_setup(database: str) -> str:
    return _("top statements need pg_stat_statements: add pg_stat_statements to "
             "shared_preload_libraries in postgresql.conf, restart PostgreSQL, then run "
             "CREATE EXTENSION pg_stat_statements; in {db}").format(db=database)


def _pgss_hint(exc: Exception) -> str | None:
    if "shared_preload_libraries" in pg_errors.first_line(exc):
        return pgss_setup(_("this database"))
    return None


def _locked_hint(exc: Exception) -> str | None:
    if getattr(pg_errors.driver_error(exc), "sqlstate", "") == "55P03":
        return _("another session holds a lock that this panel's query waits for (ALTER, "
                 "DROP, VACUUM FULL, ...); the last values stay until it is released")
    return None


def sql_role(user: str) -> str:
    """A role name as it must be typed in a GRANT."""
    return user if _PLAIN_ROLE.fullmatch(user) else q.quote_ident(user)
