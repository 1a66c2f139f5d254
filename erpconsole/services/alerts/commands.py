"""``erpconsole alerts list|ack|unack|silence|unsilence``: the alerts from the shell, against
the store. Each returns (exit code, text for stdout, text for stderr); cli.py prints them."""

from __future__ import annotations

import json
import time
from datetime import datetime

from erpconsole.i18n import _, ngettext
from erpconsole.services.alerts.service import person
from erpconsole.services.alerts.silences import SilenceError, parse_duration
from erpconsole.services.alerts.store import AlertRow, AlertStore
from erpconsole.services.store.shell import run_on_store

EXIT_OK, EXIT_UNKNOWN = 0, 3
Result = tuple[int, str, str]


def run(action: str, url: str, **kw) -> Result:
    return run_on_store(url, AlertStore, _ACTIONS, action, **kw)


def act(store: AlertStore, action: str, **kw) -> Result:
    """One of the shell's acts on an open store (the window's Alerts page): the same checks,
    messages and audit rows as ``erpconsole alerts ACTION``."""
    return _ACTIONS[action](store, **kw)


def _iso(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def _list(store: AlertStore, fmt: str = "table", include_resolved: bool = False, **_kw) -> Result:
    rows = store.alerts(include_resolved)
    if fmt == "json":
        return EXIT_OK, json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=1) + "\n", ""
    who = _evaluator(store)
    if not rows:
        return EXIT_OK, (_("no alerts") if include_resolved else _("no active alerts")) + "\n" + who, ""
    head = (_("ID"), _("STATE"), _("SEVERITY"), _("TARGET"), _("RULE"), _("SINCE"), _("SUMMARY"))
    table = [head] + [(r.id, r.state, r.severity, r.target, r.rule, _iso(r.started_at), _summary(r))
                      for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths)) + "  " + row[-1] for row in table]
    return EXIT_OK, "\n".join(lines) + "\n" + who, ""


def _evaluator(store: AlertStore) -> str:
    """Who keeps these alerts up to date: a list read while no process evaluates is stale."""
    from erpconsole.services.store.lock import RULES, StoreLease

    try:
        holder = StoreLease(store.engine, RULES, holder="-").current()
    except Exception:  # noqa: BLE001 - the table is the answer; this line is a courtesy
        return ""
    if holder is None or holder.lapsed:
        return _("no console or agent evaluates the rules for this store now: these alerts are not "
                 "kept up to date\n")
    return _("rules evaluated by {holder}\n").format(holder=holder.holder)


def _summary(r: AlertRow) -> str:
    if r.acked_by:
        return _("{summary} (acknowledged by {who}: {comment})").format(
            summary=r.summary, who=r.acked_by, comment=r.comment or "")
    return r.summary


def _missing(alert_id: str) -> Result:
    return EXIT_UNKNOWN, "", _("erpconsole: no alert {id}; `erpconsole alerts list --all` shows their "
                               "ids").format(id=alert_id)


def _ack(store: AlertStore, alert_id: str, comment: str, **_kw) -> Result:
    if not comment.strip():
        return EXIT_UNKNOWN, "", _("erpconsole: --comment must say what is being done about it")
    row = store.ack(alert_id, person(), comment.strip(), time.time())
    if row is None:
        return _missing(alert_id)
    _audit(store, "alert.ack", row.target, {"alert": row.id, "rule": row.rule, "comment": row.comment})
    if row.state == "resolved":
        return EXIT_OK, _("{id} had already resolved at {when}; the acknowledgement is recorded on it\n").format(
            id=row.id, when=_iso(row.resolved_at)), ""
    return EXIT_OK, _("{id} acknowledged by {who}: no escalation while it lasts\n").format(
        id=row.id, who=row.acked_by), ""


def _unack(store: AlertStore, alert_id: str, **_kw) -> Result:
    row = store.unack(alert_id, person(), time.time())
    if row is None:
        return _missing(alert_id)
    _audit(store, "alert.unack", row.target, {"alert": row.id, "rule": row.rule})
    return EXIT_OK, _("{id} is no longer acknowledged ({state})\n").format(id=row.id, state=row.state), ""


def _silence(store: AlertStore, target: str | None, tag: str | None, duration: str, comment: str,
             **_kw) -> Result:
    try:
        seconds = parse_duration(duration)
    except SilenceError as exc:
        return EXIT_UNKNOWN, "", _("erpconsole: --for: {error}").format(error=exc)
    if not comment.strip():
        return EXIT_UNKNOWN, "", _("erpconsole: --comment must give the reason for the silence")
    now = time.time()
    silence_id = store.add_silence(target, tag, now, now + seconds, comment.strip(), person(), now)
    _audit(store, "alert.silence", target or "", {"silence": silence_id, "tag": tag, "until": now + seconds,
                                                  "comment": comment.strip()})
    what = (_("target {name}").format(name=target) if target is not None
            else _("tag {name}").format(name=tag))
    return EXIT_OK, _("silence {id}: {what} until {end}; `erpconsole alerts unsilence {id}` ends it "
                      "sooner\n").format(id=silence_id, what=what, end=_iso(now + seconds)), ""


def _unsilence(store: AlertStore, silence_id: str, **_kw) -> Result:
    try:
        number = int(silence_id)
    except ValueError:
        number = -1
    if not store.remove_silence(number, person(), time.time()):
        active = store.silences(time.time())
        return EXIT_UNKNOWN, "", ngettext(
            "erpconsole: no active silence {id}; {n} silence is active: {ids}",
            "erpconsole: no active silence {id}; {n} silences are active: {ids}", len(active)).format(
            id=silence_id, n=len(active), ids=", ".join(str(s.id) for s in active) or "-")
    _audit(store, "alert.unsilence", "", {"silence": number})
    return EXIT_OK, _("silence {id} ended\n").format(id=number), ""


def _add_note(store: AlertStore, alert_id: str, text: str, **_kw) -> Result:
    row = store.get(alert_id)
    if row is None:
        return _missing(alert_id)
    if not text.strip():
        return EXIT_UNKNOWN, "", _("erpconsole: a note must say something")
    store.note(alert_id, person(), text.strip(), time.time())
    _audit(store, "alert.note", row.target, {"alert": row.id, "rule": row.rule, "text": text.strip()})
    return EXIT_OK, _("note added to {id}\n").format(id=row.id), ""


def _audit(store: AlertStore, action: str, target: str, details: dict) -> None:
    """What a person did to an alert goes into the audit trail too (the incident's timeline)."""
    from erpconsole.services.store.audit import AuditTrail

    AuditTrail(store.engine).append(action, target, details, actor=person())


_ACTIONS = {"list": _list, "ack": _ack, "unack": _unack, "silence": _silence, "unsilence": _unsilence,
            "note": _add_note}
