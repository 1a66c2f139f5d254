"""Engine set-up and migrations: SQLite pragmas for a threaded app, Alembic to head on open."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool, StaticPool

from erpconsole.services.store_location import default_store_url  # noqa: F401 - callers import it from here too

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
APP_NAME = "erpconsole"
BUSY_TIMEOUT_MS = 5000


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and synchronous=NORMAL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # A shared store that went away must fail in seconds, not after the TCP timeout.
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database in (None, "", ":memory:"):
        # One shared connection, or every thread would see its own empty database.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_read_only_engine(url: str) -> Engine:
    """An engine that cannot write: a store on read-only media, or one an auditor was handed.

    SQLite opens with ``mode=ro`` (and ``immutable=1`` where the file or its folder cannot be
    written, as no -shm or -wal file can be made beside it), with no WAL switch and nothing
    created; PostgreSQL runs every transaction read-only. FileNotFoundError when there is no
    SQLite file at all."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True, connect_args={
            "connect_timeout": 5, "options": "-c default_transaction_read_only=on"})
    if backend != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database in (None, "", ":memory:"):
        raise FileNotFoundError(":memory:")
    path = Path(parsed.database).expanduser().resolve()
    if not path.is_file():
        raise FileNotFoundError(str(path))
    uri = f"{path.as_uri()}?mode=ro"
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        uri += "&immutable=1"

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return conn

    return create_engine("sqlite://", creator=connect, poolclass=NullPool)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets the history reader run while the writer commits; NORMAL is crash-safe in WAL
    # (a power cut may lose the last commits, never corrupt the file).
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def migrate(engine: Engine) -> None:
    """Upgrade to head on one connection, in one transaction."""
    cfg = alembic_config()
    with engine.begin() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        if current == head_revision():
            return
        log.info("migrating store from %s to %s", current, head_revision())
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def placeholders(engine: Engine, sql: str) -> str:
    """Turn the ``?`` placeholders of our raw SQL into the driver's paramstyle."""
    style = engine.dialect.paramstyle
    if style == "qmark":
        return sql
    if style in ("format", "pyformat"):
        return sql.replace("?", "%s")
    raise ValueError(f"unsupported paramstyle {style}")
