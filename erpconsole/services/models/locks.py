"""Who holds up whom: the sessions at the head of each lock queue, from the ``blocked_by`` of
one poll's sessions. The finding, ``inspect``'s JSON and the Activity tab all read these, so
they name the same session."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from erpconsole.services.models.database import DbSession

WAITING = "waiting"
# pg_blocking_pids() gives 0 for a lock held by a prepared transaction (PREPARE TRANSACTION):
# no session holds it, pg_prepared_xacts lists it.
PREPARED_XACT_PID = 0


@dataclass(frozen=True, slots=True)
class DbBlocker:
    """A session that makes others wait and waits on no one itself (the head of a queue).

    ``session`` is None when it is not among the listed sessions (a prepared transaction, a
    background worker, or no blocker known: ``pid`` None, a wait the server does not say on
    whom, like a MariaDB metadata lock without performance_schema)."""

    pid: int | None
    session: DbSession | None
    waiting: tuple[DbSession, ...]  # directly or behind another waiter

    @property
    def longest_wait_s(self) -> float:
        return max((s.duration_s or 0.0 for s in self.waiting), default=0.0)


def _heads(pid: int, by_pid: dict[int, DbSession], seen: frozenset[int] = frozenset()) -> set[int]:
    """The pids at the head of the chains ``pid`` waits on. A deadlock cycle (which the server
    breaks within a second) names the session where the walk came back round."""
    s = by_pid.get(pid)
    if s is None or not s.blocked_by:
        return {pid}
    if pid in seen:
        return {pid}
    heads: set[int] = set()
    for up in s.blocked_by:
        heads |= _heads(up, by_pid, seen | {pid})
    return heads


def is_waiting(s: DbSession) -> bool:
    return bool(s.blocked_by) or s.state == WAITING


def blockers(sessions: Iterable[DbSession]) -> tuple[DbBlocker, ...]:
    """The heads of the lock queues, the one holding up the most sessions first (then the
    longest wait); sessions waiting with no blocker known come last under ``pid`` None."""
    listed = tuple(sessions)
    by_pid = {s.pid: s for s in listed}
    queues: dict[int | None, list[DbSession]] = {}
    for s in listed:
        if s.blocked_by:
            for head in sorted(_heads(s.pid, by_pid)):
                queues.setdefault(head, []).append(s)
        elif s.state == WAITING:
            queues.setdefault(None, []).append(s)
    found = [DbBlocker(pid, by_pid.get(pid) if pid is not None else None, tuple(waiting))
             for pid, waiting in queues.items()]
    return tuple(sorted(found, key=lambda b: (b.pid is None, -len(b.waiting), -b.longest_wait_s,
                                              b.pid or 0)))
