"""Latency and packet loss measured on a host's kept SSH connection: no new connection per poll.

Each poll sends a few ``keepalive@openssh.com`` global requests, each as soon as the one before
is answered (a poll costs a few round trips, not a second per probe); OpenSSH answers each (it
answers an unknown global request with a failure, a reply all the same). Over TCP a lost packet
is not missing but late: the kernel sends it again, and the reply comes a retransmission later
(200 ms or more, see ``SLACK_S``). Timing one probe
per poll turned every loss into latency (a lost SYN used to read as 1,060 ms). So:

- a probe answered within its deadline (``Burst.deadline_s``: half again the link's best round
  trip of the last few polls, plus ``SLACK_S`` for this process's own scheduling) gives a
  latency; the poll's latency is the median of those;
- a probe answered after its deadline is lost, not slow: its packet or its reply's was lost and
  sent again;
- a probe with no answer within the poll's ``WAIT_S`` is lost, and the poll sends no more (they
  would wait behind it); when the poll got no answer at all, the collector takes the link as
  dead and connects again at the next poll.

Why not all at once: probes written together share TCP packets whenever the congestion window
is small, which it is on a lossy link (each loss halves it): one lost packet then carried
several probes, and 20% packet loss read as 10% (measured through the lossy link of
tests/netns.py). One probe in flight is one packet each way, as with ping.

After a route change to a path over 100 ms longer, the first polls count their probes late
against the old best round trip until it leaves the window (``BASE_POLLS``).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import paramiko
from paramiko.common import (
    MSG_REQUEST_FAILURE,
    MSG_REQUEST_SUCCESS,
    cMSG_GLOBAL_REQUEST,
)
from paramiko.message import Message

# Each probe is a round trip for paramiko to encrypt, read and hand between threads: about
# 0.13 ms of this process's CPU on loopback, so three (the median still drops one odd one out)
# rather than five, which would add 0.5 ms to a poll's 1.75.
PROBES_PER_POLL = 3
WAIT_S = 2.0
# A reply read this much later than the link's best is still on time: the scheduling noise of
# this process (a console with hundreds of hosts on a loaded machine) stays well under it. With
# one packet in flight, Linux resends a lost one after two smoothed round trips plus 200 ms (its
# tail loss probe; the retransmission timeout is 200 ms at the least too), so a lost probe is
# answered 200 ms late or more, whatever the link: a deadline of 1.5 x best + 100 ms keeps
# 100 ms between the two, on a LAN as on a 50 ms link (measured: lost ones 311-1,175 ms there).
SLACK_S = 0.100
BASE_POLLS = 5  # the link's best round trip is taken over this many polls
_WAITING = float("nan")  # a probe sent, not answered yet


class Verdict(Enum):
    ON_TIME = "on_time"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class Burst:
    """One poll's probes: per probe its round trip in seconds (None: no answer at all)."""

    rtts: tuple[float | None, ...]
    verdicts: tuple[Verdict, ...]
    deadline_s: float | None

    @property
    def latency_ms(self) -> float | None:
        on_time = [r for r, v in zip(self.rtts, self.verdicts, strict=True)
                   if v is Verdict.ON_TIME and r is not None]
        return statistics.median(on_time) * 1000.0 if on_time else None

    @property
    def lost(self) -> int:
        return sum(v is Verdict.LOST for v in self.verdicts)


def classify(sends: list[float], replies: list[float | None], best_s: float | None) -> Burst:
    """Pure: send and reply times of one poll's probes (None where no reply came), and the best
    round trip of the polls before (None: no history yet)."""
    rtts = tuple(None if r is None else r - s for s, r in zip(sends, replies, strict=True))
    answered = [r for r in rtts if r is not None]
    if not answered:
        return Burst(rtts, tuple(Verdict.LOST for _ in rtts), None)
    best = min(answered) if best_s is None else min(best_s, *answered)
    deadline = best * 1.5 + SLACK_S
    verdicts = tuple(Verdict.ON_TIME if r is not None and r <= deadline else Verdict.LOST
                     for r in rtts)
    return Burst(rtts, verdicts, deadline)


class KeepalivePinger:
    """Bursts of keepalive requests on one transport, and the best round trip seen lately.

    Replies are timed on paramiko's reader thread as they are read (its per-transport handler
    table is there to be replaced), so a poll thread that wakes late does not make them late.
    Not thread-safe: one burst at a time (the collector's lock)."""

    def __init__(self, transport: paramiko.Transport,
                 clock: Callable[[], float] = time.perf_counter,
                 first_best_s: float | None = None) -> None:
        """``first_best_s``: the link's round trip as known before any probe (the kernel's, for
        the connection's handshake); without it a first poll whose probes were all resent would
        read their 300 ms as latency."""
        self.transport = transport
        self._clock = clock
        self._cond = threading.Condition()
        self._sent = 0
        self._replied = 0
        self._reply_at: dict[int, float] = {}
        self._best: deque[float] = deque(maxlen=BASE_POLLS)
        if first_best_s is not None:
            self._best.append(first_best_s)
        table = transport._handler_table  # noqa: SLF001 - paramiko's documented hook
        for ptype in (MSG_REQUEST_SUCCESS, MSG_REQUEST_FAILURE):
            table[ptype] = self._wrap(table[ptype])

    def _wrap(self, original: Callable[[Message], None]) -> Callable[[Message], None]:
        def on_reply(m: Message) -> None:
            at = self._clock()
            with self._cond:
                self._replied += 1
                if self._replied in self._reply_at:
                    self._reply_at[self._replied] = at
                self._cond.notify_all()
            original(m)
        return on_reply

    def burst(self, count: int = PROBES_PER_POLL, wait_s: float = WAIT_S) -> Burst:
        """Up to ``count`` probes, one at a time, within ``wait_s`` in all. Raises what paramiko
        raises when the transport is gone."""
        sends: list[float] = []
        replies: list[float | None] = []
        end = time.monotonic() + wait_s
        while len(sends) < count and time.monotonic() < end:
            sent, reply = self._probe(end)
            sends.append(sent)
            replies.append(reply)
            if reply is None:
                break  # its answer may still come: a probe sent now would wait behind it
        result = classify(sends, replies, min(self._best) if self._best else None)
        on_time = [r for r, v in zip(result.rtts, result.verdicts, strict=True)
                   if v is Verdict.ON_TIME and r is not None]
        if on_time:
            self._best.append(min(on_time))
        return result

    def _probe(self, end: float) -> tuple[float, float | None]:
        m = Message()
        m.add_byte(cMSG_GLOBAL_REQUEST)
        m.add_string("keepalive@openssh.com")
        m.add_boolean(True)  # want a reply
        with self._cond:
            self._sent += 1
            n = self._sent
            self._reply_at[n] = _WAITING
        sent = self._clock()
        self.transport._send_user_message(m)  # noqa: SLF001 - no public want-reply send
        with self._cond:
            while self._replied < n and self.transport.is_active():
                left = end - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(min(left, 0.1))  # a closed transport ends the wait
            at = self._reply_at.pop(n)
        return sent, None if at is _WAITING else at
