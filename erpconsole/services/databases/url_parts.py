"""A database URL as the dialog edits it: kind, host, port, database, user (never a password),
and back. The driver is named, as SQLAlchemy 2.1 wants (see DESIGN.md)."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DRIVERS = {"postgresql": "postgresql+psycopg", "mariadb": "mysql+pymysql", "sqlite": "sqlite"}
DEFAULT_PORTS = {"postgresql": 5432, "mariadb": 3306}


def compose_url(kind: str, host: str = "", port: int | None = None, database: str = "", user: str = "") -> str:
    """The SQLAlchemy URL of the parts; for SQLite ``database`` is the file's path."""
    if kind == "sqlite":
        return f"sqlite:///{database}"
    url = URL.create(DRIVERS[kind], username=user or None, host=host or None, port=port or None,
                     database=database or None)
    return url.render_as_string(hide_password=False)


def split_url(url: str) -> dict:
    """kind, host, port, database, user of a URL (kind "" for one the dialog cannot edit)."""
    try:
        u = make_url(url)
    except ArgumentError:
        return {"kind": "", "host": "", "port": None, "database": "", "user": ""}
    backend = u.get_backend_name()
    kind = {"postgresql": "postgresql", "mysql": "mariadb", "mariadb": "mariadb", "sqlite": "sqlite"}.get(backend, "")
    return {"kind": kind, "host": u.host or "", "port": u.port, "database": u.database or "",
            "user": u.username or ""}
