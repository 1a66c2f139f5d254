"""One thread for every short deadline in the process: a call that might block past its time
arms a deadline here, and its expiry action (closing a channel or a transport) runs on this
thread. A ``threading.Timer`` per call started a thread per poll, 500 hosts at 5 s made 100
threads a second.

Cheap per call, because almost every deadline is cancelled well before its time:
- the thread stays for ``IDLE_S`` after its last deadline (ending as soon as the heap was empty
  started a new thread for nearly every poll of a fleet: about 0.3 ms of CPU each, measured);
- ``cancel()`` only marks the entry: the thread is not woken for it, it drops cancelled entries
  when it next looks (at the time of the earliest live one, or when an earlier one is armed),
  so a fleet's arm-and-cancel pairs cost a few wake-ups a second, not two a poll."""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

IDLE_S = 60.0  # the thread ends after this long with nothing armed


class Deadline:
    """What ``arm`` returns: ``cancel()`` it when the call returned in time."""

    __slots__ = ("when", "action", "cancelled", "fired", "_owner")

    def __init__(self, when: float, action: Callable[[], None], owner: Deadlines) -> None:
        self.when = when
        self.action = action
        self.cancelled = False
        self.fired = False
        self._owner = owner

    def cancel(self) -> bool:
        """True when the action will not run; False when it already began (the call timed out)."""
        return self._owner._cancel(self)


class Deadlines:
    def __init__(self, clock: Callable[[], float] = time.monotonic, idle_s: float = IDLE_S
                 ) -> None:
        self._clock = clock
        self._idle_s = idle_s
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Deadline]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._wake_at = math.inf  # when the thread will look next on its own
        self.threads_started = 0

    def arm(self, seconds: float, action: Callable[[], None]) -> Deadline:
        entry = Deadline(self._clock() + max(0.0, seconds), action, self)
        with self._cond:
            heapq.heappush(self._heap, (entry.when, next(self._seq), entry))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="deadlines", daemon=True)
                self.threads_started += 1
                self._thread.start()
            elif entry.when < self._wake_at:
                self._wake_at = entry.when  # one notify however many are armed before it wakes
                self._cond.notify()
        return entry

    def _cancel(self, entry: Deadline) -> bool:
        with self._cond:
            if not entry.fired:
                entry.cancelled = True
            return not entry.fired

    def pending(self) -> int:
        with self._cond:
            return sum(1 for _w, _s, e in self._heap if not e.cancelled)

    def _run(self) -> None:
        while (entry := self._next_due()) is not None:
            try:
                entry.action()
            except Exception:  # an expiry action must not end the thread that runs the others
                log.exception("deadline action failed")

    def _next_due(self) -> Deadline | None:
        """Waits for the next live deadline and returns it fired; None: idle too long, ended."""
        with self._cond:
            while True:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._wake_at = math.inf
                    if not self._cond.wait(self._idle_s) and not self._heap:
                        self._thread = None  # nothing to watch: the next arm starts another
                        return None
                    continue
                when, _seq, entry = self._heap[0]
                wait = when - self._clock()
                if wait <= 0:
                    heapq.heappop(self._heap)
                    entry.fired = True
                    self._wake_at = -math.inf  # busy: an arm meanwhile needs no notify
                    return entry
                self._wake_at = when
                self._cond.wait(wait)


_SHARED = Deadlines()


def arm(seconds: float, action: Callable[[], None]) -> Deadline:
    """Run ``action`` on the shared deadline thread after ``seconds`` unless cancelled first."""
    return _SHARED.arm(seconds, action)
