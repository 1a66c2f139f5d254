"""A lane of poll threads: made when work waits and none is free, up to a limit that can move
with the fleet, and ended after a while idle. A call past its deadline is *abandoned*: it no
longer counts against the limit, so a hung server takes one thread, never a lane's capacity.

Why not ThreadPoolExecutor: its size is fixed at birth and a hung call keeps its worker for
good; eight dead hosts were enough to stop every other poll (issue 14)."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Ticket:
    """One call in a lane: queued, then running (``on_start`` heard), then done."""

    fn: Callable[[], Any]
    on_start: Callable[[], None]
    on_done: Callable[[Any], None]
    running: bool = False
    abandoned: bool = False
    cancelled: bool = False
    _lane: Lane | None = field(default=None, repr=False)


class Lane:
    def __init__(self, name: str, limit: int, idle_s: float = 30.0) -> None:
        self.name = name
        self._limit = max(1, int(limit))
        self._idle_s = idle_s
        self._cond = threading.Condition()
        self._queue: deque[Ticket] = deque()
        self._workers = 0  # threads that count against the limit (not abandoned)
        self._waiting = 0  # of those, the ones waiting for work
        self._stuck = 0  # threads still inside an abandoned call
        self._closed = False
        self._made = 0
        # Threads on their way (made, woken, or taking a call until its on_start has run):
        # while any is, the lane is not settled (a fake clock must not move then).
        self._transit = 0

    # -- use --------------------------------------------------------------------------------

    def submit(self, fn: Callable[[], Any], on_start: Callable[[], None],
               on_done: Callable[[Any], None]) -> Ticket:
        ticket = Ticket(fn, on_start, on_done, _lane=self)
        with self._cond:
            if self._closed:
                raise RuntimeError(f"lane {self.name} is shut down")
            self._queue.append(ticket)
            self._wake_or_make()
        return ticket

    def abandon(self, ticket: Ticket) -> None:
        """The call went past its deadline: its thread stops counting, another may be made."""
        with self._cond:
            if not ticket.running or ticket.abandoned:
                return
            ticket.abandoned = True
            self._workers -= 1
            self._stuck += 1
            if self._queue:
                self._wake_or_make()

    def set_limit(self, limit: int) -> None:
        with self._cond:
            self._limit = max(1, int(limit))
            while self._queue and self._waiting == 0 and self._workers < self._limit:
                self._make()

    def shutdown(self) -> None:
        """Queued calls are dropped (``cancelled``); running ones end on their own."""
        with self._cond:
            self._closed = True
            for ticket in self._queue:
                ticket.cancelled = True
            self._queue.clear()
            self._cond.notify_all()

    def settled(self) -> bool:
        """No thread is on its way and every queued call waits for want of a thread."""
        with self._cond:
            return self._transit == 0 and (not self._queue or (self._waiting == 0 and self._workers >= self._limit))

    def counts(self) -> dict[str, int]:
        """Threads by what they do, for the benchmark and the tests."""
        with self._cond:
            return {"workers": self._workers, "waiting": self._waiting, "stuck": self._stuck,
                    "queued": len(self._queue), "limit": self._limit, "made": self._made}

    # -- threads ----------------------------------------------------------------------------

    def _wake_or_make(self) -> None:
        if self._waiting >= len(self._queue):
            self._cond.notify()
        elif self._workers < self._limit:
            self._make()

    def _make(self) -> None:
        self._workers += 1
        self._transit += 1
        self._made += 1
        threading.Thread(target=self._run, name=f"poll-{self.name}-{self._made}", daemon=True).start()

    def _run(self) -> None:
        while (ticket := self._next()) is not None:
            try:
                try:
                    ticket.on_start()
                finally:
                    with self._cond:
                        self._transit -= 1
                result = ticket.fn()
            except BaseException:  # noqa: BLE001 - the lane's thread must live on
                log.exception("a call in lane %s failed", self.name)
                result = None
            with self._cond:
                abandoned = ticket.abandoned
                ticket.running = False
                if abandoned:
                    self._stuck -= 1
                else:
                    self._transit += 1  # back for the next call
            try:
                ticket.on_done(result)
            except Exception:  # noqa: BLE001
                log.exception("a completion in lane %s failed", self.name)
            if abandoned:
                return  # a replacement was made when this one was given up on

    def _next(self) -> Ticket | None:
        """Called in transit; returns in transit with a call, or gone."""
        with self._cond:
            while not self._queue:
                if self._closed or self._workers > self._limit:
                    self._workers -= 1
                    self._transit -= 1
                    return None
                self._waiting += 1
                self._transit -= 1
                woke = self._cond.wait(self._idle_s)
                self._transit += 1
                self._waiting -= 1
                if not woke and not self._queue:  # idle a while: give the thread back
                    self._workers -= 1
                    self._transit -= 1
                    return None
            ticket = self._queue.popleft()
            ticket.running = True
            return ticket
