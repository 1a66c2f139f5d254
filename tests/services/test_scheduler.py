"""Scheduler behaviour with real threads and real time (short intervals)."""

from __future__ import annotations

import threading
import time

import pytest

from erpconsole.services.errors import CollectorError
from erpconsole.services.models import Health, HealthChange, HostSnapshot, PollOutcome
from erpconsole.services.scheduler import Scheduler


class Recorder:
    def __init__(self) -> None:
        self.outcomes: list[PollOutcome] = []
        self.changes: list[HealthChange] = []
        self.lock = threading.Lock()

    def on_outcome(self, o: PollOutcome) -> None:
        with self.lock:
            self.outcomes.append(o)

    def on_health(self, c: HealthChange) -> None:
        with self.lock:
            self.changes.append(c)

    def of(self, target: str) -> list[PollOutcome]:
        with self.lock:
            return [o for o in self.outcomes if o.target == target]


class Quick:
    def __init__(self, target: str) -> None:
        self.target = target
        self.calls: list[float] = []

    def collect(self) -> HostSnapshot:
        self.calls.append(time.monotonic())
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
    def __init__(self, target: str, kind: Health = Health.UNREACHABLE) -> None:
        self.target = target
        self.kind = kind
        self.calls: list[float] = []

    def collect(self) -> HostSnapshot:
        self.calls.append(time.monotonic())
        raise CollectorError(self.kind, "connection refused", "errno 111")


class Crashing:
    target = "crash"

    def collect(self) -> HostSnapshot:
        raise ZeroDivisionError("boom")


@pytest.fixture
def sched():
    s = Scheduler(max_workers=4, jitter=0.0)
    rec = Recorder()
    s.subscribe(rec.on_outcome, rec.on_health)
    yield s, rec
    s.stop()


def wait_for(pred, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


def test_polls_at_interval_and_reports_ok(sched):
    s, rec = sched
    q = Quick("a")
    s.add_target("a", q, interval_s=0.1)
    s.start()
    wait_for(lambda: len(rec.of("a")) >= 5)
    gaps = sorted(b - a for a, b in zip(q.calls, q.calls[1:]))
    # The cadence holds (median), whatever one hiccup of a loaded CI machine does to one gap.
    assert 0.07 < gaps[len(gaps) // 2] < 0.2, gaps
    assert rec.of("a")[-1].health is Health.OK
    assert rec.of("a")[-1].snapshot.cpu_percent == 1.0
    assert [(c.old, c.new) for c in rec.changes] == [(Health.PENDING, Health.OK)]


def test_hanging_collector_times_out_and_others_keep_interval(sched):
    s, rec = sched
    release = threading.Event()
    hang = Hang("hang", release)
    q = Quick("quick")
    s.add_target("hang", hang, interval_s=0.1, timeout_s=0.3)
    s.add_target("quick", q, interval_s=0.1)
    s.start()
    wait_for(lambda: any(o.health is Health.TIMEOUT for o in rec.of("hang")))
    start = len(q.calls)
    time.sleep(1.0)
    release.set()
    # The quick target kept its cadence while the other hung (10 ticks due; allow for a loaded
    # machine, but far more than a stalled scheduler would give).
    assert len(q.calls) - start >= 5
    timeout = next(o for o in rec.of("hang") if o.health is Health.TIMEOUT)
    assert "0.3 s" in timeout.error.message
    # One poll in flight per target: the hung one was not started again meanwhile.
    assert hang.calls == 1
    assert s.stats("hang")["skipped"] >= 1


def test_backoff_grows_on_repeated_failure(sched):
    s, rec = sched
    f = Failing("down")
    s.add_target("down", f, interval_s=0.05)
    s.start()
    wait_for(lambda: len(f.calls) >= 5, timeout=10)
    gaps = [b - a for a, b in zip(f.calls, f.calls[1:])]
    assert gaps[-1] > gaps[0] * 3, gaps
    assert all(b >= a * 0.9 for a, b in zip(gaps, gaps[1:])), gaps
    assert s.health("down") == (Health.UNREACHABLE, "connection refused")
    assert rec.changes[0].new is Health.UNREACHABLE and rec.changes[0].detail == "errno 111"


def test_auth_failure_stops_polling_until_resume(sched):
    s, rec = sched
    f = Failing("locked", Health.AUTH_FAILED)
    s.add_target("locked", f, interval_s=0.05)
    s.start()
    wait_for(lambda: len(f.calls) >= 1)
    time.sleep(0.4)
    assert len(f.calls) == 1  # not retried in a loop: account lockout
    s.resume("locked")
    wait_for(lambda: len(f.calls) >= 2)


def test_unexpected_exception_becomes_error_state(sched):
    s, rec = sched
    s.add_target("crash", Crashing(), interval_s=0.1)
    q = Quick("fine")
    s.add_target("fine", q, interval_s=0.1)
    s.start()
    wait_for(lambda: rec.of("crash") and len(rec.of("fine")) >= 3)
    err = rec.of("crash")[0].error
    assert err.kind is Health.ERROR
    assert "boom" in err.message and "ZeroDivisionError" in err.detail


def test_subscriber_exception_does_not_stop_polling(sched):
    s, rec = sched

    def bad(_o):
        raise RuntimeError("subscriber bug")

    s.subscribe(bad)
    s.add_target("a", Quick("a"), interval_s=0.05)
    s.start()
    wait_for(lambda: len(rec.of("a")) >= 4)


def test_remove_target_stops_its_polls(sched):
    s, rec = sched
    q = Quick("a")
    s.add_target("a", q, interval_s=0.05)
    s.start()
    wait_for(lambda: len(q.calls) >= 2)
    s.remove_target("a")
    n = len(q.calls)
    time.sleep(0.3)
    assert len(q.calls) <= n + 1
    assert s.targets() == []
