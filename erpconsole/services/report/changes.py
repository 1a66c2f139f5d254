"""The report's "what changed since yesterday": the events and audit rows of the day as rows a
person reads (an audit row's JSON details become a sentence), and the day summed up in a few
sentences: what the audit trail recorded by kind, which disks and databases grew, and how the
accounts the access review collected went up or down."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from erpconsole.i18n import _, ngettext

DISK_GROWTH_POINTS = 1.0  # a disk that filled by less than a percentage point did not change
DB_GROWTH_BYTES = 1 << 20
_AUDIT_READ = 1000


@dataclass(frozen=True, slots=True)
class Change:
    ts: float
    kind: str  # health / action / note / audit ...
    target: str
    level: str
    message: str
    count: int = 1  # the same change repeated back to back, folded into one row
    first_ts: float | None = None  # the earliest of them, when count > 1


def recent_changes(store, since: float, until: float, limit: int) -> list[Change]:
    """Events (health changes, actions, notes) and audit rows in [since, until], newest first."""
    if store is None:
        return []
    try:
        events = [Change(e.ts, e.kind, e.target, e.level.value, e.message)
                  for e in store.recent_events(limit=limit + 1) if since <= e.ts <= until]
        audit = [Change(a.ts, "audit", a.target, "info", audit_sentence(a))
                 for a in store.audit.entries(limit=limit + 1) if since <= a.ts <= until]
    except Exception:  # noqa: BLE001 - the rest of the report still stands
        return []
    return sorted(events + audit, key=lambda c: -c.ts)


def fold_repeats(changes: list[Change]) -> list[Change]:
    """Back-to-back copies of one change (the console started four times, a target reporting
    the same failure again and again) become one row that says how many and since when; newest first in, newest first out."""
    folded: list[Change] = []
    for c in changes:
        last = folded[-1] if folded else None
        if last is not None and (last.kind, last.target, last.level, last.message) == \
                (c.kind, c.target, c.level, c.message):
            folded[-1] = dataclasses.replace(last, count=last.count + 1, first_ts=c.ts)
        else:
            folded.append(c)
    return folded


# -- one audit row as a sentence ---------------------------------------------------------------

def _details(entry) -> dict:
    try:
        found = json.loads(entry.details or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _plain(details: dict) -> str:
    """The scalar details as "key value" pairs: the row stays short and free of JSON."""
    pairs = [f"{k} {v}" for k, v in sorted(details.items())
             if not isinstance(v, (dict, list)) and v not in (None, "") and k != "phase"]
    return ", ".join(pairs)


def audit_sentence(entry) -> str:
    d = _details(entry)
    verb = entry.action.removeprefix("db.")
    if entry.action.startswith("db.") and d.get("phase") == "requested":
        return _("{actor} asked to {action} {subject}").format(
            actor=entry.actor, action=verb, subject=d.get("subject", ""))
    if entry.action.startswith("db.") and d.get("phase") == "result":
        said = _("{actor}: {action} {subject} done: {message}") if d.get("ok") else \
            _("{actor}: {action} {subject} failed: {message}")
        return said.format(actor=entry.actor, action=verb, subject=d.get("subject", ""),
                           message=d.get("message", ""))
    rest = _plain(d)
    if not rest:
        return _("{actor}: {action}").format(actor=entry.actor, action=entry.action)
    return _("{actor}: {action} ({details})").format(actor=entry.actor, action=entry.action, details=rest)


# -- the day in sentences ------------------------------------------------------------------------

def _kind_phrase(action: str, n: int) -> str:
    phrases = {
        "db.cancel": ngettext("{n} query cancelled", "{n} queries cancelled", n),
        "db.terminate": ngettext("{n} session ended", "{n} sessions ended", n),
        "db.analyze": ngettext("{n} table analysed", "{n} tables analysed", n),
        "db.vacuum": ngettext("{n} table vacuumed", "{n} tables vacuumed", n),
        "sop.start": ngettext("{n} SOP run started", "{n} SOP runs started", n),
        "sop.sign": ngettext("{n} SOP run signed", "{n} SOP runs signed", n),
        "backup.verify": ngettext("{n} backup verified", "{n} backups verified", n),
        "backup.drill": ngettext("{n} restore drill", "{n} restore drills", n),
        "access.decide": ngettext("{n} access decision", "{n} access decisions", n),
        "access.sign": ngettext("{n} access review signed", "{n} access reviews signed", n),
        "access.collect": ngettext("{n} access collection", "{n} access collections", n),
    }
    found = phrases.get(action) or ngettext("{n} entry of {action}", "{n} entries of {action}", n)
    return found.format(n=n, action=action)


def _counted(entry) -> bool:
    """A database action and a drill write a request row and a result row: count one of them."""
    d = _details(entry)
    return d.get("phase", "requested") == "requested" and d.get("event", "requested") == "requested"


def audit_kinds(entries) -> str:
    counts = Counter(e.action for e in entries if _counted(e))
    if not counts:
        return ""
    parts = [_kind_phrase(action, n) for action, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return _("The audit trail recorded {kinds}.").format(kinds=", ".join(parts))


def _first_last(store, metric: str, since: float, until: float) -> list[tuple[str, str, float, float]]:
    """(target, label, first value, last value) of each series of ``metric`` with samples."""
    with store.engine.connect() as conn:
        keys = conn.execute(text("SELECT target, label FROM series WHERE metric = :m ORDER BY target, label"),
                            {"m": metric}).fetchall()
    out = []
    for target, label in keys:
        _ts, values = store.history(target, metric, label, since, until, now=until)
        if len(values) >= 2:
            out.append((target, label, float(values[0]), float(values[-1])))
    return out


def disk_growth(store, since: float, until: float) -> list[str]:
    lines = []
    for target, mount, first, last in _first_last(store, "disk.used_percent", since, until):
        if last - first >= DISK_GROWTH_POINTS:
            lines.append(_("Disk {mount} on {target} grew from {first:.0f}% to {last:.0f}%.").format(
                mount=mount, target=target, first=first, last=last))
        elif first - last >= DISK_GROWTH_POINTS:
            lines.append(_("Disk {mount} on {target} went down from {first:.0f}% to {last:.0f}%.").format(
                mount=mount, target=target, first=first, last=last))
    for target, _label, first, last in _first_last(store, "db.size_bytes", since, until):
        if last - first >= DB_GROWTH_BYTES:
            from erpconsole.services.report.fmt import size

            lines.append(_("Database {target} grew by {delta} to {size}.").format(
                target=target, delta=size(last - first), size=size(last)))
    return lines


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M")


def account_changes(entries, since: float) -> list[str]:
    """Each campaign's newest collection of the day against the one before it."""
    by_campaign: dict[str, list] = {}
    for e in sorted((e for e in entries if e.action == "access.collect"), key=lambda e: e.ts):
        by_campaign.setdefault(e.target, []).append(e)
    lines = []
    for campaign, rows in sorted(by_campaign.items()):
        if len(rows) < 2 or rows[-1].ts < since:
            continue
        now_n, then_n = _details(rows[-1]).get("accounts"), _details(rows[-2]).get("accounts")
        if not isinstance(now_n, int) or not isinstance(then_n, int) or now_n == then_n:
            continue
        n, when = abs(now_n - then_n), _when(rows[-2].ts)
        said = ngettext("{campaign}: {n} account added since the collection of {when}.",
                        "{campaign}: {n} accounts added since the collection of {when}.", n) \
            if now_n > then_n else \
            ngettext("{campaign}: {n} account removed since the collection of {when}.",
                     "{campaign}: {n} accounts removed since the collection of {when}.", n)
        lines.append(said.format(campaign=campaign, n=n, when=when))
    return lines


def day_in_sentences(store, since: float, until: float) -> list[str]:
    """The day summed up; a store that fails to read gives no sentences, not a broken report."""
    if store is None:
        return []
    try:
        entries = store.audit.entries(limit=_AUDIT_READ)
        day = [e for e in entries if since <= e.ts <= until]
        kinds = audit_kinds(day)
        return [*([kinds] if kinds else []), *disk_growth(store, since, until),
                *account_changes(entries, since)]
    except Exception:  # noqa: BLE001 - the rest of the report still stands
        return []
