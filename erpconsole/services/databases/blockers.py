"""The session at the head of a lock queue, in words and in JSON: who it is (pid, user,
application), what it is doing, since when its statement runs and its transaction is open, and
its query cut to a line. The lock-wait finding, ``inspect`` and the event log say this."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from erpconsole.guards.sql_secrets import mask_statement
from erpconsole.i18n import _, ngettext
from erpconsole.services.models import PREPARED_XACT_PID, DbBlocker, DbSession
from erpconsole.services.units import duration as span

QUERY_CHARS = 120  # of the blocker's query in a finding: one line of the event log


def cut_query(query: str, limit: int = QUERY_CHARS) -> str:
    """The query on one line, its secret literals masked (it goes on to the store and the
    notifications), cut at ``limit`` characters with an ellipsis."""
    line = " ".join(mask_statement(query).split())
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


def _clock(ts: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts))


def details(s: DbSession, now: float) -> str:
    """'user odoo, application odoo-cron, idle in transaction, transaction open for 6.2 min,
    statement started at 03:12:05 (6.2 min ago)': the parts the server gave."""
    parts = []
    if s.user:
        parts.append(_("user {user}").format(user=s.user))
    if s.application:
        parts.append(_("application {application}").format(application=s.application))
    if s.state:
        parts.append(s.state)
    if s.xact_age_s is not None:
        parts.append(_("transaction open for {age}").format(age=span(s.xact_age_s)))
    if s.query_start_ts is not None:
        parts.append(_("statement started at {time} ({age} ago)").format(
            time=_clock(s.query_start_ts), age=span(max(0.0, now - s.query_start_ts))))
    return ", ".join(parts)


def describe(b: DbBlocker, now: float) -> str:
    """The finding's sentence for one queue."""
    n, wait = len(b.waiting), span(b.longest_wait_s)
    if b.pid is None:
        return ngettext(
            "{n} session waiting on a lock for up to {wait}; the server does not say which session "
            "holds it: look in the Activity tab for a long open transaction on the same table",
            "{n} sessions waiting on a lock for up to {wait}; the server does not say which session "
            "holds it: look in the Activity tab for a long open transaction on the same table",
            n).format(n=n, wait=wait)
    if b.pid == PREPARED_XACT_PID:
        return ngettext(
            "{n} session waiting on a lock for up to {wait} behind a prepared transaction: "
            "pg_prepared_xacts lists it; COMMIT PREPARED or ROLLBACK PREPARED ends it",
            "{n} sessions waiting on a lock for up to {wait} behind a prepared transaction: "
            "pg_prepared_xacts lists it; COMMIT PREPARED or ROLLBACK PREPARED ends it",
            n).format(n=n, wait=wait)
    if b.session is None:
        return ngettext(
            "{n} session waiting on a lock for up to {wait} behind session {pid} (not a client "
            "session: a background process of the server)",
            "{n} sessions waiting on a lock for up to {wait} behind session {pid} (not a client "
            "session: a background process of the server)",
            n).format(n=n, wait=wait, pid=b.pid)
    fields = {"n": n, "wait": wait, "pid": b.pid, "details": details(b.session, now),
              "query": cut_query(b.session.query)}
    if fields["query"]:
        return ngettext(
            "{n} session waiting on a lock for up to {wait} behind session {pid} ({details}): {query}",
            "{n} sessions waiting on a lock for up to {wait} behind session {pid} ({details}): {query}",
            n).format(**fields)
    return ngettext(
        "{n} session waiting on a lock for up to {wait} behind session {pid} ({details})",
        "{n} sessions waiting on a lock for up to {wait} behind session {pid} ({details})",
        n).format(**fields)


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


def to_json(b: DbBlocker) -> dict:
    """One queue for ``inspect --format json``: the blocker's fields (None where not known)."""
    s = b.session
    return {
        "pid": b.pid,
        "user": s.user if s else None,
        "application": s.application if s else None,
        "state": s.state if s else None,
        "query_start": _iso(s.query_start_ts) if s else None,
        "xact_age_s": s.xact_age_s if s else None,
        "query": cut_query(s.query, 1000) if s else None,
        "waiting": len(b.waiting),
        "waiting_pids": [w.pid for w in b.waiting],
        "longest_wait_s": b.longest_wait_s,
    }
