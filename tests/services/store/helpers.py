"""Small builders shared by the store tests."""

from __future__ import annotations

from sqlalchemy import text

from erpconsole.services.models import Sample
from erpconsole.services.store import Store


def count(store: Store, table: str, where: str = "1=1", **params) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table} WHERE {where}"), params).scalar_one())


def rows(store: Store, sql: str, **params) -> list[tuple]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def series_samples(target: str, metric: str, start: float, step: float, values, label: str = "") -> list[Sample]:
    return [Sample(target, metric, float(v), start + i * step, label) for i, v in enumerate(values)]


def watermark(store: Store, name: str) -> float | None:
    found = rows(store, "SELECT watermark FROM rollup_state WHERE name = :n", n=name)
    return found[0][0] if found else None
