"""An alert service on a real store (a SQLite file, or a PostgreSQL database made for the test),
driven by a clock the test moves: no sleeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from erpconsole.config import load_inventory
from erpconsole.services.alerts.service import AlertService
from erpconsole.services.models import Health, TargetStatus
from erpconsole.services.store.db import make_engine, migrate
from tests.services.store.conftest import pg_url  # noqa: F401 - a fixture

INVENTORY = """
[[hosts]]
name = "erp-app-1"
address = "127.0.0.1"
tags = ["prod"]

[alerts]
escalate_after_s = 900
repeat_s = 3600

[[routes]]
severity = "critical"
channels = ["oncall-mail", "hook"]
escalate_to = ["lead-dingtalk"]

[[channels]]
name = "oncall-mail"
kind = "email"
smtp_host = "127.0.0.1"
tls = "none"
from = "erpconsole@example.org"
to = ["oncall@example.org"]

[[channels]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:8099/alerts"

[[channels]]
name = "lead-dingtalk"
kind = "dingtalk"
"""


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def status(health: Health, target: str = "erp-app-1", findings=(), message: str = "connection refused"
           ) -> TargetStatus:
    return TargetStatus(target, "host", health, message if health.is_failure else "", 5.0, findings=tuple(findings))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def make_service(tmp_path: Path, store_url: str) -> Iterator[Callable[..., AlertService]]:
    made: list[AlertService] = []
    engines = []

    def make(inventory: str = INVENTORY, clock: Clock | None = None, holder: str | None = None,
             lock_ttl_s: float = 30.0) -> AlertService:
        path = tmp_path / f"inv{len(made)}.toml"
        path.write_text(inventory, encoding="utf-8")
        engine = make_engine(store_url)
        migrate(engine)
        engines.append(engine)
        service = AlertService(engine, load_inventory(path), clock=clock or Clock(), holder=holder,
                               lock_ttl_s=lock_ttl_s)
        made.append(service)
        return service

    yield make
    for service in made:
        service.stop()
    for engine in engines:
        engine.dispose()
