"""A database server frozen mid-poll (SIGSTOP on the backend serving the console's kept
connection: the kernel still answers for it, so no TCP timeout ever fires) costs one poll its
deadline, not a thread for as long as it stays frozen, and never delays another target."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from erpconsole.config import DatabaseConfig
from erpconsole.services.databases.postgres import PostgresCollector
from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts.local import LocalCollector
from erpconsole.services.models import Health, LOCAL_HOST
from erpconsole.services.scheduler import Scheduler



@pytest.fixture
def frozen(pg_admin: Engine, pg_database) -> Iterator[tuple[PostgresCollector, int]]:
    """A collector whose kept connection's backend is stopped (and woken at the end)."""
    url = pg_database()
    name = url.rsplit("/", 1)[1]
    collector = PostgresCollector(DatabaseConfig(name="frozen", url=url), statement_timeout_ms=1000)
    collector.collect()  # the kept connection is open
    with pg_admin.connect() as conn:
        [pid] = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": name}).scalars()
    os.kill(pid, signal.SIGSTOP)
    try:
        yield collector, pid
    finally:
        os.kill(pid, signal.SIGCONT)
        collector.close()


def test_abort_ends_a_read_blocked_on_a_frozen_server(frozen) -> None:
    collector, _pid = frozen
    done = threading.Event()
    failure: list[BaseException] = []

    def poll() -> None:
        try:
            collector.collect()
        except CollectorError as exc:
            failure.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    assert not done.wait(1.5)  # frozen: the server-side statement_timeout cannot fire
    started = time.monotonic()
    collector.abort()
    assert done.wait(5.0), "the blocked read did not end"
    assert time.monotonic() - started < 2.0
    assert failure and failure[0].kind in (Health.UNREACHABLE, Health.ERROR)


def test_a_frozen_database_times_out_and_gives_its_thread_back_while_the_workstation_keeps_time(frozen) -> None:
    collector, _pid = frozen
    s = Scheduler(jitter=0.0)
    heard: list = []
    cond = threading.Condition()

    def on_outcome(o) -> None:
        with cond:
            heard.append(o)
            cond.notify_all()

    s.subscribe(on_outcome)
    s.add_target(LOCAL_HOST, LocalCollector(), interval_s=0.5)
    s.add_target("frozen", collector, interval_s=1.0, timeout_s=2.0)
    s.start()
    try:
        with cond:
            assert cond.wait_for(lambda: any(o.target == "frozen" for o in heard), 10.0)
        [timeout] = [o for o in heard if o.target == "frozen"]
        assert timeout.health is Health.TIMEOUT
        # aborted at its deadline: the thread is back long before the server wakes
        end = time.monotonic() + 5.0
        while time.monotonic() < end and sum(lane["stuck"] for lane in s.lanes().values()):
            time.sleep(0.05)
        assert sum(lane["stuck"] for lane in s.lanes().values()) == 0
        with cond:
            assert cond.wait_for(lambda: sum(o.target == LOCAL_HOST for o in heard) >= 8, 10.0)
            local = [o for o in heard if o.target == LOCAL_HOST]
        lags = sorted(o.lag_s for o in local)
        assert lags[int(0.95 * (len(lags) - 1))] < 1.0
        assert all(o.health is Health.OK for o in local)
    finally:
        s.stop()
