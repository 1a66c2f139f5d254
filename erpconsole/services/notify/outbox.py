"""The sender loop: delivers the store's outbox rows, retries a channel that is down with
backoff until it answers, keeps the last reason it did not, and sends nothing twice.

A row is claimed before it is sent: one UPDATE that moves its ``next_try_at`` a lease ahead and
counts the attempt, only if no other sender moved it first (compare-and-set on the value it
read), committed before the send. Then the send, then ``sent_at`` in its own commit.

The crash windows, and what each costs:
- killed after the claim, before or during the send: the row is due again when its lease ends
  (``lease_s``, at least 60 s and three times the channel's deadline) and is sent then. Nothing
  is lost; the mail is late by the lease.
- killed after the server accepted the notification, before ``sent_at`` was committed (the
  time of one local commit): the row is sent once more after the lease. This is the only way a
  notification goes out twice; the Message-ID of a mail and a webhook's ``Idempotency-Key``
  header are made from the row, so a mail client or a receiver that keeps keys shows it once.
Two senders on one store (which the store lock of the agent prevents) still never send one row
both: the second's compare-and-set finds the row moved and leaves it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Engine, Float, Integer, MetaData, Table, Text, UniqueConstraint, func, or_, select, update

from erpconsole.config.channels import ChannelConfig
from erpconsole.guards.urls import mask_text
from erpconsole.i18n import _
from erpconsole.services.notify import senders
from erpconsole.services.notify.models import ChannelState, DeliveryError, DeliveryRound
from erpconsole.services.secrets import SecretStore

log = logging.getLogger(__name__)

# The agreed shape (the alerts migration creates it; this copy builds the queries).
OUTBOX = Table(
    "outbox", MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Text, nullable=False),
    Column("transition", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_try_at", Float),
    Column("sent_at", Float),
    Column("last_error", Text),
    UniqueConstraint("alert_id", "transition", "channel", "created_at"),
)
LEASE_MIN_S = 60.0
ROWS_PER_ROUND = 200
# A pass that finds nothing due costs 0.33 ms of CPU (10,000 sent rows in the store): four a
# second keep a new notification's wait under a quarter second for 0.13% of a core.
PASS_EVERY_S = 0.25
ERROR_CHARS = 1000  # of a reason kept in the store


@dataclass(frozen=True, slots=True)
class Backoff:
    """Seconds before the next try after ``attempts`` failed ones: first_s, doubling, at most max_s."""

    first_s: float = 10.0
    max_s: float = 900.0
    jitter: float = 0.1  # a share of the delay, so a dozen channels that failed together spread out

    def delay(self, attempts: int) -> float:
        base = min(self.max_s, self.first_s * 2 ** max(0, attempts - 1))
        return base * (1 + random.uniform(-self.jitter, self.jitter))


def lease_s(channel: ChannelConfig | None) -> float:
    return max(LEASE_MIN_S, 3 * (channel.timeout_s if channel else 10.0))


def delivery_key(row: Any) -> str:
    """Stable across retries and restarts: from the row's unique (alert, transition, channel, time)."""
    text = f"{row.alert_id}|{row.transition}|{row.channel}|{row.created_at!r}"
    return "erpconsole." + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _due(now: float):
    return (OUTBOX.c.sent_at.is_(None)) & or_(OUTBOX.c.next_try_at.is_(None), OUTBOX.c.next_try_at <= now)


def claim_due(engine: Engine, channels: Mapping[str, ChannelConfig], now: float, backoff: Backoff,
              limit: int = ROWS_PER_ROUND) -> tuple[list[Any], int]:
    """The due rows this sender now holds (committed), and how many another sender took first."""
    claimed, lost = [], 0
    with engine.begin() as conn:
        rows = conn.execute(select(OUTBOX).where(_due(now)).order_by(OUTBOX.c.id).limit(limit)).all()
        for row in rows:
            channel = channels.get(row.channel)
            if channel is None:
                # Kept, not dropped: the channel may come back when the inventory is fixed.
                reason = _('channel "{name}" is not in the inventory; add it back to [[channels]] and this '
                           "notification goes out").format(name=row.channel)
                conn.execute(update(OUTBOX).where(OUTBOX.c.id == row.id).values(
                    last_error=reason, next_try_at=now + backoff.max_s))
                continue
            moved = conn.execute(update(OUTBOX).where(
                (OUTBOX.c.id == row.id) & OUTBOX.c.sent_at.is_(None)
                & (func.coalesce(OUTBOX.c.next_try_at, -1.0) == (row.next_try_at if row.next_try_at is not None else -1.0))
            ).values(attempts=OUTBOX.c.attempts + 1, next_try_at=now + lease_s(channel)))
            if moved.rowcount == 1:
                claimed.append(row)
            else:
                lost += 1
    return claimed, lost


def _mark_sent(engine: Engine, row: Any, now: float) -> None:
    with engine.begin() as conn:
        conn.execute(update(OUTBOX).where(OUTBOX.c.id == row.id).values(sent_at=now, last_error=None))


def _mark_failed(engine: Engine, row: Any, reason: str, now: float, backoff: Backoff) -> None:
    with engine.begin() as conn:
        conn.execute(update(OUTBOX).where((OUTBOX.c.id == row.id) & OUTBOX.c.sent_at.is_(None)).values(
            last_error=mask_text(reason)[:ERROR_CHARS], next_try_at=now + backoff.delay(row.attempts + 1)))


def _payload(row: Any) -> dict[str, Any]:
    try:
        payload = json.loads(row.payload)
    except (TypeError, ValueError):
        payload = None
    if not isinstance(payload, dict):
        raise DeliveryError(_("the outbox row {id} holds no JSON object; it cannot be sent").format(id=row.id))
    payload.setdefault("transition", row.transition)
    payload.setdefault("id", row.alert_id)
    return payload


def _deliver_channel(engine: Engine, channel: ChannelConfig, rows: list[Any], secrets: SecretStore,
                     clock: Callable[[], float], backoff: Backoff) -> tuple[int, int]:
    """Sends one channel's rows in order; after the first failure the rest wait with the same reason
    (a channel that is down costs one deadline per round, not one per row)."""
    sent = failed = 0
    down: str | None = None
    for row in rows:
        if down is None:
            try:
                senders.deliver(channel, _payload(row), delivery_key(row), secrets)
            except DeliveryError as exc:
                down = str(exc)
            except Exception as exc:  # a sender's bug must not end the loop or lose the row
                log.exception("sending outbox row %s through %s failed", row.id, channel.name)
                down = _("{channel}: not delivered, an unexpected error ({error}); see the log").format(
                    channel=channel.name, error=exc.__class__.__name__)
            else:
                _mark_sent(engine, row, clock())
                sent += 1
                continue
        _mark_failed(engine, row, down, clock(), backoff)
        failed += 1
    if down is not None:  # once per channel and pass: the agent's journal says why, without a secret
        log.warning("%s (channel %s, %d waiting, attempt %d)", mask_text(down), channel.name, failed,
                    rows[sent].attempts + 1)
    return sent, failed


def deliver_due(engine: Engine, channels: Iterable[ChannelConfig], secrets: SecretStore, *,
                clock: Callable[[], float] = time.time, backoff: Backoff = Backoff()) -> DeliveryRound:
    """One pass: claims the due rows, sends them (the channels side by side, so a hung webhook does
    not hold the mail), marks each sent or failed. Safe to call from any worker thread."""
    by_name = {c.name: c for c in channels}
    claimed, lost = claim_due(engine, by_name, clock(), backoff)
    groups: dict[str, list[Any]] = {}
    for row in claimed:
        groups.setdefault(row.channel, []).append(row)
    if not groups:
        return DeliveryRound(claimed_elsewhere=lost)
    with ThreadPoolExecutor(max_workers=min(8, len(groups)), thread_name_prefix="notify-send") as pool:
        results = list(pool.map(lambda name: _deliver_channel(engine, by_name[name], groups[name], secrets,
                                                             clock, backoff), groups))
    return DeliveryRound(sent=sum(s for s, _f in results), failed=sum(f for _s, f in results), claimed_elsewhere=lost)


def waiting(engine: Engine) -> list[ChannelState]:
    """The channels with notifications not yet delivered, and why ("mail not delivered: ...")."""
    with engine.connect() as conn:
        groups = conn.execute(select(OUTBOX.c.channel, func.count(), func.min(OUTBOX.c.next_try_at),
                                     func.max(OUTBOX.c.attempts)).where(OUTBOX.c.sent_at.is_(None))
                              .group_by(OUTBOX.c.channel).order_by(OUTBOX.c.channel)).all()
        states = []
        for channel, count, next_try, attempts in groups:
            reason = conn.execute(select(OUTBOX.c.last_error).where(
                (OUTBOX.c.channel == channel) & OUTBOX.c.sent_at.is_(None) & OUTBOX.c.last_error.is_not(None))
                .order_by(OUTBOX.c.id.desc()).limit(1)).scalar()
            states.append(ChannelState(channel, count, reason, next_try, attempts or 0))
    return states


class OutboxSender:
    """Runs ``deliver_due`` every ``interval_s`` until stopped, on the caller's worker thread
    (``run``) or its own (``start``/``stop``). ``active``: whether this process may send now (it
    holds the store's rules lease), so a console attached to a store an agent serves does not
    notify twice. ``wake()`` (after the alerts service wrote rows) starts the next pass at once."""

    def __init__(self, engine: Engine, channels: Iterable[ChannelConfig], secrets: SecretStore, *,
                 interval_s: float = PASS_EVERY_S, backoff: Backoff = Backoff(),
                 active: Callable[[], bool] = lambda: True) -> None:
        self._engine = engine
        self._channels = tuple(channels)
        self._secrets = secrets
        self._interval_s = interval_s
        self._backoff = backoff
        self._active = active
        self._woken = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._woken.set()

    def run(self, stop: threading.Event | None = None) -> None:
        stop = stop or self._stop
        while not stop.is_set() and not self._stop.is_set():
            self._woken.clear()
            try:
                if self._channels and self._active():
                    deliver_due(self._engine, self._channels, self._secrets, backoff=self._backoff)
            except Exception:  # the store away for a moment: try again next pass, never end the loop
                log.exception("the sender could not read the outbox")
            self._woken.wait(self._interval_s)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="outbox-sender", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ends the loop: a delivery under way finishes within its channel's deadline."""
        self._stop.set()
        self._woken.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
