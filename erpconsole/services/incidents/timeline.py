"""An incident's timeline, built from what the store already holds: its alerts (first seen,
fired, resolved), their notes (acknowledgements, their taking back, notes, a missed time to
respond), the audit rows for its targets in its time span (the actions taken), the event-log
lines for them, the runs of the bundled incident-response procedure started in that span, and
the incident's own opening and closing. Nothing is copied: it is read."""

from __future__ import annotations

import json
from dataclasses import dataclass

from erpconsole.i18n import _
from erpconsole.services.incidents.store import IncidentRow, IncidentStore

LIMIT = 5_000  # rows of each source; an incident with more is not one a person reads line by line
MARGIN_S = 300.0  # what was done just before the first alert (a change that caused it) is in too
SOP_ID = "incident-response"  # resources/sops/incident-response.sop.toml


@dataclass(frozen=True, slots=True)
class Entry:
    ts: float
    source: str  # alert | note | audit | event | incident
    target: str
    who: str
    text: str

    def as_json(self) -> dict:
        return {"ts": self.ts, "source": self.source, "target": self.target, "who": self.who, "text": self.text}


def _note_text(kind: str, alert_id: str, text: str) -> str:
    if kind == "ack":
        return _("{id} acknowledged: {comment}").format(id=alert_id, comment=text)
    if kind == "unack":
        return _("{id}: acknowledgement taken back").format(id=alert_id)
    if kind == "missed_response":
        return _("{id}: time to respond ran out: {text}").format(id=alert_id, text=text)
    return _("{id}: note: {text}").format(id=alert_id, text=text)


def timeline(store: IncidentStore, row: IncidentRow, now: float) -> list[Entry]:
    ids = list(row.alert_ids)
    out: list[Entry] = [Entry(row.opened_at, "incident", "", row.opened_by,
                              _("incident {n} opened: {title}").format(n=row.id, title=row.title))]
    if row.closed_at is not None:
        out.append(Entry(row.closed_at, "incident", "", row.closed_by or "",
                         _("incident {n} closed; cause: {cause}; fix: {fix}; follow-ups: {follow}").format(
                             n=row.id, cause=row.cause, fix=row.fix, follow=row.follow_ups)))
    if not ids:
        return sorted(out, key=lambda e: e.ts)
    marks = ", ".join("?" * len(ids))
    alerts = store.rows(f"SELECT id, target, severity, summary, value, started_at, fired_at, resolved_at "
                        f"FROM alerts WHERE id IN ({marks}) LIMIT {LIMIT}", ids)
    targets = sorted({a[1] for a in alerts})
    for alert_id, target, severity, summary, value, started, fired, resolved in alerts:
        out.append(Entry(started, "alert", target, "", _("{id} ({severity}) first seen: {summary} ({value})").format(
            id=alert_id, severity=severity, summary=summary, value=value)))
        if fired is not None:
            out.append(Entry(fired, "alert", target, "", _("{id} fired: {summary}").format(id=alert_id, summary=summary)))
        if resolved is not None:
            out.append(Entry(resolved, "alert", target, "", _("{id} resolved after {duration}").format(
                id=alert_id, duration=duration(resolved - (fired if fired is not None else started)))))
    target_of = {a[0]: a[1] for a in alerts}
    for alert_id, ts, author, kind, text in store.rows(
            f"SELECT alert_id, ts, author, kind, text FROM alert_notes WHERE alert_id IN ({marks}) "
            f"ORDER BY id LIMIT {LIMIT}", ids):
        out.append(Entry(ts, "note", target_of.get(alert_id, ""), author, _note_text(kind, alert_id, text)))
    if targets:
        start = min(a[5] for a in alerts) - MARGIN_S
        ends = [a[7] for a in alerts]
        end = row.closed_at if row.closed_at is not None else (
            now if any(e is None for e in ends) else max(e for e in ends if e is not None))
        end = max(end, max((e for e in ends if e is not None), default=end))
        tmarks = ", ".join("?" * len(targets))
        for ts, actor, action, target, details in store.rows(
                f"SELECT ts, actor, action, target, details FROM audit WHERE target IN ({tmarks}) AND ts >= ? "
                f"AND ts <= ? ORDER BY id LIMIT {LIMIT}", (*targets, start, end)):
            if action.startswith("alert.") and _alert_of(details) in target_of and action != "alert.silence":
                continue  # its note says it already
            out.append(Entry(ts, "audit", target, actor, _("{action} {details}").format(action=action,
                                                                                       details=details)))
        for ts, target, level, message in store.rows(
                f"SELECT ts, target, level, message FROM events WHERE target IN ({tmarks}) AND ts >= ? AND ts <= ? "
                f"ORDER BY ts, id LIMIT {LIMIT}", (*targets, start, end)):
            out.append(Entry(ts, "event", target, "", _("[{level}] {message}").format(level=level, message=message)))
        for run_id, started, started_by, finished in store.rows(
                f"SELECT id, started, started_by, finished FROM sop_runs WHERE template_id = ? AND started >= ? "
                f"AND started <= ? ORDER BY id LIMIT {LIMIT}", (SOP_ID, start, end)):
            out.append(Entry(started, "sop", "", started_by, _("incident-response procedure started (run {n})").format(
                n=run_id)))
            if finished is not None:
                out.append(Entry(finished, "sop", "", "", _("incident-response procedure finished (run {n})").format(
                    n=run_id)))
    return sorted(out, key=lambda e: e.ts)


def _alert_of(details: str) -> str:
    try:
        found = json.loads(details)
    except ValueError:
        return ""
    return str(found.get("alert", "")) if isinstance(found, dict) else ""


def duration(seconds: float) -> str:
    seconds = int(round(max(seconds, 0)))
    if seconds < 60:
        return _("{s} s").format(s=seconds)
    if seconds < 3600:
        return _("{m} min {s} s").format(m=seconds // 60, s=seconds % 60)
    return _("{h} h {m} min").format(h=seconds // 3600, m=seconds % 3600 // 60)
