"""Which collector watches which ``[[databases]]`` entry, chosen by the URL's dialect."""

from __future__ import annotations

from typing import TYPE_CHECKING

from erpconsole.config import DatabaseConfig, Inventory
from erpconsole.i18n import _
from erpconsole.services.models import DbThresholds

if TYPE_CHECKING:  # SQLAlchemy loads with the first database watched, not with the window
    from erpconsole.services.databases.base import DatabaseCollector
    from erpconsole.services.secrets import SecretStore

DbTarget = tuple[str, "DatabaseCollector", float, float | None, DbThresholds]


def database_collector(cfg: DatabaseConfig, secrets: SecretStore | None = None) -> DatabaseCollector:
    from sqlalchemy.engine import make_url

    dialect = make_url(cfg.url).get_backend_name()
    if dialect == "postgresql":
        from erpconsole.services.databases.postgres import PostgresCollector

        return PostgresCollector(cfg, secrets)
    if dialect in ("mysql", "mariadb"):
        from erpconsole.services.databases.mysql import MySQLCollector

        return MySQLCollector(cfg, secrets)
    if dialect == "sqlite":
        from erpconsole.services.databases.sqlite import SQLiteCollector

        return SQLiteCollector(cfg, secrets)
    raise ValueError(_("{name}: no collector for {dialect} databases (PostgreSQL, MySQL, MariaDB "
                       "and SQLite are watched)").format(name=cfg.name, dialect=dialect))


def database_target(cfg: DatabaseConfig, secrets: SecretStore | None = None) -> DbTarget:
    """(name, collector, interval, timeout, thresholds) for one database."""
    return cfg.name, database_collector(cfg, secrets), cfg.interval_s, cfg.timeout_s, cfg.thresholds


def database_targets(inv: Inventory, secrets: SecretStore | None = None) -> list[DbTarget]:
    return [database_target(d, secrets) for d in inv.databases]
