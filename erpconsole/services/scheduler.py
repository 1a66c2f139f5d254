"""Polls targets in two lanes of threads: targets that answered last time, and the others
(new, failing). One poll in flight per target, a late tick is skipped (not queued), a poll's
deadline counts from when it starts to run, a poll past it gives its thread up (and its
connection is aborted), failures back off with jitter (briefly for an unreachable target), and
states that need a person (auth, host keys) stop polling until ``resume()``."""

from __future__ import annotations

import heapq
import queue
import logging
import random
import threading
import time
import traceback
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Protocol

from erpconsole.services.errors import CollectorError
from erpconsole.services.lanes import Lane, Ticket
from erpconsole.i18n import _
from erpconsole.services import units
from erpconsole.services.models import Health, HealthChange, HostSnapshot, PollError, PollOutcome

log = logging.getLogger(__name__)


class Collector(Protocol):
    def collect(self) -> HostSnapshot: ...


OutcomeCallback = Callable[[PollOutcome], None]
HealthCallback = Callable[[HealthChange], None]
# How the loop sleeps until its next deadline (or a notify): tests pass a fake clock's wait.
Wait = Callable[[threading.Condition, float], object]


@dataclass
class _Target:
    name: str
    collector: Collector
    interval_s: float
    timeout_s: float
    next_due: float = 0.0
    in_flight: Ticket | None = None
    running: bool = False  # the poll in flight has begun (its deadline runs)
    started: float = 0.0
    due: float = 0.0
    timed_out: bool = False
    failures: int = 0
    health: Health = Health.PENDING
    message: str = ""
    paused: bool = False
    skipped: int = 0
    polls: int = 0
    generation: int = 0
    last_ok_ts: float | None = None
    extra: dict = field(default_factory=dict)


# Lane sizes: the answering lane grows with the fleet (threads are made only when polls wait),
# the probation lane (new and failing targets) is smaller, so dead targets wait among themselves.
ANSWERING_MAX = 128
PROBATION_MAX = 32
# An unreachable or silent target is tried again within this, so it is seen back soon after it
# can answer; other failures back off up to max_backoff_s.
REACH_BACKOFF_S = 30.0
_REACH = (Health.UNREACHABLE, Health.TIMEOUT)


class Scheduler:
    """Start with ``start()``; subscribers are called on their own thread and must not block."""

    def __init__(
        self,
        max_workers: int = 8,
        max_backoff_s: float = 300.0,
        jitter: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        wait: Wait = threading.Condition.wait,
        reach_backoff_s: float = REACH_BACKOFF_S,
    ) -> None:
        self._base_workers = max(1, max_workers)
        self._answering = Lane("ok", self._base_workers)
        self._probation = Lane("probation", max(2, self._base_workers // 2))
        self._reach_backoff = reach_backoff_s
        self._clock = clock
        self._wall = wall
        self._wait = wait
        self._max_backoff = max_backoff_s
        self._jitter = jitter
        self._targets: dict[str, _Target] = {}
        self._live: dict[int, _Target] = {}  # polls whose deadline runs, by id(): all a wake reads
        self._wake_at = 0.0  # when the loop wakes on its own: only a sooner deadline notifies
        self._heap: list[tuple[float, int, str]] = []
        self._seq = 0
        self._cond = threading.Condition()
        self._running = False
        self._thread: threading.Thread | None = None
        self._outcome_subs: list[OutcomeCallback] = []
        self._health_subs: list[HealthCallback] = []
        # Subscribers run on their own thread: hung collectors filling the pool must not
        # delay the news about everyone else.
        self._notices: queue.SimpleQueue = queue.SimpleQueue()
        self._undelivered = 0
        self._notifier: threading.Thread | None = None

    # -- configuration -------------------------------------------------------------------

    def add_target(
        self, name: str, collector: Collector, interval_s: float, timeout_s: float | None = None
    ) -> None:
        with self._cond:
            if name in self._targets:
                raise ValueError(f"target {name!r} is already scheduled")
            timeout = timeout_s if timeout_s is not None else max(1.0, min(30.0, interval_s * 2))
            t = _Target(name, collector, float(interval_s), float(timeout))
            # Spread first polls so a fleet added at once does not poll in one burst.
            self._push(t, self._clock() + random.uniform(0, min(interval_s, 1.0) * 0.5))
            self._targets[name] = t
            self._size_lanes()
            self._cond.notify()

    def remove_target(self, name: str) -> None:
        with self._cond:
            t = self._targets.pop(name, None)
            if t is not None:
                t.generation += 1
                self._live.pop(id(t), None)
                self._size_lanes()
        close = getattr(t.collector, "close", None) if t else None
        if close is not None:
            call_quietly(close)

    def _size_lanes(self) -> None:
        n = len(self._targets)
        self._answering.set_limit(min(ANSWERING_MAX, max(self._base_workers, n)))
        self._probation.set_limit(min(PROBATION_MAX, max(self._base_workers // 2, 2, n // 4)))

    def lanes(self) -> dict[str, dict[str, int]]:
        """Threads of each lane (made, waiting, stuck in a hung call, queued polls)."""
        return {"answering": self._answering.counts(), "probation": self._probation.counts()}

    def subscribe(
        self, on_outcome: OutcomeCallback | None = None, on_health: HealthCallback | None = None
    ) -> None:
        if on_outcome is not None:
            self._outcome_subs.append(on_outcome)
        if on_health is not None:
            self._health_subs.append(on_health)

    def targets(self) -> list[str]:
        with self._cond:
            return list(self._targets)

    def health(self, name: str) -> tuple[Health, str]:
        with self._cond:
            t = self._targets[name]
            return t.health, t.message

    def stats(self, name: str) -> dict[str, float]:
        with self._cond:
            t = self._targets[name]
            return {"polls": t.polls, "skipped": t.skipped, "failures": t.failures}

    def quiet(self, besides: Collection[str] = ()) -> bool:
        """No poll runs (but those of ``besides``, even past their deadline) and subscribers
        have heard all news: on a fake clock, nothing more happens until time moves."""
        with self._cond:
            running = [
                t.name for t in self._targets.values()
                if t.in_flight is not None and t.name not in besides
            ]
            idle = not running and self._undelivered == 0
        return idle and self._answering.settled() and self._probation.settled()

    # -- control -------------------------------------------------------------------------

    def start(self) -> None:
        with self._cond:
            if self._running:
                return
            self._running = True
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._notifier = threading.Thread(target=self._notify_loop, name="notify", daemon=True)
        self._thread.start()
        self._notifier.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._running = False
            self._cond.notify_all()
        self._notices.put(None)
        for thread in (self._thread, self._notifier):
            if thread is not None:
                thread.join(timeout)
        # Hung collectors may never return; do not wait for them on exit.
        self._answering.shutdown()
        self._probation.shutdown()
        for t in list(self._targets.values()):
            close = getattr(t.collector, "close", None)
            if close is not None:
                call_quietly(close)

    def resume(self, name: str) -> None:
        """Poll again after a person acted (trusted a key, fixed a password)."""
        with self._cond:
            t = self._targets.get(name)
            if t is None:
                return
            t.paused = False
            t.failures = 0
            self._push(t, self._clock())
            self._cond.notify()

    def poll_now(self, name: str) -> None:
        with self._cond:
            t = self._targets.get(name)
            if t is not None and not t.paused:
                self._push(t, self._clock())
                self._cond.notify()

    # -- the loop ------------------------------------------------------------------------

    def _push(self, t: _Target, due: float) -> None:
        t.next_due = due
        self._seq += 1
        heapq.heappush(self._heap, (due, self._seq, t.name))

    def _loop(self) -> None:
        while True:
            with self._cond:
                if not self._running:
                    return
                now = self._clock()
                expired = self._expire_timeouts(now)
                self._start_due(now)
                if not expired:
                    now = self._clock()
                    wait = self._wait_time(now)
                    self._wake_at = now + wait
                    self._wait(self._cond, wait)
                    self._wake_at = float("-inf")  # awake: no notify needed
            for t in expired:  # outside the lock: closing a socket may take a moment
                abort = getattr(t.collector, "abort", None)
                if abort is not None:
                    call_quietly(abort)

    def _wait_time(self, now: float) -> float:
        wait = 1.0
        if self._heap:
            wait = min(wait, self._heap[0][0] - now)
        for t in self._live.values():
            wait = min(wait, t.started + t.timeout_s - now)
        return max(0.0, wait)

    def _start_due(self, now: float) -> None:
        while self._heap and self._heap[0][0] <= now:
            due, _seq, name = heapq.heappop(self._heap)
            t = self._targets.get(name)
            if t is None or t.paused or due != t.next_due:
                continue  # removed, paused, or a stale heap entry from resume/poll_now
            if t.in_flight is not None:
                t.skipped += 1  # one poll in flight per target: skip the late tick
                self._push(t, self._next_cadence(t, due, now))
                continue
            self._submit(t, due, now)
            self._push(t, self._next_cadence(t, due, now))

    def _next_cadence(self, t: _Target, due: float, now: float) -> float:
        nxt = due + t.interval_s
        if nxt <= now:  # fell far behind (suspend, overload): realign instead of bursting
            nxt = now + t.interval_s
        return nxt

    def _submit(self, t: _Target, due: float, now: float) -> None:
        t.started, t.due, t.timed_out, t.running = now, due, False, False
        gen = t.generation
        # A target that answered last time polls beside the others that did; a failing one
        # waits among its kind, so dead targets cannot take the healthy ones' turn. A new one
        # has its first poll in the answering lane, which has a thread for every target: the
        # first round of a fleet with many dead targets must not hold up the live ones either.
        lane = self._answering if t.health in (Health.OK, Health.PENDING) else self._probation
        collector = t.collector
        try:
            t.in_flight = lane.submit(lambda: run_collect(collector), lambda: self._on_start(t, gen),
                                      lambda result: self._on_done(t, gen, result))
        except RuntimeError:  # lane shut down while stopping
            return

    def _on_start(self, t: _Target, gen: int) -> None:
        """The poll leaves the queue: its deadline counts from now, and so does its lag."""
        with self._cond:
            if gen == t.generation:
                t.started, t.running = self._clock(), True
                self._live[id(t)] = t
                if t.started + t.timeout_s < self._wake_at:  # the loop wakes once a second
                    self._cond.notify()

    def _expire_timeouts(self, now: float) -> list[_Target]:
        expired = []
        for t in list(self._live.values()):
            # The same sum as in _wait_time: with `now - started < timeout` a deadline reached
            # in floating point could wait 0 s and yet not expire, a busy loop.
            if now < t.started + t.timeout_s:
                continue
            del self._live[id(t)]
            # The worker cannot be killed: it is given up on (its lane makes another), its
            # connection aborted, and the poll stays "in flight" (no pile-up of threads for one
            # target) until it returns; its late result is dropped.
            t.timed_out = True
            t.in_flight._lane.abandon(t.in_flight)
            expired.append(t)
            err = PollError(
                t.name,
                Health.TIMEOUT,
                _("no answer within {seconds}; polling continues").format(seconds=units.duration(t.timeout_s)),
            )
            self._finish(t, None, err, now)
        return expired

    def _on_done(self, t: _Target, gen: int, result: tuple | None) -> None:
        if result is None:  # run_collect lets nothing escape; a lane that saw it fail says None
            result = None, PollError(t.name, Health.ERROR, _("collector failed; see the log"))
        snapshot, err = result
        with self._cond:
            t.in_flight, t.running = None, False
            self._live.pop(id(t), None)
            if t.timed_out or gen != t.generation or t.name not in self._targets:
                return
            self._finish(t, snapshot, err, self._clock())

    def _finish(
        self, t: _Target, snapshot: HostSnapshot | None, err: PollError | None, now: float
    ) -> None:
        """Update state under the lock; subscribers hear of it on the notifier thread."""
        t.polls += 1
        old = t.health
        if err is None:
            t.failures, t.health, t.message = 0, Health.OK, ""
            t.last_ok_ts = self._wall()
        else:
            t.failures += 1
            t.health, t.message = err.kind, err.message
            self._backoff(t, now)
        outcome = PollOutcome(
            t.name, t.health, snapshot, err, t.started, now - t.started, max(0.0, t.started - t.due)
        )
        change = None
        if old != t.health:
            detail = err.detail if err else ""
            change = HealthChange(t.name, old, t.health, t.message, self._wall(), detail)
        self._undelivered += 1
        self._notices.put((outcome, change))

    def _backoff(self, t: _Target, now: float) -> None:
        if t.health.needs_user:
            t.paused = True  # no lockout storms, no connecting through a changed host key
            return
        if t.failures < 2:
            return
        cap = min(self._max_backoff, self._reach_backoff) if t.health in _REACH else self._max_backoff
        delay = min(max(cap, t.interval_s), t.interval_s * 2 ** (t.failures - 1))
        delay *= 1 + random.uniform(-self._jitter, self._jitter)
        self._push(t, max(t.next_due, now + delay))

    def _notify_loop(self) -> None:
        while (item := self._notices.get()) is not None:
            self._notify(*item)
            with self._cond:
                self._undelivered -= 1

    def _notify(self, outcome: PollOutcome, change: HealthChange | None) -> None:
        if change is not None:
            for cb in self._health_subs:
                call_quietly(cb, change)
        for cb in self._outcome_subs:
            call_quietly(cb, outcome)


def run_collect(collector: Collector) -> tuple[HostSnapshot | None, PollError | None]:
    """Runs on a pool thread; no exception escapes."""
    target = getattr(collector, "target", "?")
    try:
        return collector.collect(), None
    except CollectorError as exc:
        return None, PollError(target, exc.kind, exc.message, exc.detail)
    except Exception as exc:  # noqa: BLE001 - a collector bug must not stop the others
        log.exception("collector for %s failed", target)
        message = _("collector failed: {error}").format(error=exc or type(exc).__name__)
        return None, PollError(target, Health.ERROR, message, traceback.format_exc())


def call_quietly(fn: Callable, *args: object) -> None:
    try:
        fn(*args)
    except Exception:  # noqa: BLE001 - a subscriber bug must not stop polling
        log.exception("callback %r failed", fn)
