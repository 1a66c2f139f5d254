"""The store's named lease, on SQLite and on the machine's PostgreSQL: one holder at a time,
renewed by the holder, taken over by another once it lapsed, given up at a clean stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from erpconsole.services.store import Store
from erpconsole.services.store.lock import RULES, StoreLease, default_holder

from .helpers import rows


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, store_url) -> Iterator[Store]:
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else store_url
    store = Store(url)
    yield store
    store.close()


def wait_for(condition, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_one_holder_until_it_lapses_then_the_other_takes_over(any_store: Store) -> None:
    first = StoreLease(any_store.engine, RULES, "ops@agent-a:100", ttl_s=1.0)
    second = StoreLease(any_store.engine, RULES, "ops@agent-b:200", ttl_s=1.0)

    assert first.try_acquire() and first.held
    assert not second.try_acquire() and not second.held
    seen = second.current()
    assert seen is not None and seen.holder == "ops@agent-a:100" and 0 < seen.remaining_s <= 1.0
    assert first.try_acquire()  # renewed by its holder
    assert rows(any_store, "SELECT name, holder FROM alert_lock") == [("rules", "ops@agent-a:100")]

    # The first stops renewing (killed): the second gets it once the lease has lapsed, not before.
    lapsed_at = time.monotonic() + 1.0
    assert wait_for(second.try_acquire)
    assert time.monotonic() >= lapsed_at - 0.1
    assert rows(any_store, "SELECT holder FROM alert_lock") == [("ops@agent-b:200",)]
    assert not first.try_acquire() and not first.held  # the old holder learns it lost it


def test_a_clean_stop_hands_over_at_once(any_store: Store) -> None:
    first = StoreLease(any_store.engine, RULES, "ops@agent-a:100", ttl_s=60.0)
    second = StoreLease(any_store.engine, RULES, "ops@agent-b:200", ttl_s=60.0)
    assert first.try_acquire()
    assert not second.try_acquire()

    assert first.release() and not first.held
    assert second.current() is None
    assert second.try_acquire()
    assert not first.release()  # no longer its to give up


def test_holders_racing_for_a_new_lease_get_one_winner(any_store: Store) -> None:
    leases = [StoreLease(any_store.engine, "race", f"ops@agent-{i}:{i}", ttl_s=30.0) for i in range(8)]
    start = threading.Barrier(len(leases))
    won: list[str] = []

    def take(lease: StoreLease) -> None:
        start.wait()
        if lease.try_acquire():
            won.append(lease.holder)

    threads = [threading.Thread(target=take, args=(lease,)) for lease in leases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(won) == 1, won
    assert rows(any_store, "SELECT holder FROM alert_lock WHERE name = 'race'") == [(won[0],)]


def test_a_held_lease_runs_out_by_the_holders_clock_when_it_cannot_renew(store_url: str) -> None:
    store = Store(store_url)
    lease = StoreLease(store.engine, RULES, ttl_s=0.5)
    assert lease.try_acquire() and lease.held
    store.close()
    assert wait_for(lambda: not lease.held, 5.0)


def test_the_holder_names_the_person_host_and_process() -> None:
    import os
    import socket

    user_host, pid = default_holder().rsplit(":", 1)
    assert pid == str(os.getpid())
    assert user_host.endswith("@" + socket.gethostname())
