"""The typed shapes of the rota: ``[[people]]`` with a contact per channel, and ``[oncall]``
(a weekly rotation, explicit ``[[oncall.shifts]]``, a second in line). Read by oncall_schema.py;
who is on call at a moment is worked out in services/alerts/oncall.py."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PersonConfig:
    """One ``[[people]]`` entry. ``mobile`` is what the chat robots @-mention (DingTalk's
    atMobiles); ``dingtalk``/``wecom``/``feishu`` are user ids on those services."""

    name: str
    email: str | None = None
    mobile: str | None = None
    dingtalk: str | None = None
    wecom: str | None = None
    feishu: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class ShiftConfig:
    """An explicit shift, ``[from, to)`` in epoch seconds; it overrides the rotation."""

    starts_at: float
    ends_at: float
    person: str
    second: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class OncallConfig:
    time_zone: str = "UTC"
    start: str | None = None  # ISO date the rotation starts (its first handover is on or after it)
    handover_weekday: int = 0  # 0 Monday
    handover_hour: int = 9
    order: tuple[str, ...] = ()  # people in the rotation's order
    second: str | None = None  # a fixed second in line; None: the next one in the order
    shifts: tuple[ShiftConfig, ...] = ()
    line: int | None = None
