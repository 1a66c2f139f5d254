"""An outbox payload as a person reads it: what, where, how bad, since when, the value, what to
do first; a resolve says how long it lasted. Every line is a whole translatable sentence or
label, so a translation can reorder its words."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from erpconsole.i18n import N_, _
from erpconsole.services.notify.models import Rendered
from erpconsole.services.units import duration

FIRING, RESOLVED, ESCALATED, REMINDER = "firing", "resolved", "escalated", "reminder"
_SEVERITY = {"critical": N_("critical"), "warning": N_("warning"), "info": N_("info")}
_TITLES = {
    FIRING: N_("[{severity}] {target}: {summary}"),
    ESCALATED: N_("[{severity}, not acknowledged] {target}: {summary}"),
    REMINDER: N_("[{severity}, still firing] {target}: {summary}"),
    RESOLVED: N_("[resolved after {duration}] {target}: {summary}"),
}
_HEADLINES = {
    FIRING: N_("A {severity} alert fired on {target}."),
    ESCALATED: N_("A {severity} alert on {target} has not been acknowledged; it is escalated to you."),
    REMINDER: N_("A {severity} alert on {target} is still firing."),
    RESOLVED: N_("The {severity} alert on {target} is resolved; it lasted {duration}."),
}


def when(epoch: Any) -> str:
    """Epoch seconds as the reader's local time with its zone; "unknown" when there is none."""
    if not isinstance(epoch, int | float) or isinstance(epoch, bool):
        return _("unknown")
    try:
        return datetime.fromtimestamp(float(epoch)).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    except (OverflowError, OSError, ValueError):
        return _("unknown")


def severity_word(severity: Any) -> str:
    text = str(severity or "")
    return _(_SEVERITY[text]) if text in _SEVERITY else text


def lasted(payload: dict[str, Any]) -> str:
    seconds = payload.get("duration_s")
    if not isinstance(seconds, int | float):
        start, end = payload.get("started_at"), payload.get("resolved_at")
        seconds = end - start if isinstance(start, int | float) and isinstance(end, int | float) else None
    return duration(seconds) if seconds is not None else _("an unknown time")


def fields(payload: dict[str, Any]) -> dict[str, str]:
    """The payload's values as text, for the messages and a webhook's template."""
    value = payload.get("value")
    return {
        "id": str(payload.get("id", "")), "rule": str(payload.get("rule", "")),
        "target": str(payload.get("target", "")), "severity": severity_word(payload.get("severity")),
        "state": str(payload.get("state", "")), "summary": str(payload.get("summary", "")),
        "value": "" if value is None else str(value), "started_at": when(payload.get("started_at")),
        "resolved_at": when(payload.get("resolved_at")) if payload.get("resolved_at") is not None else "",
        "duration": lasted(payload), "duration_s": str(payload.get("duration_s") or ""),
        "runbook": str(payload.get("runbook") or ""), "transition": str(payload.get("transition", FIRING)),
    }


def render(payload: dict[str, Any]) -> Rendered:
    f = fields(payload)
    kind = f["transition"] if f["transition"] in _TITLES else FIRING
    title = _(_TITLES[kind]).format(**f)
    lines = [_(_HEADLINES[kind]).format(**f), "",
             _("What: {summary}").format(**f),
             _("Where: {target}").format(**f),
             _("How bad: {severity}").format(**f),
             _("Since: {started_at}").format(**f)]
    if f["value"]:
        lines.append(_("Value: {value}").format(**f))
    if kind == RESOLVED:
        lines.append(_("Resolved: {resolved_at} (lasted {duration})").format(**f))
    else:
        lines.append(_("What to do first: {runbook}").format(**f) if f["runbook"]
                     else _("What to do first: open the target in the console and read its findings"))
    lines += ["", _("Alert {id}, rule {rule}").format(**f)]
    return Rendered(title=title, text="\n".join(lines))
