"""pg_rates against a server whose counters move in steps, as PostgreSQL 15+ publishes them:
every backend once a second, all together (pgbench's clients connect at once)."""

from __future__ import annotations

import math

from erpconsole.services.databases import pg_rates
from erpconsole.services.databases.pg_rates import COUNTERS, MovedOn


class SteppedServer:
    """2,000 commits a second, published at whole seconds + 0.3; ``sleep`` moves its clock."""

    def __init__(self, tps: float = 2000.0, start: float = 100.0) -> None:
        self.now, self.tps = start, tps
        self.statements: list[str] = []

    def sleep(self, s: float) -> None:
        self.now += s

    def run(self, sql: str) -> list[tuple]:
        self.statements.append(sql.split()[0])
        self.now += 0.002
        if sql is not pg_rates.READ:
            return []
        published = math.floor(self.now - 0.3) + 0.3
        commits = self.tps * published
        return [(self.now, commits, 0, 10, 990) + (0,) * (len(COUNTERS) - 4)]


def test_two_polls_half_a_second_apart_give_no_rate_and_say_why():
    server = SteppedServer()
    rates = MovedOn(interval_s=0.5, sleep=server.sleep)
    rates.read(server.run, 150000)
    server.sleep(0.5)
    got, note, window = rates.read(server.run, 150000)
    assert got["commits"] is None and window is None
    assert note is not None and note.message.startswith("not enough time for a rate")


def test_readings_just_after_a_step_give_the_true_rate():
    server = SteppedServer()
    rates = MovedOn(interval_s=10.0, sleep=server.sleep)
    rates.hold(4.0)  # as inspect does
    rates.read(server.run, 150000)
    server.sleep(1.0)
    got, note, window = rates.read(server.run, 150000)
    assert note is None and window is not None and window[1] - window[0] >= 4.0
    assert abs(got["commits"] - 2000.0) < 0.05 * 2000.0, got["commits"]
    assert got["blks_hit"] is not None
    # One transaction around the readings, and fresh counters at every one of them.
    assert server.statements[:2] == ["BEGIN", "SET"] and "COMMIT" in server.statements


class StalledServer(SteppedServer):
    """PostgreSQL 12-14 with its statistics collector stalled: every reading returns the same
    statistics file, its time and counters. The local clock moves with each sleep and
    statement. A fake: the real server (15) takes a new snapshot in every transaction, so its
    statistics time cannot be held still from one poll to the next (see
    tests/integration/test_pg_stats_stalled.py for the wait inside one poll, on the real one)."""

    def __init__(self) -> None:
        super().__init__()
        self.local = 0.0

    def clock(self) -> float:
        return self.local

    def sleep(self, s: float) -> None:
        self.local += s

    def run(self, sql: str) -> list[tuple]:
        self.local += 0.002
        if sql is not pg_rates.READ:
            return []
        return [(100.0, 5000.0, 0, 10, 990) + (0,) * (len(COUNTERS) - 4)]


def test_a_stalled_statistics_time_ends_the_wait_at_the_local_deadline_and_says_why():
    server = StalledServer()
    rates = MovedOn(interval_s=10.0, sleep=server.sleep, clock=server.clock)
    rates.hold(4.0)  # inspect's: the longest wait there is
    for poll in range(3):
        started = server.local
        got, note, window = rates.read(server.run, 140000)
        assert server.local - started <= rates.wait_limit_s + 0.01
        assert got["commits"] is None and window is None
        if poll:  # the first poll gives no rate in any case, and says nothing
            assert note is not None and note.message.startswith("not enough time for a rate")
            assert "did not move on" in note.message, note.message
    assert rates.wait_limit_s < 2 * 10.0  # inside the poll's deadline, twice the interval
