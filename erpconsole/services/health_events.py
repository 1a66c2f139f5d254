"""The event log's lines for what the monitor sees: a target's word changing (ok, warning,
critical, or the failed poll's state), and the store refusing writes and taking them again."""

from __future__ import annotations

import time

from erpconsole.i18n import _
from erpconsole.services.models import Event, Health, Severity, StoreHealth, Verdict


def event_from_verdict(target: str, v: Verdict, before: str, ts: float, detail: str = "") -> Event:
    """The event log's line when a target's word changes (``before``: the word it had, "" when
    none is known): the same word, grade and cause every page shows."""
    if v.level == "ok":
        message = _("{target} is ok").format(target=target)
        if before and before != Health.PENDING.value:
            message = _("{target} is ok again (was {old})").format(target=target, old=before)
    else:
        message = _("{target}: {state}: {message}").format(target=target, state=v.state, message=v.cause)
    return Event(ts, target, v.severity, message, detail, kind="health", state=v.state)


def store_health_event(health: StoreHealth, failed: StoreHealth | None) -> Event:
    """The event log's line when the store stops taking writes, and when it takes them again
    (``failed``: the health of the streak that ended)."""
    if not health.ok:
        when = time.strftime("%H:%M", time.localtime(health.since or time.time()))
        return Event(health.since or time.time(), "", Severity.CRITICAL, _(
            "store: writes failing since {time} ({reason})").format(time=when, reason=health.reason),
            health.detail + "\n" + _("Samples and events are kept in memory meanwhile and written when "
                                      "the store takes writes again."), kind="store_write")
    since = failed.since if failed is not None and failed.since else time.time()
    return Event(time.time(), "", Severity.INFO, _(
        "store: writes succeed again (failing since {time}, {reason})").format(
        time=time.strftime("%H:%M", time.localtime(since)), reason=failed.reason if failed else ""),
        kind="store_write")
