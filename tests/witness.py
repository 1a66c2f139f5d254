"""A collector that proves time passed with the scheduler running, for tests that assert
something did *not* happen: waiting for the witness's polls is waiting on a condition."""

from __future__ import annotations

import threading
import time

from erpconsole.services.models import HostSnapshot


class Witness:
    """Scheduled beside the target under test at the same interval: after it has polled n
    more times, n intervals went by, so a target that did not poll meanwhile was held back."""

    target = "witness"

    def __init__(self) -> None:
        self.polls = 0
        self._polled = threading.Condition()

    def collect(self) -> HostSnapshot:
        with self._polled:
            self.polls += 1
            self._polled.notify_all()
        return HostSnapshot(self.target, time.time())

    def wait_polls(self, more: int, timeout: float = 15.0) -> None:
        with self._polled:
            goal = self.polls + more
            assert self._polled.wait_for(lambda: self.polls >= goal, timeout), "witness stalled"
