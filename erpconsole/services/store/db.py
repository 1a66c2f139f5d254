"""Engine set-up and migrations: SQLite pragmas for a threaded app, Alembic to head on open."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
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
