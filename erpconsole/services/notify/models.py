"""What notify hands to other layers: frozen, safe to pass between threads."""

from __future__ import annotations

from dataclasses import dataclass


class DeliveryError(Exception):
    """A notification that did not go out; ``str()`` says why in a person's words, with no secret."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A notification as a person reads it: a one-line title and the text."""

    title: str
    text: str


@dataclass(frozen=True, slots=True)
class ChannelState:
    """A channel that has notifications waiting: how many, the last reason, the next try."""

    channel: str
    waiting: int
    last_error: str | None
    next_try_at: float | None  # epoch seconds
    attempts: int  # of the oldest waiting one


@dataclass(frozen=True, slots=True)
class DeliveryRound:
    """What one pass over the due outbox rows did."""

    sent: int = 0
    failed: int = 0
    claimed_elsewhere: int = 0  # another sender took them first
