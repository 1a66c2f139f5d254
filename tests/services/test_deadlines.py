"""The shared deadline thread: expiry actions run, cancelled ones never do, and a watchdog per
call no longer starts a thread per call."""

from __future__ import annotations

import threading
import time

from erpconsole.services.deadlines import Deadlines
from erpconsole.services.hosts.ssh_session import with_watchdog


def test_an_expired_call_is_unblocked_and_a_cancelled_one_is_not():
    d = Deadlines()
    unblock = threading.Event()
    expired = d.arm(0.05, unblock.set)
    assert unblock.wait(10), "the deadline never fired"
    assert expired.fired and not expired.cancel()
    never = threading.Event()
    kept = d.arm(0.05, never.set)
    assert kept.cancel()
    later = threading.Event()
    d.arm(0.1, later.set)  # fires after the cancelled one's time has passed
    assert later.wait(10)
    assert not never.is_set()


def test_deadlines_fire_in_order_of_their_time_not_of_arming():
    d = Deadlines()
    order: list[str] = []
    done = threading.Event()
    d.arm(0.3, lambda: (order.append("late"), done.set()))
    d.arm(0.05, lambda: order.append("early"))
    assert done.wait(10)
    assert order == ["early", "late"]


def test_a_watchdog_per_call_starts_no_thread_per_call(monkeypatch):
    """As on a fleet, calls overlap: one of them is always waiting for its reply."""
    started: list[str] = []
    start = threading.Thread.start

    def counted(self):
        started.append(self.name)
        return start(self)

    monkeypatch.setattr(threading.Thread, "start", counted)
    gate = threading.Event()
    outer = threading.Thread(target=lambda: with_watchdog(30.0, gate.set, lambda: gate.wait(30)))
    outer.start()
    for _ in range(50):
        assert with_watchdog(5.0, lambda: None, lambda: None)
    gate.set()
    outer.join(10)
    assert len(started) <= 2, started  # the caller's thread and the shared deadline thread


def test_calls_one_after_another_share_one_thread(monkeypatch):
    """One host polled every few seconds: each watchdog is armed and cancelled alone, and the
    thread has dropped it before the next one is armed. Ending the thread whenever nothing was
    armed started a new one per poll (about 0.3 ms of CPU each)."""
    started: list[str] = []
    start = threading.Thread.start

    def counted(self):
        started.append(self.name)
        return start(self)

    monkeypatch.setattr(threading.Thread, "start", counted)
    d = Deadlines()
    for _ in range(10):
        assert d.arm(0.01, lambda: None).cancel()
        end = time.monotonic() + 10
        while d._heap and time.monotonic() < end:  # noqa: SLF001 - until the thread dropped it
            with d._cond:  # noqa: SLF001
                d._cond.wait(0.01)  # noqa: SLF001
        assert not d._heap  # noqa: SLF001
    fired = threading.Event()
    d.arm(0.01, fired.set)
    assert fired.wait(10), "a deadline armed after the others did not fire"
    assert started == ["deadlines"], started


def test_with_watchdog_says_when_it_fired():
    gate = threading.Event()
    assert with_watchdog(0.05, gate.set, lambda: gate.wait(10)) is False
    assert with_watchdog(5.0, lambda: None, lambda: None) is True


def test_an_action_that_raises_does_not_stop_the_others():
    d = Deadlines()
    ran = threading.Event()

    def bad():
        raise RuntimeError("boom")

    d.arm(0.02, bad)
    d.arm(0.05, ran.set)
    assert ran.wait(10)
