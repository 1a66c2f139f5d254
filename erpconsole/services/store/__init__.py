"""Metric history and the event log: SQLAlchemy 2 over SQLite or PostgreSQL, Alembic
migrations, rollups and retention, and the single writer thread. No Qt here."""

from erpconsole.services.store.history import Resolution
from erpconsole.services.store.rollup import StorePolicy
from erpconsole.services.store.store import Store
from erpconsole.services.store.writer import StoreWriter

__all__ = ["Resolution", "Store", "StorePolicy", "StoreWriter"]
