"""Silences and maintenance windows: a target or a tag, from-to or for a duration, with a
reason; or every week on a day between two times (the inventory's [[maintenance]]). A silenced
alert is still recorded; only its notifications wait. A silence always has an end."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from erpconsole.config.alerts_models import MaintenanceConfig
from erpconsole.i18n import _

MAX_SILENCE_S = 90 * 86400.0  # longer is a rule to change, not a silence
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", re.I)
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class SilenceError(ValueError):
    """Bad input for a silence: the message says what is wrong and what to write."""


@dataclass(frozen=True, slots=True)
class Silence:
    id: int
    target: str | None
    tag: str | None
    starts_at: float
    ends_at: float
    comment: str
    created_by: str = ""

    def covers(self, target: str, tags, now: float) -> bool:
        if not self.starts_at <= now < self.ends_at:
            return False
        return target == self.target if self.target is not None else self.tag in tags


def parse_duration(text: str) -> float:
    """``30m``, ``2h``, ``1d``, ``1w``, ``90s``; a silence with no end is refused."""
    parts = _DURATION.findall(text or "")
    if not parts or "".join(f"{n}{u}" for n, u in parts) != re.sub(r"\s+", "", text):
        raise SilenceError(_("a duration reads like 30m, 2h, 1d or 1h30m (got {got!r}); a silence "
                             "always has an end").format(got=text))
    seconds = sum(float(n) * _UNIT_S[u.lower()] for n, u in parts)
    if seconds <= 0:
        raise SilenceError(_("a silence must last more than 0 seconds"))
    if seconds > MAX_SILENCE_S:
        raise SilenceError(_("a silence lasts at most 90 days (got {got!r}); to stop an alert for "
                             "good, change or disable its rule in the inventory").format(got=text))
    return seconds


def in_window(window: MaintenanceConfig, target: str, tags, now: float) -> bool:
    if window.target is not None and window.target != target:
        return False
    if window.tag is not None and window.tag not in tags:
        return False
    if window.weekday is None:
        return window.starts_at is not None and window.ends_at is not None and \
            window.starts_at <= now < window.ends_at
    local = time.localtime(now)
    minute = local.tm_hour * 60 + local.tm_min
    if window.start_min < window.end_min:
        return local.tm_wday == window.weekday and window.start_min <= minute < window.end_min
    # Across midnight: "sunday 23:00-01:00" runs into Monday.
    return (local.tm_wday == window.weekday and minute >= window.start_min) or \
        (local.tm_wday == (window.weekday + 1) % 7 and minute < window.end_min)


def silenced_by(target: str, tags, now: float, silences, windows) -> str | None:
    """The reason an alert of ``target`` is silenced now, or None."""
    for s in silences:
        if s.covers(target, tags, now):
            return s.comment
    for w in windows:
        if in_window(w, target, tags, now):
            return w.reason
    return None
