"""Database roles and grants for the access review: one read-only connection per database,
the reader for its dialect, and an extract that records exactly what was run.

``read_database_accounts`` never raises for what a database can do to it (refuse the
connection or the login, not have the database, deny a catalog, run out of time): the
extract's ``error`` then says what is wrong and what to do, and no account is returned. A
read that lacks only a part (password state without a superuser) keeps its accounts and
says in ``note`` what is missing and which grant would fill it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.engine import make_url

from erpconsole.config import DatabaseConfig
from erpconsole.services.access import mysql_accounts, pg_accounts
from erpconsole.services.access.db_connect import REVIEW_STATEMENT_TIMEOUT_MS, describe_error, read_only
from erpconsole.services.access.models import DATABASE, Account, SourceExtract
from erpconsole.services.databases.base import DatabaseCollector, first_line
from erpconsole.services.errors import CollectorError
from erpconsole.i18n import _
from erpconsole.services.secrets import SecretStore

log = logging.getLogger(__name__)


def url_kind(url: str) -> str:
    """postgresql | mysql | mariadb as the URL names it (the server may correct mysql to
    mariadb once connected); ValueError for anything else."""
    backend = make_url(url).get_backend_name()
    if backend in ("postgresql", "mysql", "mariadb"):
        return backend
    raise ValueError(_("the access review reads roles from PostgreSQL, MySQL and MariaDB, not "
                       "{dialect}").format(dialect=backend))


def read_database_accounts(cfg: DatabaseConfig, secrets: SecretStore | None = None,
                           now: float | None = None, *,
                           statement_timeout_ms: int = REVIEW_STATEMENT_TIMEOUT_MS
                           ) -> tuple[list[Account], SourceExtract]:
    """Every role or account of ``cfg``'s server with its privileges, and how it was read."""
    ts = time.time() if now is None else now
    started = time.monotonic()
    statements: list[str] = []

    def extract(kind: str, rows: int, error: str = "", note: str = "") -> SourceExtract:
        return SourceExtract(cfg.name, DATABASE, kind, ";\n".join(statements), rows, ts,
                             time.monotonic() - started, error=error, note=note)

    try:
        kind = url_kind(cfg.url)
    except Exception as exc:  # a URL SQLAlchemy cannot parse is as wrong as a foreign dialect
        return [], extract("database", 0, error=_("{name}: {error}").format(
            name=cfg.name, error=exc if isinstance(exc, ValueError) else first_line(exc)))
    collector: DatabaseCollector | None = None
    try:
        with read_only(cfg, secrets, statement_timeout_ms) as (collector, conn):
            run = _recorder(collector, conn, statements)
            if kind == pg_accounts.KIND:
                accounts, notes = pg_accounts.read(run, cfg.name, ts)
            else:
                accounts, notes, kind = mysql_accounts.read(run, cfg.name, ts)
    except Exception as exc:
        if not isinstance(exc, CollectorError):
            log.info("access review of %s failed", cfg.name, exc_info=True)
        return [], extract(collector.kind if collector else kind, 0,
                           error=_error_sentence(cfg, collector, exc))
    return accounts, extract(kind, len(accounts), note="; ".join(notes))


def _recorder(collector: DatabaseCollector, conn, statements: list[str]) -> Callable[[str], list[tuple]]:
    """Runs one statement, noting its text first, so a failed read still shows what it ran."""
    def run(sql: str) -> list[tuple]:
        statements.append(sql)
        return collector.query(conn, sql)
    return run


def _error_sentence(cfg: DatabaseConfig, collector: DatabaseCollector | None, exc: Exception) -> str:
    message = describe_error(collector, exc)
    return _("roles of {name} not read: {error}").format(name=cfg.name, error=message)
