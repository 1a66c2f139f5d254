"""A SQLite file (``sqlite:///path/to/file.db``), watched through one kept connection.

SQLite has no server: no sessions, no statement statistics, no replication. What a poll can
say is the library version, the file's size and its free pages; the table panel (row counts
from ``sqlite_stat1`` where ANALYZE left them, sizes from the ``dbstat`` table for files small
enough to walk) is refreshed every ``slow_refresh_s``.

The file is opened with ``mode=rw``, never ``rwc``: a wrong path must read as a missing file,
not quietly become a new empty database. The monitoring connection is ``query_only``; a
progress handler gives each poll the statement timeout as its budget, since SQLite has no
statement timeout of its own.
"""

from __future__ import annotations

import math
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool

from erpconsole.services.databases import sql_text
from erpconsole.services.databases.base import DatabaseCollector, first_line
from erpconsole.services.errors import CollectorError
from erpconsole.i18n import _
from erpconsole.services.models import (
    DatabaseSnapshot,
    DbAction,
    DbActionResult,
    DbTable,
    Health,
    PanelNote,
)

SLOW_REFRESH_S = 60.0
# dbstat reads every page of the file: worth it for a small file only.
DBSTAT_MAX_BYTES = 256 * 1024 * 1024
TABLES_LIMIT = 50
# VM instructions between two looks at the clock: cheap, and well under a millisecond apart.
PROGRESS_STEPS = 1000

FILE_SQL = ("SELECT sqlite_version(), p.page_count, s.page_size, f.freelist_count "
            "FROM pragma_page_count() AS p, pragma_page_size() AS s, pragma_freelist_count() AS f")
TABLE_NAMES_SQL = "SELECT name FROM sqlite_master WHERE type = 'table'"
# The first number of a stat1 row is the table's row count, as of the last ANALYZE.
ROW_COUNTS_SQL = "SELECT tbl, MAX(CAST(stat AS INTEGER)) FROM sqlite_stat1 GROUP BY tbl"
SIZES_SQL = ("SELECT m.tbl_name, SUM(d.pgsize), SUM(d.unused) FROM dbstat AS d "
             "JOIN sqlite_master AS m ON m.name = d.name WHERE d.aggregate = 1 "
             "GROUP BY m.tbl_name")


def quote_ident(name: str) -> str:
    if not name:
        raise ValueError(_("a table name is needed"))
    return '"' + name.replace('"', '""') + '"'


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


class SQLiteCollector(DatabaseCollector):
    kind = "sqlite"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        database = make_url(self.cfg.url).database
        self.path: Path | None = (Path(database).expanduser().resolve()
                                  if database and database != ":memory:" else None)
        self.slow_refresh_s = SLOW_REFRESH_S
        self._deadline = math.inf
        self._tables_at: float | None = None
        self._tables: tuple[DbTable, ...] = ()
        self._table_notes: list[PanelNote] = []

    # -- connection ---------------------------------------------------------------------------

    def _existing_file(self) -> Path:
        if self.path is None:
            raise CollectorError(Health.ERROR, _("{url} names no SQLite file to watch").format(
                url=self.safe_url()))
        if not self.path.exists():
            raise CollectorError(Health.UNREACHABLE, _(
                "SQLite file {path} does not exist: check the path in the inventory").format(
                path=self.path))
        if not self.path.is_file():
            raise CollectorError(Health.ERROR, _("{path} is not a file").format(path=self.path))
        return self.path

    def _make_engine(self) -> Engine:
        uri = self._existing_file().as_uri() + "?mode=rw"
        busy_s = self.statement_timeout_ms / 1000

        def connect() -> sqlite3.Connection:
            # Polls may come from different scheduler threads, never two at once (the lock).
            return sqlite3.connect(uri, uri=True, timeout=busy_s, check_same_thread=False)

        return create_engine("sqlite://", poolclass=NullPool, creator=connect)

    def _setup(self, conn: Connection) -> None:
        self._deadline = time.monotonic() + self.statement_timeout_ms / 1000
        conn.connection.dbapi_connection.set_progress_handler(self._over_budget, PROGRESS_STEPS)
        self.query(conn, f"PRAGMA busy_timeout = {int(self.statement_timeout_ms)}")
        self.query(conn, "PRAGMA query_only = ON")
        self._tables_at = None

    def _over_budget(self) -> bool:
        """Progress handler: a true answer interrupts the running statement."""
        return time.monotonic() > self._deadline

    # -- polling ------------------------------------------------------------------------------

    def _poll(self, conn: Connection) -> DatabaseSnapshot:
        now = time.monotonic()
        self._deadline = now + self.statement_timeout_ms / 1000
        version, pages, page_size, free_pages = self.query(conn, FILE_SQL)[0]
        size = int(pages) * int(page_size)
        if self._tables_at is None or now - self._tables_at >= self.slow_refresh_s:
            self._refresh_tables(conn, size, now)
        notes = [PanelNote("activity", _("SQLite has no sessions to list: it is a file that "
                                         "programs open, not a server")),
                 PanelNote("statements", _("SQLite keeps no statement statistics"))]
        # The tables panel shows one note: free space first, then what the panel lacks.
        table_texts = [n.message for n in self._table_notes]
        free = int(free_pages) * int(page_size)
        if free:
            table_texts.insert(0, _(
                "{free} of the {size} file are free pages: VACUUM gives them back to the file "
                "system.").format(free=_mib(free), size=_mib(size)))
        if table_texts:
            notes.append(PanelNote("tables", " ".join(table_texts)))
        return DatabaseSnapshot(
            target=self.name, ts=time.time(), kind=self.kind, version=f"SQLite {version}",
            size_bytes=size, tables=self._tables, notes=tuple(notes), queries=self.queries)

    def _refresh_tables(self, conn: Connection, size: int, now: float) -> None:
        notes: list[PanelNote] = []
        names = [r[0] for r in self.query(conn, TABLE_NAMES_SQL)]
        rows: dict[str, int] = {}
        if "sqlite_stat1" in names:
            rows = dict(self.panel(notes, "tables", lambda: self.query(conn, ROW_COUNTS_SQL), []))
        else:
            notes.append(PanelNote("tables", _(
                "Row counts appear after ANALYZE (counting every row would read whole tables).")))
        sizes: dict[str, tuple[int, int]] = {}
        if size <= DBSTAT_MAX_BYTES:
            found = self.panel(notes, "tables", lambda: self.query(conn, SIZES_SQL), [],
                               hint=self._dbstat_hint)
            sizes = {t: (int(s or 0), int(u or 0)) for t, s, u in found}
        else:
            notes.append(PanelNote("tables", _(
                "Table sizes are not measured in files over {limit} (it reads every page).").format(
                limit=_mib(DBSTAT_MAX_BYTES))))
        tables = [DbTable(schema="main", name=n, size_bytes=sizes.get(n, (0, 0))[0],
                          live_rows=rows.get(n), free_bytes=sizes[n][1] if n in sizes else None)
                  for n in names if not n.startswith("sqlite_")]
        tables.sort(key=lambda t: (-t.size_bytes, t.name))
        self._tables, self._table_notes = tuple(tables[:TABLES_LIMIT]), notes
        self._tables_at = now

    def _dbstat_hint(self, exc: Exception) -> str | None:
        text = first_line(exc)
        if "interrupted" in text:
            return _("measuring table sizes took longer than the {ms} ms statement timeout").format(
                ms=self.statement_timeout_ms)
        if "no such table: dbstat" in text:
            return _("table sizes need a SQLite built with the dbstat table")
        return None

    # -- errors -------------------------------------------------------------------------------

    def classify(self, exc: Exception) -> CollectorError:
        if isinstance(exc, CollectorError):
            return exc
        text = first_line(exc)
        if "unable to open database file" in text:
            return CollectorError(Health.UNREACHABLE, _("cannot open SQLite file {path}: {error}")
                                  .format(path=self.path, error=text), text)
        if "database is locked" in text:
            return CollectorError(Health.TIMEOUT, _(
                "{path} stayed locked by a writer for over {ms} ms").format(
                path=self.path, ms=self.statement_timeout_ms), text)
        if text == "interrupted":
            return CollectorError(Health.TIMEOUT, _(
                "a statement ran past the {ms} ms statement timeout").format(
                ms=self.statement_timeout_ms), text)
        if "file is not a database" in text or "malformed" in text:
            return CollectorError(Health.ERROR, _(
                "{path} is not a SQLite database, or it is damaged: {error}").format(
                path=self.path, error=text), text)
        return super().classify(exc)

    # -- actions ------------------------------------------------------------------------------

    def build_action(self, action: str, *, pid: int | None = None, table: str | None = None,
                     schema: str | None = None, query: str | None = None) -> DbAction:
        if action == "analyze":
            if not table:
                return DbAction(self.name, action, "ANALYZE", _("all tables"))
            name = quote_ident(table)
            if schema and schema != "main":
                name = f"{quote_ident(schema)}.{name}"
            return DbAction(self.name, action, f"ANALYZE {name}", table)
        if action == "vacuum":
            return DbAction(self.name, action, "VACUUM", str(self.path or self.name))
        if action == "explain":
            statement = sql_text.single_statement(query or "", sql_text.SQLITE)
            return DbAction(self.name, action, "EXPLAIN QUERY PLAN " + statement, _("query plan"))
        if action in ("cancel", "terminate"):
            raise ValueError(_("SQLite has no sessions to cancel or end"))
        if action == "optimize":
            raise ValueError(_("OPTIMIZE TABLE is MySQL's; on SQLite, VACUUM rebuilds the file"))
        raise ValueError(_("unknown action {action!r} for SQLite").format(action=action))

    def run_action(self, action: DbAction) -> DbActionResult:
        result = super().run_action(action)
        if result.ok and action.action in ("analyze", "vacuum"):
            self._tables_at = None  # the next poll shows the new counts and sizes
        return result

    def _prepare_action(self, conn: Connection, action: DbAction) -> None:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(self.statement_timeout_ms)}")
        if action.action == "explain":
            conn.exec_driver_sql("PRAGMA query_only = ON")

    def _judge(self, action: DbAction, rows: tuple) -> tuple[bool, str]:
        if action.action == "explain":
            return True, _("plan of {n} rows").format(n=len(rows))
        if action.action == "vacuum":
            return True, _("the file was rebuilt")
        return True, _("statistics updated")
