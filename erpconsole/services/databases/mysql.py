"""MySQL 5.7/8.x and MariaDB 10.x, watched through one kept read-only connection.

A poll is four round trips (five on MySQL, whose deadlock counter lives in INNODB_METRICS):
SHOW GLOBAL STATUS filtered to the counters we chart, PROCESSLIST, InnoDB transactions with
their lock waits, and the replica status. The slow panels (max_connections and schema size,
tables, statement digests) change over minutes and cost a scan of information_schema, so they
are read every ``slow_refresh_s`` (60 s: every 6th poll at the default 10 s interval) and the
last values are kept in between; a successful ANALYZE/OPTIMIZE asks for a refresh at once.

A panel whose query is refused (a missing grant, performance_schema off) is noted with the
grant or setting that would fill it, and not asked again until the next slow refresh, so a
restricted account does not pay a failing round trip every poll.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, make_url

from erpconsole.services.databases import mysql_actions, mysql_rows, mysql_sql
from erpconsole.services.databases.base import DatabaseCollector
from erpconsole.services.databases.mysql_errors import (
    PRIVILEGE_NEEDED,
    REFUSALS,
    TIMEOUT_CODES,
    UNKNOWN_IS_TABLE,
    ErrorContext,
    classify,
    error_code,
    grant_hint,
    quote_account,
    server_text,
)
from erpconsole.services.databases.mysql_sql import Flavor
from erpconsole.services.errors import CollectorError
from erpconsole.i18n import _
from erpconsole.services.models import DatabaseSnapshot, DbAction, DbActionResult, DbReplica, PanelNote

SLOW_REFRESH_S = 60.0
# A read waits for the server's own statement timeout to fire first, plus a margin.
READ_MARGIN_S = 3.0



@dataclass
class _SlowPanels:
    """The last values of the panels read every ``slow_refresh_s``."""

    at: float | None = None
    max_connections: int | None = None
    size_bytes: int | None = None
    tables: tuple = ()
    statements: tuple = ()
    notes: list[PanelNote] = field(default_factory=list)


class MySQLCollector(DatabaseCollector):
    kind = "mysql"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = make_url(self.cfg.url)
        # Until the first connection says otherwise, the URL's dialect is the best guess.
        self.kind = "mariadb" if url.get_backend_name() == "mariadb" else "mysql"
        self.flavor: Flavor | None = None
        self.slow_refresh_s = SLOW_REFRESH_S
        self._address = f"{url.host or 'localhost'}:{url.port or 3306}"
        self._schema: str | None = url.database or None
        self._user = url.username or ""
        self._account = quote_account(f"{self._user}@%")
        self._slow = _SlowPanels()
        self._held: dict[str, PanelNote] = {}
        self._sees_all = True
        self._window: tuple[float, float] | None = None
        # Maintenance actions run on other threads with a longer read timeout than polls.
        self._local = threading.local()

    # -- connection ---------------------------------------------------------------------------

    @property
    def read_timeout_s(self) -> float:
        return math.ceil(self.statement_timeout_ms / 1000 + READ_MARGIN_S)

    def connect_args(self) -> dict[str, Any]:
        read_s = getattr(self._local, "read_timeout_s", None) or self.read_timeout_s
        return {"connect_timeout": self.connect_timeout_s, "read_timeout": read_s,
                "write_timeout": read_s}

    def _setup(self, conn: Connection) -> None:
        # Without parameters PyMySQL would still %-format the text: keep '%' literal.
        conn.execution_options(no_parameters=True)
        version, account, database, perf_schema = self.query(conn, mysql_sql.IDENTITY_SQL)[0]
        self.flavor = Flavor.parse(str(version), bool(perf_schema))
        self.kind = self.flavor.kind
        self._account = quote_account(str(account))
        self._schema = database or None
        self.query(conn, "SET SESSION TRANSACTION READ ONLY")
        self.query(conn, self.flavor.timeout_sql(self.statement_timeout_ms))
        self._slow = _SlowPanels()
        self._held.clear()
        self._sees_all = True

    # -- polling ------------------------------------------------------------------------------

    def _poll(self, conn: Connection) -> DatabaseSnapshot:
        assert self.flavor is not None  # set by _setup on this connection
        now = time.monotonic()
        status = self._status(conn)
        notes: list[PanelNote] = []
        if self._slow.at is None or now - self._slow.at >= self.slow_refresh_s:
            self._refresh_slow(conn, now)
        notes.extend(self._slow.notes)
        trx = self._transactions(conn, notes)
        listed = self._guarded(notes, "activity", lambda: mysql_rows.sessions(
            self.query(conn, self.flavor.processlist_sql), trx, time.time()), ())
        listed = self._metadata_blockers(conn, listed, notes)
        upstream = self._replication(conn, notes)
        if "Innodb_deadlocks" not in status:
            count = self._guarded(notes, "deadlocks", lambda: self.query(conn, mysql_sql.DEADLOCKS_SQL), [])
            if count:
                status["Innodb_deadlocks"] = float(count[0][0] or 0)
        return self._snapshot(status, now, listed, trx, upstream, notes)

    def _status(self, conn: Connection) -> dict[str, float]:
        out = {}
        for name, value in self.query(conn, mysql_sql.STATUS_SQL):
            try:
                out[str(name)] = float(value)
            except (TypeError, ValueError):
                continue  # a counter this build reports as text: nothing to chart
        return out

    def _snapshot(self, status: dict[str, float], now: float, listed: tuple, trx: dict | None,
                  upstream: DbReplica | None, notes: list[PanelNote]) -> DatabaseSnapshot:
        rates = self._rates(status, now)
        connections = _int(status.get("Threads_connected"))
        lag = upstream.lag_s if upstream else None
        return DatabaseSnapshot(
            target=self.name, ts=time.time(), kind=self.kind, version=self.flavor.label,
            uptime_s=status.get("Uptime"), is_replica=upstream is not None,
            connections=connections, max_connections=self._slow.max_connections,
            connections_by_state=mysql_rows.state_counts(listed, connections, self._sees_all),
            commits_ps=rates.get("commits"), rollbacks_ps=rates.get("rollbacks"),
            queries_ps=rates.get("questions"), rate_window=self._window,
            cache_hit_percent=_hit_percent(rates.get("read_requests"), rates.get("disk_reads")),
            rows_read_ps=rates.get("rows_read"), rows_inserted_ps=rates.get("rows_inserted"),
            rows_updated_ps=rates.get("rows_updated"), rows_deleted_ps=rates.get("rows_deleted"),
            lock_waits=None if trx is None else sum(s.state == mysql_rows.WAITING for s in listed),
            deadlocks_ps=rates.get("deadlocks"), temp_files_ps=rates.get("tmp_disk_tables"),
            replication_lag_s=lag, size_bytes=self._slow.size_bytes, sessions=listed,
            statements=self._slow.statements, tables=self._slow.tables,
            replicas=(upstream,) if upstream else (), notes=tuple(notes), queries=self.queries)

    def _rates(self, status: dict[str, float], now: float) -> dict[str, float | None]:
        """Rates since the previous poll; the counters are live, so any gap will do."""
        counters = {}
        for key, names in mysql_sql.RATE_COUNTERS.items():
            found = next((n for n in names if n in status), None)
            if found is not None:
                counters[key] = status[found]
        since = self.rates.since("commits", now)
        rates = self.rates.rates(counters, now)
        end = time.time() - (time.monotonic() - now)  # when the status was read
        self._window = (end - since, end) if since and rates.get("commits") is not None else None
        return rates

    def _guarded(self, notes: list[PanelNote], panel: str, fn: Callable[[], Any], default: Any,
                 note_for: Callable[[sa_exc.DBAPIError], PanelNote] | None = None) -> Any:
        """``panel()`` that also lets a statement timeout fail the poll (the base only lets a
        lost connection through), and holds a refusal until the next slow refresh."""
        held = self._held.get(panel)
        if held is not None:
            notes.append(held)
            return default
        try:
            return fn()
        except sa_exc.DBAPIError as exc:
            if exc.connection_invalidated or error_code(exc) in TIMEOUT_CODES:
                raise
            note = note_for(exc) if note_for else self._generic_note(panel, exc)
            if error_code(exc) in REFUSALS:  # a missing grant or feature: ask again later
                self._held[panel] = note
            notes.append(note)  # anything else may pass: the next poll asks again
            return default

    def _generic_note(self, panel: str, exc: BaseException) -> PanelNote:
        grant = grant_hint(exc, self._account)
        if grant:
            return PanelNote(panel, _("{panel} needs a grant: {grant} ({error})").format(
                panel=panel, grant=grant, error=server_text(exc)))
        return PanelNote(panel, _("{panel} unavailable: {error}").format(
            panel=panel, error=server_text(exc)))

    def _transactions(self, conn: Connection, notes: list[PanelNote]) -> dict | None:
        """Open InnoDB transactions by thread, with their blockers; None when not visible."""
        sql = self.flavor.lock_waits_sql or mysql_sql.TRX_ONLY

        def refused(exc: sa_exc.DBAPIError) -> PanelNote:
            if error_code(exc) != PRIVILEGE_NEEDED:
                return self._generic_note("activity", exc)
            self._sees_all = False
            return PanelNote("activity", _(
                "this account sees only its own sessions, and no transactions or lock waits: "
                "an administrator can run GRANT PROCESS ON *.* TO {account}").format(
                account=self._account))

        rows = self._guarded(notes, "transactions", lambda: self.query(conn, sql), None, refused)
        if rows is None:
            return None
        self._sees_all = True  # PROCESS may have been granted since the last refusal
        if self.flavor.lock_waits_sql is None:
            notes.append(PanelNote("activity", _(
                "which session blocks which needs performance_schema on MySQL 8: set "
                "performance_schema=ON in the server configuration and restart the server")))
        return mysql_rows.transactions(rows)

    def _metadata_blockers(self, conn: Connection, listed: tuple, notes: list[PanelNote]) -> tuple:
        """Who holds the metadata lock a session waits for, where MariaDB can say."""
        if not self.flavor.mariadb or not any(map(mysql_rows.waits_for_metadata, listed)):
            return listed

        def refused(exc: sa_exc.DBAPIError) -> PanelNote:
            if error_code(exc) != UNKNOWN_IS_TABLE:
                return self._generic_note("activity", exc)
            return PanelNote("activity", _(
                "a session waits for a metadata lock and the server does not say who holds it: "
                "an administrator can run INSTALL SONAME 'metadata_lock_info' for the console to "
                "name the session"))

        rows = self._guarded(notes, "metadata_locks", lambda: self.query(conn, mysql_sql.MDL_HELD_SQL),
                             None, refused)
        return listed if rows is None else mysql_rows.metadata_blockers(listed, rows)

    def _replication(self, conn: Connection, notes: list[PanelNote]) -> DbReplica | None:
        def read() -> list[dict]:
            self._queries += 1  # counted like query(), which drops the column names we need
            result = conn.exec_driver_sql(self.flavor.replica_status_sql)
            return [dict(m) for m in result.mappings().fetchall()]

        def refused(exc: sa_exc.DBAPIError) -> PanelNote:
            if error_code(exc) != PRIVILEGE_NEEDED:
                return self._generic_note("replication", exc)
            return PanelNote("replication", _(
                "replication status needs a grant: an administrator can run GRANT {privilege} "
                "ON *.* TO {account}").format(privilege=self.flavor.replication_privilege,
                                              account=self._account))

        rows = self._guarded(notes, "replication", read, [], refused)
        return mysql_rows.upstream(rows[0]) if rows else None

    def _refresh_slow(self, conn: Connection, now: float) -> None:
        self._held.clear()  # retry what was refused: a grant may have been added since
        notes: list[PanelNote] = []
        slow = _SlowPanels(at=now, notes=notes)
        variables = self._guarded(notes, "size", lambda: self.query(
            conn, f"{mysql_sql.VARIABLES_SQL}, ({mysql_sql.size_sql(self._schema)})"), [],
            lambda exc: self._generic_note("tables", exc))
        if variables:
            slow.max_connections, slow.size_bytes = _int(variables[0][0]), _int(variables[0][1])
        slow.tables = self._guarded(notes, "tables", lambda: mysql_rows.tables(
            self.query(conn, mysql_sql.tables_sql(self._schema))), ())
        slow.statements = self._statements(conn, notes)
        self._slow = slow

    def _statements(self, conn: Connection, notes: list[PanelNote]) -> tuple:
        if not self.flavor.performance_schema:
            notes.append(PanelNote("statements", _(
                "statement statistics come from performance_schema, which is off on this server: "
                "set performance_schema=ON in the server configuration ([mysqld] section) and "
                "restart the server")))
            return ()
        return self._guarded(notes, "statements", lambda: mysql_rows.statements(
            self.query(conn, mysql_sql.statements_sql(self._schema))), ())

    # -- errors -------------------------------------------------------------------------------

    def classify(self, exc: Exception) -> CollectorError:
        ctx = ErrorContext(
            name=self.name, password_env=self.cfg.password_env, address=self._address,
            database=self._schema, account=self._account, user=self._user,
            statement_timeout_ms=self.statement_timeout_ms, read_timeout_s=self.read_timeout_s,
            kill_privilege=self.flavor.kill_privilege if self.flavor else "CONNECTION ADMIN")
        return classify(exc, ctx) or super().classify(exc)

    # -- actions ------------------------------------------------------------------------------

    def build_action(self, action: str, *, pid: int | None = None, table: str | None = None,
                     schema: str | None = None, query: str | None = None) -> DbAction:
        return mysql_actions.build(self.name, action, default_schema=self._schema, pid=pid,
                                   table=table, schema=schema, query=query)

    def run_action(self, action: DbAction) -> DbActionResult:
        maintenance = action.action in ("analyze", "optimize")
        if maintenance:
            self._local.read_timeout_s = mysql_actions.MAINTENANCE_READ_TIMEOUT_S
        try:
            result = super().run_action(action)
        finally:
            self._local.read_timeout_s = None
        if maintenance and result.ok:
            self._slow.at = None  # show the new sizes on the next poll, not a minute later
        return result

    def _prepare_action(self, conn: Connection, action: DbAction) -> None:
        conn.execution_options(no_parameters=True)  # a '%' in an EXPLAINed LIKE stays literal
        if action.action != "explain":
            return
        flavor = self.flavor or Flavor.parse(str(conn.exec_driver_sql("SELECT VERSION()").scalar()))
        conn.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
        conn.exec_driver_sql(flavor.timeout_sql(self.statement_timeout_ms))

    def _judge(self, action: DbAction, rows: tuple) -> tuple[bool, str]:
        return mysql_actions.judge(action, rows)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _hit_percent(requests_ps: float | None, disk_reads_ps: float | None) -> float | None:
    """Buffer pool hits since the previous poll; None when nothing was read (nothing to judge)."""
    if requests_ps is None or disk_reads_ps is None or requests_ps <= 0:
        return None
    return max(0.0, min(100.0, 100.0 * (1.0 - disk_reads_ps / requests_ps)))
