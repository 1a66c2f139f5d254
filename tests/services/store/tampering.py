"""What someone with write access to a SQLite store (and none to keyring) can do to the audit
trail, done with sqlite3 directly as they would: drop the guards, cut the tail, edit a row and
recompute every hash after it with the console's own hash function."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from pathlib import Path

from erpconsole.services.store.audit import GENESIS, row_hash

_GUARDS = ("audit_no_update", "audit_no_delete", "audit_checkpoints_no_update",
           "audit_checkpoints_no_delete")


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    for name in _GUARDS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    return conn


def cut_tail(path: Path, rows: int) -> None:
    with _open(path) as conn:
        conn.execute("DELETE FROM audit WHERE id IN (SELECT id FROM audit ORDER BY id DESC LIMIT ?)",
                     (rows,))
    conn.close()


def edit_and_recompute(path: Path, row_id: int, actor: str) -> str:
    """Changes one row's actor and rewrites the chain from there; returns the new head."""
    with _open(path) as conn:
        conn.execute("UPDATE audit SET actor = ? WHERE id = ?", (actor, row_id))
        prev = GENESIS
        for rid, ts, act, action, target, details in conn.execute(
                "SELECT id, ts, actor, action, target, details FROM audit ORDER BY id").fetchall():
            digest = row_hash(prev, ts, act, action, target, details)
            conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, rid))
            prev = digest
    conn.close()
    return prev


def replace_checkpoints(path: Path, head: str, count: int, ts: float, key: bytes) -> None:
    """Every checkpoint removed and one written for ``head``, signed with a key of their own."""
    from erpconsole.services.store.audit_key import _message

    signature = hmac.new(key, _message(head, count, ts), hashlib.sha256).hexdigest()
    with _open(path) as conn:
        conn.execute("DELETE FROM audit_checkpoints")
        conn.execute("INSERT INTO audit_checkpoints (ts, head, row_count, signature) VALUES (?, ?, ?, ?)",
                     (ts, head, count, signature))
    conn.close()
