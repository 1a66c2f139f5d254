"""One thread for every short deadline in the process: a call that might block past its time
arms a deadline here, and its expiry action (closing a channel or a transport) runs on this
thread. A ``threading.Timer`` per call started a thread per poll, 500 hosts at 5 s made 100
threads a second. The thread ends when nothing is armed."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


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
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Deadline]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, action: Callable[[], None]) -> Deadline:
        entry = Deadline(self._clock() + max(0.0, seconds), action, self)
        with self._cond:
            first = not self._heap or entry.when < self._heap[0][0]
            heapq.heappush(self._heap, (entry.when, next(self._seq), entry))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="deadlines", daemon=True)
                self._thread.start()
            elif first:
                self._cond.notify()
        return entry

    def _cancel(self, entry: Deadline) -> bool:
        with self._cond:
            if not entry.fired:
                entry.cancelled = True
                if self._heap and self._heap[0][2] is entry:
                    self._cond.notify()  # the thread waits for this one: let it move on or end
            return not entry.fired

    def pending(self) -> int:
        with self._cond:
            return sum(1 for _w, _s, e in self._heap if not e.cancelled)

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    while self._heap and self._heap[0][2].cancelled:
                        heapq.heappop(self._heap)
                    if not self._heap:
                        self._thread = None  # nothing to watch: the next arm starts another
                        return
                    wait = self._heap[0][0] - self._clock()
                    if wait <= 0:
                        entry = heapq.heappop(self._heap)[2]
                        if not entry.cancelled:
                            entry.fired = True
                            break
                        continue
                    self._cond.wait(wait)
            try:
                entry.action()
            except Exception:  # an expiry action must not end the thread that runs the others
                log.exception("deadline action failed")


_SHARED = Deadlines()


def arm(seconds: float, action: Callable[[], None]) -> Deadline:
    """Run ``action`` on the shared deadline thread after ``seconds`` unless cancelled first."""
    return _SHARED.arm(seconds, action)
