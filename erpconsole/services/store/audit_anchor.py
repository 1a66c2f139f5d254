"""The audit trail anchored outside the store.

The hash chain alone finds a row changed or removed in the middle, but not a tail cut off, nor a
chain recomputed from the edited row on with the console's own hash function. So the head hash
and the row count are signed (HMAC-SHA256, the key in keyring: audit_key.py) into checkpoints,
and published where others keep them: the daily report, the evidence zip, the event log and
``erpconsole audit head``. ``verify`` then holds the chain against each signed checkpoint, and
against a head kept elsewhere (``--expect``): whoever can write the store but cannot read the
key, nor the auditor's copy of the head, cannot rewrite the trail without it showing.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, inspect, text

from erpconsole.i18n import _, ngettext
from erpconsole.services.store.audit import GENESIS, AuditTrail, Verification
from erpconsole.services.store.audit_key import KEY_ENV, KEY_NAME, AuditKey

# What verify found, by how bad: the command line turns each into an exit code.
OK, UNANCHORED, NO_KEY, BROKEN, MISSING, TRUNCATED, REWRITTEN, FORGED = (
    "ok", "unanchored", "no_key", "broken", "missing", "truncated", "rewritten", "forged")
EXIT_CODES = {OK: 0, UNANCHORED: 1, NO_KEY: 3, BROKEN: 2, MISSING: 2, TRUNCATED: 2,
              REWRITTEN: 2, FORGED: 2}


class AuditAnchorError(Exception):
    """The head could not be signed; the message says why and what to do. ``status`` is what
    verify found (NO_KEY when no key can be kept), ``problem`` its sentence alone."""

    def __init__(self, message: str, status: str, problem: str) -> None:
        super().__init__(message)
        self.status, self.problem = status, problem


@dataclass(frozen=True, slots=True)
class Checkpoint:
    id: int
    ts: float
    head: str
    count: int
    signature: str


@dataclass(frozen=True, slots=True)
class AnchoredVerification:
    status: str  # one of OK ... FORGED above
    message: str  # what is wrong and what to do; "" when all is well
    chain: Verification
    checkpoints: int = 0
    latest: Checkpoint | None = None  # the newest checkpoint that was checked

    @property
    def ok(self) -> bool:
        return self.status == OK


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def has_checkpoint_table(engine: Engine) -> bool:
    return inspect(engine).has_table("audit_checkpoints")


def checkpoints(engine: Engine) -> list[Checkpoint]:
    """Every checkpoint, oldest first; none in a store older than the checkpoint table."""
    if not has_checkpoint_table(engine):
        return []
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT id, ts, head, row_count, signature FROM audit_checkpoints ORDER BY id")).all()
    return [Checkpoint(int(i), float(ts), h, int(n), sig) for i, ts, h, n, sig in rows]


def verify(engine: Engine, key: AuditKey | None, expect: str | None = None) -> AnchoredVerification:
    """The chain walked once, held against every checkpoint and the ``expect``ed head."""
    marks = checkpoints(engine)
    wanted = {c.count for c in marks}
    at: dict[int, str] = {0: GENESIS}
    found_expected = [expect == GENESIS]

    def seen(position: int, digest: str) -> None:
        if position in wanted:
            at[position] = digest
        if digest == expect:
            found_expected[0] = True

    chain = AuditTrail(engine).verify(seen=seen)
    latest = marks[-1] if marks else None
    result = lambda status, message: AnchoredVerification(  # noqa: E731
        status, message, chain, len(marks), latest)
    if not chain.ok:
        return result(BROKEN, _("{reason}. {advice}").format(reason=chain.reason,
                                                              advice=broken_advice()))
    if expect is not None and not found_expected[0]:
        return result(MISSING, ngettext(
            "the head you kept, {expect}, is not in the chain any more (it now has {n} row, head "
            "{head}): rows were removed from its end, or the chain was rewritten. Restore the "
            "store from a backup taken after that head was recorded, and find out who could "
            "write to it.",
            "the head you kept, {expect}, is not in the chain any more (it now has {n} rows, head "
            "{head}): rows were removed from its end, or the chain was rewritten. Restore the "
            "store from a backup taken after that head was recorded, and find out who could "
            "write to it.", chain.count).format(expect=expect, n=chain.count, head=chain.head))
    for mark in marks:
        problem = _against_chain(mark, chain, at)
        if problem:
            return result(*problem)
    if key is not None and key.present():
        for mark in marks:
            if not key.matches(mark.head, mark.count, mark.ts, mark.signature):
                return result(FORGED, _forged(mark))
    elif marks and expect is None:
        return result(NO_KEY, _(
            "the chain is whole and holds the head of every checkpoint, but their signatures "
            "cannot be checked here: the signing key is not in this keyring ({name}) nor in "
            "{env}. Run verify where the key is kept, or give --expect the head you kept "
            "elsewhere.").format(name=KEY_NAME, env=KEY_ENV))
    if not marks and chain.count and expect is None:
        return result(UNANCHORED, _(
            "no signed checkpoint in this store: a chain recomputed from scratch would look the "
            "same. Run `erpconsole audit head` to sign one, and keep its output elsewhere."))
    return result(OK, "")


def broken_advice() -> str:
    return _("Restore the store from a backup taken before that row was touched, and find out "
             "who could write to it.")


def _against_chain(mark: Checkpoint, chain: Verification,
                   at: dict[int, str]) -> tuple[str, str] | None:
    if mark.count > chain.count:
        return TRUNCATED, ngettext(
            "checkpoint {id} of {when} signed {signed} rows, but the chain has only {n} row: rows "
            "were removed from its end. Restore the store from a backup taken after {when}, and "
            "find out who could write to it.",
            "checkpoint {id} of {when} signed {signed} rows, but the chain has only {n} rows: rows "
            "were removed from its end. Restore the store from a backup taken after {when}, and "
            "find out who could write to it.", chain.count).format(
                id=mark.id, when=_when(mark.ts), signed=mark.count, n=chain.count)
    if at.get(mark.count) != mark.head:
        return REWRITTEN, _(
            "checkpoint {id} of {when} signed head {head} at row {n}, but the chain has {found} "
            "there: the chain was recomputed after rows were changed or removed. Restore the "
            "store from a backup taken before that, and find out who could write to it.").format(
                id=mark.id, when=_when(mark.ts), head=mark.head, n=mark.count,
                found=at.get(mark.count, "?"))
    return None


def _forged(mark: Checkpoint) -> str:
    return _(
        "checkpoint {id} of {when} does not carry a signature made with the key here: it was "
        "written by someone without the key, so the chain may have been rewritten with it. "
        "Compare the head with a copy kept elsewhere (--expect), restore the store from a backup "
        "if they differ, and find out who could write to it. If the key here was replaced, put "
        "the old one back ({name} in keyring, or {env}).").format(
            id=mark.id, when=_when(mark.ts), name=KEY_NAME, env=KEY_ENV)


def checkpoint(engine: Engine, key: AuditKey, now: float | None = None) -> Checkpoint:
    """Signs the current head into a checkpoint and the event log, after verifying the chain
    and the checkpoints before it (a rewritten chain is never signed). The newest checkpoint is
    handed back when the head has not moved. AuditAnchorError says why nothing was signed."""
    from erpconsole.services.store.audit_key import AuditKeyError

    try:
        key.ensure()
    except AuditKeyError as exc:
        raise AuditAnchorError(str(exc), NO_KEY, str(exc)) from None
    found = verify(engine, key)
    if found.status not in (OK, UNANCHORED):
        raise AuditAnchorError(_("the audit trail's head was not signed: {problem}").format(
            problem=found.message), found.status, found.message)
    head, count = found.chain.head, found.chain.count
    latest = found.latest
    if latest is not None and (latest.head, latest.count) == (head, count):
        return latest
    ts = time.time() if now is None else now
    signature = key.sign(head, count, ts)
    message = ngettext("Audit trail head {head}: {n} row, signed {signature}",
                       "Audit trail head {head}: {n} rows, signed {signature}", count).format(
                           head=head, n=count, signature=signature)
    detail = json.dumps({"head": head, "rows": count, "signature": signature, "ts": repr(ts)})
    with engine.begin() as conn:
        new_id = conn.execute(text(
            "INSERT INTO audit_checkpoints (ts, head, row_count, signature) "
            "VALUES (:ts, :head, :n, :sig) RETURNING id"),
            {"ts": ts, "head": head, "n": count, "sig": signature}).scalar_one()
        conn.execute(text(
            "INSERT INTO events (ts, target, level, kind, message, detail, state) "
            "VALUES (:ts, 'audit', 'info', 'audit.head', :message, :detail, '')"),
            {"ts": ts, "message": message, "detail": detail})
    return Checkpoint(int(new_id), ts, head, count, signature)
