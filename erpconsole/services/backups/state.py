"""One word per backup set for the event log ("ok", "late", "failed", ...): a set whose word
changes is logged once, with what is wrong, compared against the last word the store holds."""

from __future__ import annotations

import time

from erpconsole.i18n import _
from erpconsole.services.backups.models import BackupSetStatus
from erpconsole.services.backups.policy import FAILED, LATE, set_level
from erpconsole.services.models import Event, Finding, Severity

KIND = "backup"  # the events' kind, and the StateLog's key beside the target


def set_state(status: BackupSetStatus, findings: tuple[Finding, ...]) -> str:
    if status.error:
        return "unreadable"
    checks = {f.check for f in findings}
    if LATE in checks:
        return "late"
    if FAILED in checks:
        return "failed"
    worst = max((f.severity for f in findings), key=lambda s: s.rank, default=Severity.INFO)
    return "ok" if worst is Severity.INFO else worst.value


def state_event(status: BackupSetStatus, findings: tuple[Finding, ...], before: str) -> Event:
    name, state = status.config.name, set_state(status, findings)
    if state == "ok":
        message = (_("backup set {name} is ok again (was {old})").format(name=name, old=before) if before
                   else _("backup set {name} is ok").format(name=name))
        return Event(time.time(), name, Severity.INFO, message, kind=KIND, state=state)
    top = findings[0] if findings else None
    why = status.error or (top.message if top else "")
    graded = set_level(status, findings)  # the grade every page, inspect and the report show
    level = Severity.CRITICAL if graded == "critical" else Severity.WARNING
    detail = "\n".join(f"{f.severity.value}: {f.message}" for f in findings)
    return Event(time.time(), name, level, _("backup set {name}: {state}: {why}").format(
        name=name, state=state, why=why), detail, kind=KIND, state=state)
