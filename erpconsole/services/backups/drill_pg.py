"""A scratch PostgreSQL database for a restore drill: created empty, loaded by ``pg_restore``
(custom or directory format) or ``psql`` (plain SQL, gzipped or not), checked, dropped.

Ownership and grants are not restored (``--no-owner --no-privileges``): the drill server need
not have the production roles. A plain SQL dump cannot be told so; made without
``--no-owner``, it needs those roles on the drill server (``ON_ERROR_STOP`` stops the drill at
the first error, which is the point of a drill).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import NullPool

from erpconsole.services.backups.drill_proc import (
    PG_CUSTOM, PG_DIRECTORY, SQL_GZ, Restore, RestoreError,
)
from erpconsole.i18n import _

CONNECT_TIMEOUT_S = 10


class PgScratch:
    """One scratch database ``name`` on the server of ``server`` (a SQLAlchemy URL)."""

    kind = "postgresql"

    def __init__(self, server: URL, name: str, password: str | None, statement_timeout_s: float):
        self.server = server.set(password=password) if password else server
        self.name = name
        self.password = password
        self.timeout_ms = int(statement_timeout_s * 1000)
        self.label = f"{server.host or 'localhost'}:{server.port or 5432}/{name}"

    def _engine(self, database: str) -> Engine:
        return create_engine(self.server.set(database=database), poolclass=NullPool,
                             isolation_level="AUTOCOMMIT",
                             connect_args={"connect_timeout": CONNECT_TIMEOUT_S,
                                           "options": f"-c statement_timeout={self.timeout_ms}",
                                           "application_name": "erpconsole-drill"})

    def _admin(self, sql: str, **params) -> list[tuple]:
        engine = self._engine(self.server.database or "postgres")
        try:
            with engine.connect() as conn:
                result = conn.execute(text(sql), params)
                return [tuple(r) for r in result] if result.returns_rows else []
        finally:
            engine.dispose()

    def _quoted(self) -> str:
        return '"' + self.name.replace('"', '""') + '"'

    def create(self) -> None:
        self._admin(f"CREATE DATABASE {self._quoted()}")

    def drop(self) -> None:
        # FORCE ends the sessions a killed pg_restore may have left behind.
        self._admin(f"DROP DATABASE IF EXISTS {self._quoted()} WITH (FORCE)")

    def exists(self) -> bool:
        return bool(self._admin("SELECT 1 FROM pg_database WHERE datname = :n", n=self.name))

    def connect(self) -> tuple[Engine, Connection]:
        """A connection to the scratch copy for the checks (caller closes both)."""
        engine = self._engine(self.name)
        return engine, engine.connect()

    def env(self) -> dict[str, str]:
        env = {"PGDATABASE": self.name, "PGCONNECT_TIMEOUT": str(CONNECT_TIMEOUT_S),
               "PGAPPNAME": "erpconsole-drill"}
        for key, value in (("PGHOST", self.server.host), ("PGPORT", self.server.port),
                           ("PGUSER", self.server.username), ("PGPASSWORD", self.password)):
            if value:
                env[key] = str(value)
        return env

    def restore(self, path: Path, fmt: str) -> Restore:
        if fmt in (PG_CUSTOM, PG_DIRECTORY):
            return Restore(((_tool("pg_restore"), "--no-owner", "--no-privileges",
                             "--exit-on-error", "--dbname", self.name, str(path)),),
                           self.env(), watch_path=str(path))
        psql = (_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname", self.name)
        if fmt == SQL_GZ:
            return Restore(((_tool("gzip"), "-dc"), psql), self.env(), stdin_path=str(path),
                           watch_path=str(path))
        return Restore((psql + ("-f", str(path)),), self.env(), watch_path=str(path))


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RestoreError(_("{tool} is not installed on this workstation; install the "
                             "PostgreSQL client tools (postgresql-client)").format(tool=name))
    return found
