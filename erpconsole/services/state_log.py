"""The event log is a record, not noise: a target's state is logged when it changes, compared
against the last state the store holds for it, so a restart does not log "is ok" again nor
repeat the critical of a host that is still down."""

from __future__ import annotations

import threading
from collections.abc import Callable

from erpconsole.services.models import Event

Key = tuple[str, str]  # (kind, target)
# Builds the event for a new state, given the state before it ("" when none is known).
Build = Callable[[str], Event]


class StateLog:
    """``offer`` a change; ``record`` hears it only if the state differs from the last one.
    Until ``set_baseline`` (the store's last states, or {} without a store) changes are held,
    in order: what the store said before the restart decides whether they are news."""

    def __init__(self, record: Callable[[Event], None]) -> None:
        self._record = record
        self._lock = threading.Lock()
        self._last: dict[Key, str] | None = None
        self._held: list[tuple[str, str, str, Build]] = []

    def set_baseline(self, states: dict[Key, str]) -> None:
        with self._lock:
            self._last = dict(states)
            held, self._held = self._held, []
        for change in held:
            self.offer(*change)

    def forget(self, kind: str, target: str) -> None:
        """A target no longer watched: if it comes back, its first state is news."""
        with self._lock:
            if self._last is not None:
                self._last.pop((kind, target), None)

    def offer(self, kind: str, target: str, state: str, build: Build) -> None:
        with self._lock:
            if self._last is None:
                self._held.append((kind, target, state, build))
                return
            before = self._last.get((kind, target), "")
            if before == state:
                return
            self._last[(kind, target)] = state
        self._record(build(before))
