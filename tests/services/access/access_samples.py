"""Accounts in every state the rules judge, for tests that need no server."""

from __future__ import annotations

import time
from datetime import date

from erpconsole.services.access.models import Account, Extraction, Person, SourceExtract

TODAY = date(2026, 11, 23)
NOW = time.mktime(TODAY.timetuple()) + 12 * 3600
DAY = 86400.0


def account(name: str, source: str = "database", system: str = "erp-db", kind: str = "postgresql",
            **fields) -> Account:
    return Account(source, system, kind, name, **fields)


def people() -> tuple[Person, ...]:
    return (
        Person("E1", "Alice Wong", ("alice",), "alice@example.com", "active"),
        Person("E2", "Bob Li", ("bob", "bli"), "bob@example.com", "left", date(2026, 9, 30)),
        Person("E3", "Carol Chen", ("carol",), "carol@example.com", "active", date(2026, 12, 31)),
    )


def extraction(accounts: list[Account], with_people: bool = True, ts: float = NOW) -> Extraction:
    systems = sorted({(a.source, a.system, a.kind) for a in accounts})
    sources = tuple(SourceExtract(system, source, kind, "SELECT rolname FROM pg_roles", 
                                  sum(1 for a in accounts if a.system == system and a.source == source), ts, 0.01)
                    for source, system, kind in systems)
    return Extraction(ts, tuple(accounts), sources, people() if with_people else ())
