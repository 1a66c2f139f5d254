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
