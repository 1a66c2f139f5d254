"""A scratch MariaDB / MySQL schema for a restore drill: created empty, loaded by the
``mariadb`` (or ``mysql``) client from a ``.sql`` or ``.sql.gz`` dump, checked, dropped.

The client runs with ``--one-database``: should a dump switch schema after all, its statements
for any other schema are ignored rather than written into the source.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import NullPool

from erpconsole.services.backups.drill_proc import SQL_GZ, SQL, Restore, RestoreError
from erpconsole.i18n import _

CONNECT_TIMEOUT_S = 10
LOCK_WAIT_S = 60  # DROP waits on locks a killed client's session may still hold


class MySqlScratch:
    """One scratch schema ``name`` on the server of ``server`` (a SQLAlchemy URL)."""

    kind = "mysql"

    def __init__(self, server: URL, name: str, password: str | None, statement_timeout_s: float):
        self.server = server.set(password=password) if password else server
        self.name = name
        self.password = password
        self.timeout_s = int(statement_timeout_s)
        self.label = f"{server.host or 'localhost'}:{server.port or 3306}/{name}"

    def _engine(self, database: str | None) -> Engine:
        return create_engine(self.server.set(database=database), poolclass=NullPool,
                             isolation_level="AUTOCOMMIT",
                             connect_args={"connect_timeout": CONNECT_TIMEOUT_S,
                                           "read_timeout": self.timeout_s,
                                           "write_timeout": self.timeout_s})

    def _admin(self, *statements: tuple[str, dict]) -> list[tuple]:
        engine = self._engine(None)
        rows: list[tuple] = []
        try:
            with engine.connect() as conn:
                for sql, params in statements:
                    result = conn.execute(text(sql), params)
                    rows = [tuple(r) for r in result] if result.returns_rows else []
            return rows
        finally:
            engine.dispose()

    def _quoted(self) -> str:
        return "`" + self.name.replace("`", "``") + "`"

    def create(self) -> None:
        self._admin((f"CREATE DATABASE {self._quoted()}", {}))

    def drop(self) -> None:
        sessions = self._admin(("SELECT id FROM information_schema.processlist WHERE db = :n "
                                "AND id <> CONNECTION_ID()", {"n": self.name}))
        kills = [(f"KILL {int(row[0])}", {}) for row in sessions]
        for kill in kills:
            try:
                self._admin(kill)
            except Exception:  # the session ended between the two statements
                pass
        self._admin((f"SET SESSION lock_wait_timeout = {LOCK_WAIT_S}", {}),
                    (f"DROP DATABASE IF EXISTS {self._quoted()}", {}))

    def exists(self) -> bool:
        return bool(self._admin(("SELECT 1 FROM information_schema.schemata "
                                 "WHERE schema_name = :n", {"n": self.name})))

    def connect(self) -> tuple[Engine, Connection]:
        engine = self._engine(self.name)
        return engine, engine.connect()

    def env(self) -> dict[str, str]:
        return {"MYSQL_PWD": self.password} if self.password else {}

    def restore(self, path: Path, fmt: str) -> Restore:
        if fmt not in (SQL, SQL_GZ):
            raise RestoreError(_("{path} is a PostgreSQL dump; it cannot be restored into "
                                 "MariaDB / MySQL. Point drill_target at a PostgreSQL server"
                                 ).format(path=path.name))
        client = [_client(), "--batch", "--one-database"]
        if self.server.host:
            client += ["--host", self.server.host, "--port", str(self.server.port or 3306)]
        if self.server.username:
            client += ["--user", self.server.username]
        client.append(self.name)
        if fmt == SQL_GZ:
            return Restore(((_gzip(), "-dc"), tuple(client)), self.env(), stdin_path=str(path),
                           watch_path=str(path))
        return Restore((tuple(client),), self.env(), stdin_path=str(path), watch_path=str(path))


def _client() -> str:
    found = shutil.which("mariadb") or shutil.which("mysql")
    if found is None:
        raise RestoreError(_("neither mariadb nor mysql is installed on this workstation; "
                             "install the MariaDB client (mariadb-client)"))
    return found


def _gzip() -> str:
    found = shutil.which("gzip")
    if found is None:
        raise RestoreError(_("gzip is not installed on this workstation; install gzip"))
    return found
