"""``erpconsole incidents open|list|show|close|figures``: incidents from the shell, against the
store. Each returns (exit code, text for stdout, text for stderr); the shell module prints them."""

from __future__ import annotations

import json
import time
from datetime import datetime

from erpconsole.i18n import _, ngettext
from erpconsole.services.alerts.service import person
from erpconsole.services.incidents.report import month_of, monthly, times_of
from erpconsole.services.incidents.store import IncidentRow, IncidentStore
from erpconsole.services.incidents.timeline import duration, timeline
from erpconsole.services.store.shell import run_on_store

EXIT_OK, EXIT_UNKNOWN = 0, 3
Result = tuple[int, str, str]


def run(action: str, url: str, **kw) -> Result:
    return run_on_store(url, IncidentStore, _ACTIONS, action, **kw)


def act(store: IncidentStore, action: str, **kw) -> Result:
    """The same act on a store already open (the window's bridge): open or close, audited alike."""
    return _ACTIONS[action](store, **kw)


def _iso(ts: float | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def _secs(value: float | None) -> str:
    return "-" if value is None else duration(value)


def _audit(store: IncidentStore, action: str, details: dict) -> None:
    from erpconsole.services.store.audit import AuditTrail

    AuditTrail(store.engine).append(action, "", details, actor=person())


def _open(store: IncidentStore, alert_ids: list[str], title: str, target: str | None = None, **_kw) -> Result:
    if not title.strip():
        return EXIT_UNKNOWN, "", _("erpconsole: --title must say what the incident is about")
    if target is not None:
        grouped = store.active_alerts_of(target)
        if not grouped:
            return EXIT_UNKNOWN, "", _("erpconsole: {target} has no active alert; `erpconsole alerts list` shows "
                                       "which targets have").format(target=target)
        alert_ids = [*alert_ids, *grouped]
    if not alert_ids:
        return EXIT_UNKNOWN, "", _("erpconsole: name the alerts (ALERT_ID..., from `erpconsole alerts list`) "
                                   "or --target NAME for a target's active alerts")
    missing = store.missing_alerts(alert_ids)
    if missing:
        return EXIT_UNKNOWN, "", ngettext(
            "erpconsole: no alert {ids}; `erpconsole alerts list --all` shows their ids",
            "erpconsole: no alerts {ids}; `erpconsole alerts list --all` shows their ids",
            len(missing)).format(ids=", ".join(missing))
    number = store.open(title.strip(), alert_ids, person(), time.time())
    _audit(store, "incident.open", {"incident": number, "alerts": list(dict.fromkeys(alert_ids)),
                                    "title": title.strip()})
    return EXIT_OK, ngettext("incident {n} opened with {count} alert: {ids}\n",
                             "incident {n} opened with {count} alerts: {ids}\n", len(set(alert_ids))).format(
        n=number, count=len(set(alert_ids)), ids=", ".join(dict.fromkeys(alert_ids))), ""


def _as_json(store: IncidentStore, row: IncidentRow) -> dict:
    times = times_of(store, row)
    return {"id": row.id, "title": row.title, "state": row.state, "opened_at": row.opened_at,
            "opened_by": row.opened_by, "closed_at": row.closed_at, "closed_by": row.closed_by,
            "cause": row.cause, "fix": row.fix, "follow_ups": row.follow_ups, "alerts": list(row.alert_ids),
            "targets": list(times.targets) if times else [], "severity": times.severity if times else None,
            "started_at": times.start if times else None,
            "tta_s": times.tta_s if times else None, "ttr_s": times.ttr_s if times else None}


def _list(store: IncidentStore, fmt: str = "table", **_kw) -> Result:
    rows = [_as_json(store, r) for r in store.incidents()]
    if fmt == "json":
        return EXIT_OK, json.dumps(rows, ensure_ascii=False, indent=1) + "\n", ""
    if not rows:
        return EXIT_OK, _("no incidents") + "\n", ""
    head = (_("ID"), _("STATE"), _("SEVERITY"), _("TARGETS"), _("OPENED"), _("TTA"), _("TTR"), _("TITLE"))
    table = [head] + [(str(r["id"]), r["state"], r["severity"] or "-", ", ".join(r["targets"]),
                       _iso(r["opened_at"]), _secs(r["tta_s"]), _secs(r["ttr_s"]), r["title"]) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head) - 1)]
    return EXIT_OK, "\n".join("  ".join(c.ljust(w) for c, w in zip(row[:-1], widths)) + "  " + row[-1]
                              for row in table) + "\n", ""


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return -1


def _missing(number: str) -> Result:
    return EXIT_UNKNOWN, "", _("erpconsole: no incident {id}; `erpconsole incidents list` shows their "
                               "ids").format(id=number)


def _show(store: IncidentStore, incident_id: str, fmt: str = "table", **_kw) -> Result:
    row = store.get(_number(incident_id))
    if row is None:
        return _missing(incident_id)
    entries = timeline(store, row, time.time())
    if fmt == "json":
        body = {**_as_json(store, row), "timeline": [e.as_json() for e in entries]}
        return EXIT_OK, json.dumps(body, ensure_ascii=False, indent=1) + "\n", ""
    lines = [_("incident {n}: {title} ({state})").format(n=row.id, title=row.title, state=row.state)]
    lines += [f"{_iso(e.ts)}  {e.source:<8}  {e.target:<12}  {e.who:<16}  {e.text}" for e in entries]
    return EXIT_OK, "\n".join(lines) + "\n", ""


def _close(store: IncidentStore, incident_id: str, cause: str | None, fix: str | None,
           follow_up: list[str] | None, **_kw) -> Result:
    lacking = [name for name, value in (("--cause", cause), ("--fix", fix)) if not (value or "").strip()]
    follow = [f.strip() for f in (follow_up or []) if f.strip()]
    if not follow:
        lacking.append("--follow-up")
    if lacking:
        return EXIT_UNKNOWN, "", _("erpconsole: closing an incident asks what caused it, what fixed it and "
                                   "what follows up; give {missing} (--follow-up may be given several "
                                   "times, or \"none\")").format(missing=", ".join(lacking))
    number = _number(incident_id)
    row = store.get(number)
    if row is None:
        return _missing(incident_id)
    if not store.close(number, cause.strip(), fix.strip(), "\n".join(follow), person(), time.time()):
        return EXIT_UNKNOWN, "", _("erpconsole: incident {n} was already closed at {when}").format(
            n=number, when=_iso(row.closed_at))
    _audit(store, "incident.close", {"incident": number, "cause": cause.strip(), "fix": fix.strip(),
                                     "follow_ups": follow})
    return EXIT_OK, _("incident {n} closed\n").format(n=number), ""


def _figures(store: IncidentStore, month: str | None = None, fmt: str = "table", **_kw) -> Result:
    now = time.time()
    month = month or month_of(now)
    try:
        rows = monthly(store, month, now)
    except ValueError:
        return EXIT_UNKNOWN, "", _("erpconsole: --month takes a month like 2026-12 (got {got!r})").format(got=month)
    if fmt == "json":
        return EXIT_OK, json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=1) + "\n", ""
    if not rows:
        return EXIT_OK, _("no incidents and no health history in {month}").format(month=month) + "\n", ""
    head = (_("TARGET"), _("INCIDENTS"), _("BY SEVERITY"), _("MTTA"), _("MTTR"), _("MISSED"), _("AVAILABILITY"),
            _("UNKNOWN"))
    table = [head]
    for r in rows:
        share = r.availability.share if r.availability else None
        severities = ", ".join(f"{k} {v}" for k, v in sorted(r.by_severity.items())) or "-"
        table.append((r.target, str(r.incidents), severities, _secs(r.mtta_s), _secs(r.mttr_s),
                      str(r.missed_responses), "-" if share is None else f"{share:.3%}",
                      _secs(r.availability.unknown_s) if r.availability else "-"))
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    lines = [_("{month}: unknown = no poll recorded (counted neither healthy nor down)").format(month=month)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in table]
    return EXIT_OK, "\n".join(lines) + "\n", ""


_ACTIONS = {"open": _open, "list": _list, "show": _show, "close": _close, "figures": _figures}
