"""An outbox as the alerts service leaves it: the store migrated to head, rows inserted by the test."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy import Engine, insert, select

from erpconsole.config import load_inventory
from erpconsole.services.notify.outbox import OUTBOX
from erpconsole.services.store.db import make_engine, migrate

PAYLOAD = {"id": "a-7f3c", "rule": "disk_full", "target": "erp-db", "severity": "critical", "state": "firing",
           "summary": "disk / at 96%", "value": "96%", "started_at": 1_780_000_000.0, "resolved_at": None,
           "duration_s": None, "runbook": "free space: journalctl --vacuum-size=500M, then old dumps",
           "transition": "firing"}


def outbox(tmp_path: Path, url: str | None = None) -> Engine:
    engine = make_engine(url or f"sqlite:///{tmp_path / 'store.db'}")
    migrate(engine)
    return engine


def add(engine: Engine, channel: str, *, transition: str = "firing", due: float | None = None, **payload) -> int:
    body = {**PAYLOAD, "transition": transition, **payload}
    now = time.time()
    with engine.begin() as conn:
        return conn.execute(insert(OUTBOX).values(
            alert_id=body["id"], transition=transition, channel=channel, payload=json.dumps(body),
            created_at=now, attempts=0, next_try_at=now if due is None else due)).inserted_primary_key[0]


def row(engine: Engine, row_id: int):
    with engine.connect() as conn:
        return conn.execute(select(OUTBOX).where(OUTBOX.c.id == row_id)).one()


def channels(tmp_path: Path, toml: str):
    path = tmp_path / "channels.toml"
    path.write_text(toml)
    return load_inventory(path).channels
