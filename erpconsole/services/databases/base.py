"""What every database collector shares: one kept connection per target, opened with the
password from keyring (or ``password_env``), read-only with a statement timeout; errors become
health states; maintenance actions run on a separate, short-lived connection."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import create_engine, exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import NullPool

from erpconsole.config import DatabaseConfig
from erpconsole.services.errors import CollectorError
from erpconsole.guards.urls import mask_url
from erpconsole.i18n import _
from erpconsole.services.models import (
    DatabaseSnapshot,
    DbAction,
    DbActionResult,
    Health,
    PanelNote,
)
from erpconsole.services.rates import RateTracker
from erpconsole.services.secrets import SecretStore

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 3000


def secret_name(target: str) -> str:
    """The keyring entry that holds a database's password."""
    return f"db:{target}"


class DatabaseCollector:
    """Subclasses set ``kind`` and implement ``_setup``, ``_poll``, ``classify`` and
    ``build_action``. ``collect()`` may be called from any one thread at a time."""

    kind = "database"

    def __init__(self, cfg: DatabaseConfig, secrets: SecretStore | None = None,
                 statement_timeout_ms: int = STATEMENT_TIMEOUT_MS,
                 connect_timeout_s: int = CONNECT_TIMEOUT_S,
                 long_query_s: float = 30.0) -> None:
        self.cfg = cfg
        self.name = cfg.name
        self.secrets = secrets if secrets is not None else SecretStore()
        self.statement_timeout_ms = statement_timeout_ms
        self.connect_timeout_s = connect_timeout_s
        self.long_query_s = long_query_s
        self.rates = RateTracker()
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._queries = 0

    # -- connection ---------------------------------------------------------------------------

    def url(self) -> URL:
        url = make_url(self.cfg.url)
        password = self.secrets.get(secret_name(self.name), env=self.cfg.password_env)
        if password:
            url = url.set(password=password)
        return url

    def safe_url(self) -> str:
        return mask_url(make_url(self.cfg.url).render_as_string(hide_password=True))

    def connect_args(self) -> dict[str, Any]:
        return {}

    def _make_engine(self) -> Engine:
        return create_engine(self.url(), poolclass=NullPool, connect_args=self.connect_args())

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._drop()
            self._engine = self._make_engine()
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                self._setup(conn)
            except Exception:
                conn.close()
                raise
            self._conn = conn
            self.rates.forget()
        return self._conn

    def read_only_connection(self) -> Connection:
        """The kept connection (read-only, statement timeout) for one-off readers such as the
        access review; the caller holds no lock, so use a collector of its own."""
        return self._connection()

    def _drop(self) -> None:
        conn, engine = self._conn, self._engine
        self._conn = self._engine = None
        for closer in (getattr(conn, "invalidate", None), getattr(engine, "dispose", None)):
            if closer is not None:
                try:
                    closer()
                except Exception:  # already broken; nothing more to do
                    log.debug("closing %s", self.name, exc_info=True)

    def close(self) -> None:
        with self._lock:
            self._drop()

    def abort(self) -> None:
        """At the scheduler's deadline, from its thread (the poll holds the lock): the kept
        connection's socket is shut, so a read blocked on a frozen server returns now, with an
        error the late poll drops, and the next poll connects again."""
        conn = self._conn
        try:
            raw = conn.connection.dbapi_connection if conn is not None else None
            fd = raw.fileno() if hasattr(raw, "fileno") else raw._sock.fileno()  # psycopg / PyMySQL
        except Exception:  # noqa: BLE001 - no connection, or one already closed
            return
        try:
            with socket.socket(fileno=os.dup(fd)) as sock:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            log.debug("aborting %s", self.name, exc_info=True)

    # -- polling ------------------------------------------------------------------------------

    def collect(self) -> DatabaseSnapshot:
        with self._lock:
            self._queries = 0
            try:
                conn = self._connection()
                return self._poll(conn)
            except CollectorError:
                self._drop()
                raise
            except Exception as exc:
                self._drop()
                raise self.classify(exc) from exc

    def query(self, conn: Connection, sql: str, params: Sequence | dict | None = None) -> list[tuple]:
        """Rows of one monitoring statement (counted for the benchmark)."""
        self._queries += 1
        result = conn.exec_driver_sql(sql, params) if params is not None else conn.exec_driver_sql(sql)
        return [tuple(r) for r in result.fetchall()] if result.returns_rows else []

    def panel(self, notes: list[PanelNote], panel: str, fn: Callable[[], Any], default: Any,
              hint: Callable[[Exception], str | None] | None = None) -> Any:
        """Runs one optional panel's queries; a missing privilege or extension degrades that
        panel with a note naming what to add, and the rest of the poll goes on. A lost
        connection or a timeout still fails the whole poll."""
        try:
            return fn()
        except sa_exc.DBAPIError as exc:
            if exc.connection_invalidated:
                raise
            err = self.classify(exc)
            if self.fails_poll(exc, err):
                raise err from exc
            message = (hint(exc) if hint else None) or _("{panel} unavailable: {error}").format(
                panel=panel, error=first_line(exc))
            notes.append(PanelNote(panel, message))
            return default

    def fails_poll(self, exc: Exception, err: CollectorError) -> bool:
        """A server too slow or gone for one panel is a health state, not a panel note."""
        return err.kind in (Health.TIMEOUT, Health.UNREACHABLE)

    def hold_rates(self, window_s: float) -> None:
        """Rates span at least ``window_s`` (``inspect``'s one-off report); a server whose
        counters are live (MySQL, MariaDB) needs nothing."""

    @property
    def queries(self) -> int:
        return self._queries

    # -- for subclasses -----------------------------------------------------------------------

    def _setup(self, conn: Connection) -> None:
        """Once per connection: read-only, statement timeout, time zone."""
        raise NotImplementedError

    def _poll(self, conn: Connection) -> DatabaseSnapshot:
        raise NotImplementedError

    def classify(self, exc: Exception) -> CollectorError:
        """A driver error as a health state with a sentence that says what to do."""
        if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
            return CollectorError(Health.UNREACHABLE, _("connection to the database was lost"),
                                  first_line(exc))
        return CollectorError(Health.ERROR, first_line(exc), repr(exc))

    def build_action(self, action: str, *, pid: int | None = None, table: str | None = None,
                     schema: str | None = None, query: str | None = None) -> DbAction:
        """The exact statement an action will run, for the confirmation dialog."""
        raise NotImplementedError

    # -- actions ------------------------------------------------------------------------------

    def run_action(self, action: DbAction) -> DbActionResult:
        """Runs a confirmed action on its own connection (VACUUM refuses a transaction, and a
        monitoring connection is read-only). Never raises: the result says what happened."""
        started = time.monotonic()
        engine = None
        try:
            engine = self._make_engine()
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                self._prepare_action(conn, action)
                params = dict(action.params) if action.params else None
                result = (conn.exec_driver_sql(action.statement, params) if params
                          else conn.exec_driver_sql(action.statement))
                rows = tuple(tuple("" if c is None else str(c) for c in r) for r in result.fetchall()) \
                    if result.returns_rows else ()
            return DbActionResult(action, *self._judge(action, rows), rows=rows,
                                  duration_s=time.monotonic() - started)
        except Exception as exc:  # the user sees why; nothing escapes a worker
            err = self.classify(exc)
            return DbActionResult(action, False, err.message, duration_s=time.monotonic() - started)
        finally:
            if engine is not None:
                engine.dispose()

    def _prepare_action(self, conn: Connection, action: DbAction) -> None:
        """Session settings before an action (EXPLAIN stays read-only, for one)."""

    def _judge(self, action: DbAction, rows: tuple) -> tuple[bool, str]:
        """(ok, message) from an action's result rows; pg_cancel_backend returns false when
        the session was already gone."""
        return True, _("done")


def first_line(exc: BaseException) -> str:
    """The driver's own first line, without SQLAlchemy's wrapper text and links."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
