"""The audit trail: who did what, when, to which target, and how it ended.

Each row's hash is SHA-256 over the previous row's hash and the row's own canonical content,
so changing, removing or reordering any row breaks every hash after it. Secrets never enter:
details are checked for secret-looking keys before they are written.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, exc as sa_exc, text

from erpconsole.i18n import _
from erpconsole.services.models import AuditEntry

GENESIS = "0" * 64
_SECRET_KEYS = ("password", "passwd", "secret", "token", "passphrase")
_RETRIES = 5


def default_actor() -> str:
    """user@machine of whoever runs the console (the OS login, not a claim typed in)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def canonical(ts: float, actor: str, action: str, target: str, details: str) -> str:
    # repr of a float round-trips exactly, so the hash can be recomputed from the stored row.
    return json.dumps([repr(float(ts)), actor, action, target, details], ensure_ascii=False,
                      separators=(",", ":"))


def row_hash(prev_hash: str, ts: float, actor: str, action: str, target: str, details: str) -> str:
    content = canonical(ts, actor, action, target, details)
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def _details_json(details: Mapping[str, Any]) -> str:
    for key in details:
        if any(word in key.lower() for word in _SECRET_KEYS):
            raise ValueError(_("audit details may not hold a secret ({key})").format(key=key))
    return json.dumps(details, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    count: int
    head: str
    broken_id: int | None = None
    reason: str = ""


class AuditTrail:
    """Append and read the chain; safe from any thread and from several processes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()

    def append(self, action: str, target: str, details: Mapping[str, Any] | None = None,
               actor: str | None = None, ts: float | None = None) -> AuditEntry:
        actor = actor or default_actor()
        body = _details_json(details or {})
        with self._lock:
            for attempt in range(_RETRIES):
                try:
                    return self._append_once(ts if ts is not None else time.time(), actor, action,
                                             target, body)
                except sa_exc.IntegrityError:
                    # Another process appended on the same head: take the new head and retry.
                    if attempt == _RETRIES - 1:
                        raise
        raise AssertionError("unreachable")

    def _append_once(self, ts: float, actor: str, action: str, target: str, body: str) -> AuditEntry:
        with self.engine.begin() as conn:
            head = conn.execute(text("SELECT hash FROM audit ORDER BY id DESC LIMIT 1")).scalar()
            prev = head or GENESIS
            digest = row_hash(prev, ts, actor, action, target, body)
            new_id = conn.execute(text(
                "INSERT INTO audit (ts, actor, action, target, details, prev_hash, hash) "
                "VALUES (:ts, :actor, :action, :target, :details, :prev, :hash) RETURNING id"),
                {"ts": ts, "actor": actor, "action": action, "target": target, "details": body,
                 "prev": prev, "hash": digest}).scalar_one()
        return AuditEntry(int(new_id), ts, actor, action, target, body, prev, digest)

    def entries(self, limit: int = 1000, target: str | None = None) -> list[AuditEntry]:
        """The newest ``limit`` rows, newest first."""
        sql = "SELECT id, ts, actor, action, target, details, prev_hash, hash FROM audit"
        params: dict[str, Any] = {"limit": limit}
        if target is not None:
            sql += " WHERE target = :target"
            params["target"] = target
        sql += " ORDER BY id DESC LIMIT :limit"
        with self.engine.connect() as conn:
            return [AuditEntry(*row) for row in conn.execute(text(sql), params)]

    def verify(self, batch: int = 5000,
               seen: Callable[[int, str], None] | None = None) -> Verification:
        """Walks the whole chain in id order; the first row that does not fit is reported.
        ``seen(position, hash)`` is told of every row that fits (position 1 is the first row)."""
        prev, count, last_id = GENESIS, 0, 0
        with self.engine.connect() as conn:
            while True:
                rows = conn.execute(text(
                    "SELECT id, ts, actor, action, target, details, prev_hash, hash FROM audit "
                    "WHERE id > :after ORDER BY id LIMIT :n"), {"after": last_id, "n": batch}).all()
                if not rows:
                    return Verification(True, count, prev)
                for row in rows:
                    entry = AuditEntry(*row)
                    problem = _check_row(entry, prev)
                    if problem:
                        return Verification(False, count, prev, entry.id, problem)
                    prev, count, last_id = entry.hash, count + 1, entry.id
                    if seen is not None:
                        seen(count, prev)


def _check_row(entry: AuditEntry, prev: str) -> str:
    if entry.prev_hash != prev:
        return _("row {id} does not follow the row before it (a row was removed, inserted or "
                 "reordered)").format(id=entry.id)
    expected = row_hash(prev, entry.ts, entry.actor, entry.action, entry.target, entry.details)
    if entry.hash != expected:
        return _("row {id} was changed after it was written (its content no longer matches "
                 "its hash)").format(id=entry.id)
    return ""
