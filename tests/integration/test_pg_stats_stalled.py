"""A PostgreSQL whose statistics time stands still (12-14 with a stalled statistics collector:
the statistics file, and so the reading's time, is never written again) still gives a poll
with data inside its deadline: the wait for the counters to move on has a deadline of its own
on the local clock, and takes the reading it has.

The machine's PostgreSQL is 15, which has no collector to stall. The nearest real thing is a
statistics snapshot held for the whole transaction (``stats_fetch_consistency = snapshot``):
``pg_stat_get_snapshot_timestamp()`` and every counter then stay as they were at the first
reading, on the real server. The collector below asks for that instead of fresh counters."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.engine import Connection

from erpconsole.config import DatabaseConfig
from erpconsole.services.databases import pg_rates
from erpconsole.services.databases.postgres import PostgresCollector
from erpconsole.services.models import Health
from erpconsole.services.scheduler import Scheduler

pytestmark = pytest.mark.integration

INTERVAL_S, DEADLINE_S = 2.0, 4.0  # the scheduler's default deadline: twice the interval


class StillStatistics(PostgresCollector):
    """Reads the counters from one snapshot per transaction: their time does not move."""

    def query(self, conn: Connection, sql: str, params=None) -> list[tuple]:
        if sql == pg_rates.FRESH:
            sql = "SET LOCAL stats_fetch_consistency = snapshot"
        return super().query(conn, sql, params)


def test_a_poll_whose_statistics_time_stands_still_gives_data_not_timeout(pg_database) -> None:
    collector = StillStatistics(DatabaseConfig(name="still", url=pg_database(),
                                               interval_s=INTERVAL_S))
    assert collector._moved_on.wait_limit_s < DEADLINE_S
    s = Scheduler(jitter=0.0)
    heard: list = []
    cond = threading.Condition()

    def on_outcome(o) -> None:
        with cond:
            heard.append(o)
            cond.notify_all()

    s.subscribe(on_outcome)
    s.add_target("still", collector, interval_s=INTERVAL_S, timeout_s=DEADLINE_S)
    s.start()
    try:
        # The first poll gives no rate and does not wait; the second and third wait for
        # counters that cannot move, and were cut off at the deadline before the fix.
        with cond:
            assert cond.wait_for(lambda: len(heard) >= 3, 3 * (INTERVAL_S + DEADLINE_S) + 5)
            outcomes = list(heard)
    finally:
        s.stop()
    assert [o.health for o in outcomes[:3]] == [Health.OK] * 3, [
        (o.health, o.error) for o in outcomes]
    later = outcomes[1:3]
    assert all(o.duration_s < DEADLINE_S for o in later), [o.duration_s for o in later]
    # The reading in hand spans the real time between the polls: a rate, and the database's data.
    assert all(o.snapshot.rate_window is not None and o.snapshot.tps is not None
               and o.snapshot.connections for o in later), [o.snapshot for o in later]
