"""A read-only connection to an inventory database for one collection of the access review.

It is opened by a collector of its own (not the live monitor's), so the review never waits
on a poll, with the same password source, read-only session and statement timeout; an error
becomes one sentence for the evidence and the UI.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

from erpconsole.config import DatabaseConfig
from erpconsole.services.databases.base import DatabaseCollector, first_line
from erpconsole.services.databases.factory import database_collector
from erpconsole.services.errors import CollectorError
from erpconsole.services.secrets import SecretStore

REVIEW_STATEMENT_TIMEOUT_MS = 15_000  # grants of a large schema take longer than a poll


@contextmanager
def read_only(cfg: DatabaseConfig, secrets: SecretStore | None = None,
              statement_timeout_ms: int = REVIEW_STATEMENT_TIMEOUT_MS
              ) -> Iterator[tuple[DatabaseCollector, Connection]]:
    """(collector, connection); closed on exit. Raises CollectorError with a user message."""
    collector = database_collector(cfg, secrets)
    collector.statement_timeout_ms = statement_timeout_ms
    try:
        try:
            conn = collector.read_only_connection()
        except CollectorError:
            raise
        except Exception as exc:
            raise collector.classify(exc) from exc
        yield collector, conn
    finally:
        collector.close()


def describe_error(collector: DatabaseCollector | None, exc: Exception) -> str:
    """One sentence for a failed read (the source is then recorded as not read in full)."""
    if isinstance(exc, CollectorError):
        return exc.message
    if collector is not None:
        return collector.classify(exc).message
    return first_line(exc)
