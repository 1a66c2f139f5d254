"""Maintenance actions on MySQL/MariaDB: the exact statement a confirmation shows, and what its
result rows mean. Identifiers and thread ids go into the text as checked literals (KILL and
ANALYZE TABLE take no bound parameters)."""

from __future__ import annotations

from erpconsole.services.databases import sql_text
from erpconsole.i18n import _
from erpconsole.services.models import DbAction

# Reading an OPTIMIZE of a big table may take a long while; a hung server must still end it.
MAINTENANCE_READ_TIMEOUT_S = 3600


def quote_ident(name: str) -> str:
    if not name:
        raise ValueError(_("a table name is needed"))
    return "`" + name.replace("`", "``") + "`"


def single_statement(query: str) -> str:
    return sql_text.single_statement(query, sql_text.MYSQL)


def build(target: str, action: str, *, default_schema: str | None, pid: int | None = None,
          table: str | None = None, schema: str | None = None,
          query: str | None = None) -> DbAction:
    if action in ("cancel", "terminate"):
        if pid is None or isinstance(pid, bool):
            raise ValueError(_("{action} needs a session id").format(action=action))
        number = int(pid)  # a literal in KILL: refuses anything but a number
        if number <= 0:
            raise ValueError(_("{pid} is not a session id").format(pid=pid))
        verb = "KILL QUERY" if action == "cancel" else "KILL"
        return DbAction(target, action, f"{verb} {number}", _("session {pid}").format(pid=number))
    if action in ("analyze", "optimize"):
        owner = schema or default_schema
        if not owner:
            raise ValueError(_("{action} needs the table's schema").format(action=action))
        name = f"{quote_ident(owner)}.{quote_ident(table or '')}"
        return DbAction(target, action, f"{action.upper()} TABLE {name}", f"{owner}.{table}")
    if action == "explain":
        return DbAction(target, action, "EXPLAIN " + single_statement(query or ""), _("query plan"))
    if action == "vacuum":
        raise ValueError(_("VACUUM is a PostgreSQL and SQLite action; on MySQL and MariaDB use "
                           "OPTIMIZE TABLE to reclaim space"))
    raise ValueError(_("unknown action {action!r} for MySQL/MariaDB").format(action=action))


def judge(action: DbAction, rows: tuple[tuple[str, ...], ...]) -> tuple[bool, str]:
    """(ok, message): ANALYZE/OPTIMIZE TABLE answer rows of (Table, Op, Msg_type, Msg_text)
    instead of raising, and a row of type 'error' is a failure."""
    if action.action in ("analyze", "optimize"):
        texts: list[str] = []
        for row in rows:
            text = row[3] if len(row) > 3 else ""
            if text and text not in texts:
                texts.append(text)
        failed = any(len(r) > 2 and r[2].lower() == "error" for r in rows)
        return not failed, "; ".join(texts) or _("done")
    if action.action == "cancel":
        return True, _("the running query of {subject} was cancelled").format(subject=action.subject)
    if action.action == "terminate":
        return True, _("{subject} was ended").format(subject=action.subject)
    if action.action == "explain":
        return True, _("plan of {n} rows").format(n=len(rows))
    return True, _("done")
