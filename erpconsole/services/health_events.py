"""The event log's lines for what the monitor sees: a target's health changing, and the store
refusing writes and taking them again."""

from __future__ import annotations

import dataclasses
import time

from erpconsole.i18n import _
from erpconsole.services.models import Event, Health, HealthChange, Severity, StoreHealth

_WARNING_STATES = (Health.TIMEOUT, Health.PARSE_ERROR)


def event_from_change(change: HealthChange) -> Event:
    if change.new is Health.OK:
        level = Severity.INFO
        message = _("{target} is ok").format(target=change.target)
        if change.old is not Health.PENDING:
            message = _("{target} is ok again (was {old})").format(target=change.target, old=change.old.value)
    else:
        level = Severity.WARNING if change.new in _WARNING_STATES else Severity.CRITICAL
        message = _("{target}: {state}: {message}").format(
            target=change.target, state=change.new.value, message=change.message
        )
    return Event(change.ts, change.target, level, message, change.detail, kind="health", state=change.new.value)


def was(change: HealthChange, before: str) -> HealthChange:
    """The first poll after a start changes from "pending": the change is from the stored state."""
    if change.old is not Health.PENDING or not before:
        return change
    try:
        return dataclasses.replace(change, old=Health(before))
    except ValueError:  # a state this version does not know
        return change


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
