"""Extractions to JSON and back: one collection is kept as it was read, for the evidence."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from datetime import date
from typing import Any

from erpconsole.services.access.models import Account, Extraction, Person, SourceExtract


def _tupled(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tupled(v) for v in value)
    return value


def _build(cls: type, raw: dict[str, Any]) -> Any:
    # Unknown keys (from a newer console) are dropped; missing ones take their defaults.
    names = {f.name for f in fields(cls)}
    return cls(**{k: _tupled(v) for k, v in raw.items() if k in names})


def _person(raw: dict[str, Any]) -> Person:
    end = raw.get("end_date")
    return _build(Person, {**raw, "end_date": date.fromisoformat(end) if end else None})


def dumps(extraction: Extraction) -> str:
    return json.dumps(asdict(extraction), ensure_ascii=False, separators=(",", ":"), default=str)


def loads(text: str) -> Extraction:
    raw = json.loads(text)
    return Extraction(
        ts=float(raw["ts"]),
        accounts=tuple(_build(Account, a) for a in raw.get("accounts", ())),
        sources=tuple(_build(SourceExtract, s) for s in raw.get("sources", ())),
        people=tuple(_person(p) for p in raw.get("people", ())),
    )
