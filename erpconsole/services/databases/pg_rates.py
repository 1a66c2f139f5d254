"""PostgreSQL's counters read just after they moved on, so rates between polls are true.

A backend publishes its counters (commits, block hits and reads, rows) at most about once a
second (PostgreSQL 15+, PGSTAT_MIN_INTERVAL; 12-14 send them to the collector every 0.5 s),
and backends that connected together publish together. ``pg_stat_database`` therefore moves in
steps of about a second: two readings 0.5 s apart see zero steps or one step holding a
second's work, a TPS of about 0 or about double (pgbench at 2,100 TPS read as 15 and 3,911).

So each poll reads the counters every ``STEP_S`` until they change, and takes the reading just
after the change; two such readings hold whole steps of work, and the time between them is the
server's own (``clock_timestamp()``, or on 12-14 the statistics file's time). Rates span at
least ``MIN_WINDOW_S``; a poll sooner than that gives none (and says so) and the window's
start is kept. Counters that do not move within ``FLUSH_WAIT_S`` are taken as they are: a
server busy enough for a step to matter publishes more often than that, and a quiet one's
late work is a few transactions.

Those waits are counted in the server's time, which on 12-14 is the statistics file's: with
the collector stalled it stands still, and a wait for it to move would never end. So the wait
also has a deadline of its own on this machine's monotonic clock (``wait_limit_s``, below the
poll's deadline of twice the interval), after which the reading in hand is taken; when the
server's time has not moved since the last poll that gives no rate, and a note says why.

The readings run inside one read-only transaction: a backend does not publish its own
counters while a transaction is open, so the console's own statements never count as the
change it waits for, and the wait adds one commit, not one per reading.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from erpconsole.i18n import _
from erpconsole.services import units
from erpconsole.services.models import PanelNote
from erpconsole.services.rates import RateTracker

STEP_S = 0.05
FLUSH_WAIT_S = 1.2  # a busy backend publishes at least once in this long
MIN_WINDOW_S = 1.5  # the two readings are then two steps apart: a step is a second's work
EARLY_WAIT_S = 0.6  # a poll this much too soon waits for the window to fill; sooner: no rate
# Backends that publish "together" land a few tens of milliseconds apart (more on a busy
# machine): after the first change, the reading taken once they have been still this long.
SETTLE_S = 0.2
BURST_MAX_S = 0.6
# The statements' own time on top of the waits, within the poll's deadline (twice the interval,
# at least 1 s: a 0.5 s interval waits 0.5 s at most, then has 0.25 s more).
SLACK_S = 0.3

COUNTERS = ("commits", "rollbacks", "blks_read", "blks_hit", "tup_returned", "tup_inserted",
            "tup_updated", "tup_deleted", "deadlocks", "temp_files", "temp_bytes")

# Inside a transaction the counters are read once and kept (stats_fetch_consistency = cache,
# the default): on 15+ the transaction asks for fresh ones at every reading, on 12-14
# pg_stat_clear_snapshot() drops the kept ones. The reading's time is the statistics file's
# on 12-14 (when the collector wrote what we read), else the server's clock.
FRESH = "SET LOCAL stats_fetch_consistency = none"
CLEAR = "SELECT pg_stat_clear_snapshot()"
READ = """
SELECT extract(epoch FROM coalesce(pg_stat_get_snapshot_timestamp(), clock_timestamp()))::float8,
       d.xact_commit, d.xact_rollback, d.blks_read, d.blks_hit, d.tup_returned,
       d.tup_inserted, d.tup_updated, d.tup_deleted, d.deadlocks, d.temp_files, d.temp_bytes
FROM pg_stat_database d
WHERE d.datname = current_database()
"""

Reading = tuple[float, tuple[float, ...]]  # (server time in s, counters in COUNTERS' order)
Run = Callable[[str], list[tuple]]


def not_enough_time(window_s: float = MIN_WINDOW_S) -> PanelNote:
    return PanelNote("rates", _(
        "not enough time for a rate: PostgreSQL publishes its counters about once a second, "
        "so a rate needs readings at least {s} apart; the next poll gives one").format(
        s=units.duration(window_s)))


def stood_still(waited_s: float) -> PanelNote:
    return PanelNote("rates", _(
        "not enough time for a rate: the server's statistics did not move on within {s} "
        "(on PostgreSQL 12-14 a stalled statistics collector does this); the counters are "
        "shown as it last published them").format(s=units.duration(waited_s)))


class MovedOn:
    """The rates of one target's counters; ``read()`` once per poll. ``interval_s`` (the
    target's poll interval) bounds the wait: it stays within one interval, so a poll ends
    well inside its deadline (twice the interval by default)."""

    def __init__(self, interval_s: float = 10.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.tracker = RateTracker(min_window_s=MIN_WINDOW_S)
        self.min_window_s = MIN_WINDOW_S
        self.flush_wait_s = min(FLUSH_WAIT_S, 0.6 * interval_s)
        self.early_wait_s = min(EARLY_WAIT_S, 0.25 * interval_s)
        self.burst_max_s = min(BURST_MAX_S, 0.15 * interval_s)  # the three: one interval at most
        self._slack_s = min(SLACK_S, 0.5 * interval_s)
        self._pause, self._clock = sleep, clock
        self._until = float("inf")  # the running read()'s deadline on the local clock
        self.waited_s = 0.0  # slept in the last read(), for the benchmark's cost per poll
        self._align_first = False  # the first poll gives no rate: in the monitor it waits not

    @property
    def wait_limit_s(self) -> float:
        """The longest one read() waits, on the local clock, whatever the server's time does."""
        return self.early_wait_s + self.flush_wait_s + self.burst_max_s + self._slack_s

    def _sleep(self, s: float) -> None:
        s = max(0.0, min(s, self._until - self._clock()))
        self.waited_s += s
        self._pause(s)

    def _out_of_time(self) -> bool:
        return self._clock() >= self._until

    def forget(self) -> None:
        self.tracker.forget()

    def hold(self, window_s: float) -> None:
        """Rates span at least ``window_s``: a one-off report (``inspect``) waits for it in its
        second poll instead of giving no rate. Busy backends do not all publish at once, so
        either end of a window may miss up to about a second's work: the longer the window,
        the smaller that share."""
        self.min_window_s = self.tracker.min_window_s = window_s
        self.early_wait_s = window_s
        self._align_first = True

    def read(self, run: Run, version_num: int) -> tuple[dict[str, float | None], PanelNote | None,
                                                        tuple[float, float] | None]:
        """Rates per second by counter name (None on the first poll and when too soon), a
        note when too soon or when the server's time stood still since the last poll, and the
        window the rates span (server epoch seconds)."""
        self.waited_s = 0.0
        started = self._clock()
        self._until = started + self.wait_limit_s
        run("BEGIN")
        try:
            fresh = version_num >= 150000
            if fresh:
                run(FRESH)
            (t, values), _aligned = self._moved_on(lambda: _reading(run, clear=not fresh))
        finally:
            self._until = float("inf")
            run("COMMIT")
        since = self.tracker.since("commits", t)
        rates = self.tracker.rates(dict(zip(COUNTERS, values, strict=True)), now=t)
        window = (t - since, t) if rates["commits"] is not None and since else None
        if since is not None and 0 < since < self.min_window_s:
            return rates, not_enough_time(self.min_window_s), window
        if since == 0:  # the server's time stood still since the last poll
            return rates, stood_still(self._clock() - started), window
        return rates, None, window

    def _moved_on(self, reading: Callable[[], Reading]) -> tuple[Reading, bool]:
        """The reading just after the counters moved on, and whether they did."""
        last = reading()
        since = self.tracker.since("commits", last[0])
        if since is None and not self._align_first:
            return last, False
        wait_from = last[0] if since is None else last[0] + max(0.0, self.min_window_s - since)
        if wait_from - last[0] > self.early_wait_s:
            return last, False  # too soon for a rate: the tracker keeps the window's start
        if wait_from - last[0] > STEP_S:
            self._sleep(wait_from - last[0] - STEP_S)
            last = reading()
        give_up = max(wait_from, last[0]) + self.flush_wait_s
        while last[0] < give_up and not self._out_of_time():
            self._sleep(STEP_S)
            cur = reading()
            if cur[1] != last[1] and cur[0] >= wait_from:
                return self._settled(reading, cur), True  # a step just landed
            last = cur
        return last, False  # nothing published for a while

    def _settled(self, reading: Callable[[], Reading], first: Reading) -> Reading:
        """The first reading with the burst's final values, once they stayed still."""
        end = first
        while True:
            self._sleep(STEP_S)
            cur = reading()
            if cur[1] != end[1]:
                end = cur
            if cur[0] - end[0] >= SETTLE_S or cur[0] - first[0] >= self.burst_max_s:
                return end
            if self._out_of_time():
                return end


def _reading(run: Run, clear: bool) -> Reading:
    if clear:
        run(CLEAR)
    row = run(READ)[0]
    return float(row[0]), tuple(float(v) for v in row[1:])
