"""Scheduler behaviour on a fake clock that the test moves (exact and fast), and with real time
where what is tested is concurrency: a hung collector must not hold up the others' news."""

from __future__ import annotations

import math
import threading
import time

import pytest

from erpconsole.services.errors import CollectorError
from erpconsole.services.models import Health, HealthChange, HostSnapshot, PollOutcome
from erpconsole.services.scheduler import Scheduler

SETTLE_S = 5.0  # real seconds a step may take on a loaded machine before the test fails


class FakeClock:
    """Monotonic time that moves only in ``run_until``, jumping from one of the scheduler's
    deadlines to the next. Before each jump it waits (real time, bounded) until the loop is
    back in its wait and the scheduler is quiet, so each poll starts exactly when due."""

    def __init__(self) -> None:
        self.t = 0.0
        self._cond: threading.Condition | None = None
        self._deadline = math.inf
        self._entries = 0
        self._waiting = False
        self._entered = threading.Condition()

    def now(self) -> float:
        return self.t

    def wait(self, cond: threading.Condition, timeout: float) -> None:
        self._cond, self._deadline = cond, self.t + timeout
        self._entries += 1
        self._waiting = True
        with self._entered:
            self._entered.notify_all()
        try:
            # A notify (a poll done, time moved) ends the wait. The real timeout is only a
            # safety net: the loop then finds the time unchanged and waits again.
            cond.wait(1.0)
        finally:
            self._waiting = False

    def run_until(self, until: float, quiet) -> None:
        self._settle(quiet, after=0)
        while True:
            with self._cond:
                self.t = max(self.t, min(self._deadline, until))
                mark = self._entries
                self._cond.notify_all()
            self._settle(quiet, after=mark)
            if self.t >= until:
                return

    def _settle(self, quiet, after: int) -> None:
        end = time.monotonic() + SETTLE_S
        while time.monotonic() < end:
            if self._cond is not None:
                with self._cond:  # held: the loop is in its wait or has not reached it
                    if self._waiting and self._entries > after and quiet():
                        return
            with self._entered:
                self._entered.wait(0.01)
        raise AssertionError(f"the scheduler did not settle at t={self.t}")


class Recorder:
    def __init__(self) -> None:
        self.outcomes: list[PollOutcome] = []
        self.changes: list[HealthChange] = []
        self.lock = threading.RLock()
        self.heard = threading.Condition(self.lock)

    def on_outcome(self, o: PollOutcome) -> None:
        with self.lock:
            self.outcomes.append(o)
            self.heard.notify_all()

    def on_health(self, c: HealthChange) -> None:
        with self.lock:
            self.changes.append(c)

    def of(self, target: str) -> list[PollOutcome]:
        with self.lock:
            return [o for o in self.outcomes if o.target == target]

    def wait_for(self, pred, timeout: float = SETTLE_S) -> None:
        with self.heard:
            assert self.heard.wait_for(pred, timeout), "not heard in time"


class Quick:
    def __init__(self, target: str, clock=time.monotonic) -> None:
        self.target = target
        self.clock = clock
        self.calls: list[float] = []

    def collect(self) -> HostSnapshot:
        self.calls.append(self.clock())
        return HostSnapshot(self.target, time.time(), cpu_percent=1.0)


class Hang:
    def __init__(self, target: str, release: threading.Event) -> None:
        self.target = target
        self.release = release
        self.calls = 0

    def collect(self) -> HostSnapshot:
        self.calls += 1
        self.release.wait(30)
        return HostSnapshot(self.target, time.time())


class Failing:
    def __init__(self, target: str, clock, kind: Health = Health.UNREACHABLE) -> None:
        self.target = target
        self.clock = clock
        self.kind = kind
        self.calls: list[float] = []

    def collect(self) -> HostSnapshot:
        self.calls.append(self.clock())
        raise CollectorError(self.kind, "connection refused", "errno 111")


class Crashing:
    target = "crash"

    def collect(self) -> HostSnapshot:
        raise ZeroDivisionError("boom")


@pytest.fixture
def release():
    """Set at teardown too, so a hung collector's pool thread ends with the test."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def fake():
    clock = FakeClock()
    s = Scheduler(max_workers=4, jitter=0.0, clock=clock.now, wait=clock.wait)
    rec = Recorder()
    s.subscribe(rec.on_outcome, rec.on_health)
    yield s, rec, clock
    s.stop()


def ticks(first: float, interval: float, until: float) -> list[float]:
    """Due times from the first poll on. The tests stop the clock between two ticks (the first
    poll comes within half an interval), so float sums never decide a tick's side."""
    return [first + k * interval for k in range(int((until - first) / interval + 1e-9) + 1)]


def test_polls_at_interval_and_reports_ok(fake):
    s, rec, clock = fake
    q = Quick("a", clock.now)
    s.add_target("a", q, interval_s=0.1)
    s.start()
    clock.run_until(1.075, s.quiet)
    # The first poll is spread over the first half interval, then the cadence is exact.
    assert 0.0 <= q.calls[0] <= 0.05
    assert q.calls == pytest.approx(ticks(q.calls[0], 0.1, 1.075))
    assert [o.lag_s for o in rec.of("a")] == [0.0] * len(q.calls)
    assert rec.of("a")[-1].health is Health.OK
    assert rec.of("a")[-1].snapshot.cpu_percent == 1.0
    assert [(c.old, c.new) for c in rec.changes] == [(Health.PENDING, Health.OK)]


def test_hanging_collector_times_out_and_others_keep_interval(fake, release):
    s, rec, clock = fake
    hang = Hang("hang", release)
    q = Quick("quick", clock.now)
    s.add_target("hang", hang, interval_s=0.1, timeout_s=0.3)
    s.add_target("quick", q, interval_s=0.1)
    s.start()
    clock.run_until(2.075, lambda: s.quiet(besides={"hang"}))
    # The quick target kept its exact cadence while the other hung.
    assert q.calls == pytest.approx(ticks(q.calls[0], 0.1, 2.075))
    outs = rec.of("hang")
    assert len(outs) == 1, [(o.health, o.started_mono, o.duration_s) for o in outs]
    [timeout] = outs
    assert timeout.health is Health.TIMEOUT and "0.3 s" in timeout.error.message
    assert timeout.duration_s == pytest.approx(0.3)
    # One poll in flight per target: every later tick of the hung one was skipped.
    assert hang.calls == 1
    assert s.stats("hang")["skipped"] == len(ticks(timeout.started_mono, 0.1, 2.075)) - 1
    release.set()
    clock.run_until(2.175, s.quiet)
    assert hang.calls == 2  # its late answer was dropped; the next tick polls again
    assert [o.health for o in rec.of("hang")] == [Health.TIMEOUT, Health.OK]


def test_hanging_collector_does_not_hold_up_the_others_news(release):
    """Real time and threads: the hung poll holds a pool thread, not the loop or notifier."""
    s = Scheduler(max_workers=2, jitter=0.0)
    rec = Recorder()
    s.subscribe(rec.on_outcome, rec.on_health)
    hang = Hang("hang", release)
    s.add_target("hang", hang, interval_s=0.05, timeout_s=30)
    s.add_target("quick", Quick("quick"), interval_s=0.05)
    try:
        s.start()
        rec.wait_for(lambda: hang.calls == 1 and len(rec.of("quick")) >= 5)
        assert rec.of("hang") == []  # still hanging, not timed out, while the news came
    finally:
        release.set()
        s.stop()


def test_backoff_grows_on_repeated_failure(fake):
    s, rec, clock = fake
    f = Failing("down", clock.now)
    s.add_target("down", f, interval_s=0.05)
    s.start()
    clock.run_until(1.6, s.quiet)
    gaps = [b - a for a, b in zip(f.calls, f.calls[1:])]
    # The first failure keeps the cadence; from the second on the delay doubles.
    assert gaps[:4] == pytest.approx([0.05, 0.1, 0.2, 0.4])
    assert s.health("down") == (Health.UNREACHABLE, "connection refused")
    assert rec.changes[0].new is Health.UNREACHABLE and rec.changes[0].detail == "errno 111"


def test_backoff_is_capped():
    clock = FakeClock()
    s2 = Scheduler(max_backoff_s=0.2, jitter=0.0, clock=clock.now, wait=clock.wait)
    f = Failing("down", clock.now)
    s2.add_target("down", f, interval_s=0.05)
    try:
        s2.start()
        clock.run_until(2.0, s2.quiet)
    finally:
        s2.stop()
    gaps = [b - a for a, b in zip(f.calls, f.calls[1:])]
    assert gaps[:3] == pytest.approx([0.05, 0.1, 0.2]) and len(gaps) > 5
    assert gaps[3:] == pytest.approx([0.2] * (len(gaps) - 3))


def test_auth_failure_stops_polling_until_resume(fake):
    s, rec, clock = fake
    f = Failing("locked", clock.now, Health.AUTH_FAILED)
    s.add_target("locked", f, interval_s=0.05)
    s.start()
    clock.run_until(5.0, s.quiet)
    assert len(f.calls) == 1  # not retried in a loop: account lockout
    s.resume("locked")
    clock.run_until(5.0, s.quiet)
    assert f.calls[1:] == [5.0]


def test_unexpected_exception_becomes_error_state(fake):
    s, rec, clock = fake
    s.add_target("crash", Crashing(), interval_s=0.1)
    q = Quick("fine", clock.now)
    s.add_target("fine", q, interval_s=0.1)
    s.start()
    clock.run_until(0.575, s.quiet)
    err = rec.of("crash")[0].error
    assert err.kind is Health.ERROR
    assert "boom" in err.message and "ZeroDivisionError" in err.detail
    assert q.calls == pytest.approx(ticks(q.calls[0], 0.1, 0.575))


def test_subscriber_exception_does_not_stop_polling(fake):
    s, rec, clock = fake

    def bad(_o):
        raise RuntimeError("subscriber bug")

    s.subscribe(bad)
    q = Quick("a", clock.now)
    s.add_target("a", q, interval_s=0.05)
    s.start()
    clock.run_until(0.5375, s.quiet)
    assert len(rec.of("a")) == len(q.calls) == len(ticks(q.calls[0], 0.05, 0.5375))


def test_remove_target_stops_its_polls(fake):
    s, rec, clock = fake
    q = Quick("a", clock.now)
    s.add_target("a", q, interval_s=0.05)
    s.start()
    clock.run_until(0.2375, s.quiet)
    n = len(q.calls)
    assert n >= 3
    s.remove_target("a")
    clock.run_until(1.0, s.quiet)
    assert len(q.calls) == n
    assert s.targets() == []


def test_hung_targets_beyond_the_threads_do_not_delay_an_answering_one(fake, release):
    """Ten hung targets and four threads: before lanes, the hung ones held every worker and the
    quick one stopped; now they wait among themselves and each gives its thread up at its
    deadline, counted from when it started to run, not from when it was queued."""
    s, rec, clock = fake
    hangs = {f"hang-{i}": Hang(f"hang-{i}", release) for i in range(10)}
    q = Quick("quick", clock.now)
    s.add_target("quick", q, interval_s=0.1)
    s.start()
    clock.run_until(0.075, s.quiet)  # the quick one has answered once: it is in the answering lane
    for name, hang in hangs.items():
        s.add_target(name, hang, interval_s=0.1, timeout_s=0.3)
    clock.run_until(3.075, lambda: s.quiet(besides=set(hangs)))
    assert q.calls == pytest.approx(ticks(q.calls[0], 0.1, 3.075))
    assert max(o.lag_s for o in rec.of("quick")) == 0.0
    for name, hang in hangs.items():
        assert hang.calls == 1, name
        [timeout] = rec.of(name)
        assert timeout.health is Health.TIMEOUT
        assert timeout.duration_s == pytest.approx(0.3), name  # from its start, however long it queued
    assert sum(lane["stuck"] for lane in s.lanes().values()) == 10


def test_an_unreachable_target_is_retried_soon_and_other_failures_back_off_longer():
    clock = FakeClock()
    s2 = Scheduler(max_backoff_s=1.0, reach_backoff_s=0.2, jitter=0.0, clock=clock.now, wait=clock.wait)
    down = Failing("down", clock.now, Health.UNREACHABLE)
    broken = Failing("broken", clock.now, Health.PARSE_ERROR)
    s2.add_target("down", down, interval_s=0.05)
    s2.add_target("broken", broken, interval_s=0.05)
    try:
        s2.start()
        clock.run_until(6.0, s2.quiet)
    finally:
        s2.stop()
    down_gaps = [b - a for a, b in zip(down.calls, down.calls[1:])]
    broken_gaps = [b - a for a, b in zip(broken.calls, broken.calls[1:])]
    assert max(down_gaps) == pytest.approx(0.2)
    assert max(broken_gaps) == pytest.approx(1.0)


def test_a_poll_starting_and_ending_does_not_wake_the_loop():
    """The loop wakes when a poll is due or a deadline passes; a poll that starts (its deadline
    is later than the loop's next wake-up) or ends need not wake it. Each of those woke it, and
    each wake-up looked at every target: 500 hosts made that a third of the scheduler's CPU."""
    wakes = []

    def counted(cond: threading.Condition, timeout: float) -> None:
        wakes.append(timeout)
        cond.wait(timeout)

    s = Scheduler(max_workers=4, wait=counted)
    rec = Recorder()
    s.subscribe(rec.on_outcome)
    for i in range(20):
        s.add_target(f"t{i}", Quick(f"t{i}"), interval_s=0.5, timeout_s=2.0)
    s.start()
    try:
        rec.wait_for(lambda: len(rec.outcomes) >= 200, timeout=30)
        polls, loops = len(rec.outcomes), len(wakes)
    finally:
        s.stop()
    assert loops < 1.3 * polls, (loops, polls)  # one per due poll, and a few more
