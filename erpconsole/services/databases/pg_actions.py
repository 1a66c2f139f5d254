"""PostgreSQL maintenance actions as the exact text the confirmation dialog shows.

Values are placed in the text, not bound, so that what the person confirms is character
for character what runs: a pid is checked to be an int first, names are quoted as
identifiers. EXPLAIN takes a query typed by a person: it is refused unless it is a single
statement, because a statement without parameters goes over the simple query protocol,
which would run everything after a ';'.
"""

from __future__ import annotations

import re

from erpconsole.services.databases.pg_queries import quote_ident
from erpconsole.i18n import _
from erpconsole.services.models import DbAction

ACTIONS = ("cancel", "terminate", "analyze", "vacuum", "explain")
_SIGNALS = {"cancel": "pg_cancel_backend", "terminate": "pg_terminate_backend"}
# EXPLAIN's own options after the word EXPLAIN: ANALYZE would run the statement instead of
# planning it. "(SELECT ...) UNION ..." also starts with a parenthesis and stays allowed.
_OPTIONS = re.compile(r"^(analy[sz]e|verbose)\b|^\(\s*(analy[sz]e|verbose|costs|settings|buffers"
                      r"|wal|timing|summary|format|generic_plan|serialize|memory)\b", re.I)


def build(target: str, action: str, *, pid: object = None, table: str | None = None,
          schema: str | None = None, query: str | None = None) -> DbAction:
    if action in _SIGNALS:
        n = checked_pid(pid)
        return DbAction(target, action, f"SELECT {_SIGNALS[action]}({n})",
                        _("pid {pid}").format(pid=n))
    if action in ("analyze", "vacuum"):
        name = qualified(schema, table)
        verb = "ANALYZE" if action == "analyze" else "VACUUM (ANALYZE)"
        return DbAction(target, action, f"{verb} {name}",
                        f"{schema}.{table}" if schema else str(table))
    if action == "explain":
        text = single_statement(query)
        return DbAction(target, action, f"EXPLAIN {text}", text[:80])
    if action == "optimize":
        raise ValueError(_("OPTIMIZE TABLE is MySQL's; on PostgreSQL use VACUUM (ANALYZE)"))
    raise ValueError(_("unknown action {action!r} for PostgreSQL (one of: {known})").format(
        action=action, known=", ".join(ACTIONS)))


def checked_pid(pid: object) -> int:
    # bool is an int in Python; True must not become "pg_terminate_backend(1)".
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        raise ValueError(_("a session is named by its pid, a positive whole number (got {pid!r})")
                         .format(pid=pid))
    return pid


def qualified(schema: str | None, table: str | None) -> str:
    if not table or "\x00" in table:
        raise ValueError(_("name the table to work on"))
    if schema is not None and (not schema or "\x00" in schema):
        raise ValueError(_("the schema name is empty or not valid"))
    name = quote_ident(table)
    return f"{quote_ident(schema)}.{name}" if schema else name


def single_statement(query: str | None) -> str:
    """The query without surrounding blanks and one trailing ';', or ValueError."""
    text = (query or "").strip()
    if text.endswith(";"):
        text = text[:-1].rstrip()
    if not text:
        raise ValueError(_("type the statement to explain"))
    # A ';' inside a string literal is refused too: telling literals apart would need
    # PostgreSQL's own lexer (E'' strings, dollar quotes), and a wrong guess runs SQL.
    if ";" in text:
        raise ValueError(_("EXPLAIN takes one statement: remove everything after the first ';'"))
    if _OPTIONS.match(text):
        raise ValueError(_("give the statement alone: the console shows the plan without "
                           "running it, so EXPLAIN options such as ANALYZE are not taken"))
    return text


def judge(action: DbAction, rows: tuple) -> tuple[bool, str]:
    """(ok, message). pg_cancel_backend and pg_terminate_backend return false, with only a
    server warning, when no such session exists."""
    if action.action in _SIGNALS:
        pid = action.statement[action.statement.index("(") + 1:-1]
        if not rows or rows[0][0] not in ("True", "t", "true"):
            return False, _("session {pid} was not found (it may have ended)").format(pid=pid)
        if action.action == "cancel":
            return True, _("the running statement of session {pid} was cancelled").format(pid=pid)
        return True, _("session {pid} was terminated").format(pid=pid)
    if action.action == "explain":
        return True, _("plan of {lines} lines").format(lines=len(rows))
    return True, _("{statement} finished").format(statement=action.statement)
