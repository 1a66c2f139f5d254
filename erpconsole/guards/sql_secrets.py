"""A statement's secret literals, masked before its text leaves the live view.

The session at the head of a lock queue is named with its query in the lock-wait finding,
which goes on to the event log in the store, `inspect`'s output and the alert notifications
(mail, chat robots). A session that set a password (``ALTER ROLE app PASSWORD 'x'``, MySQL's
``IDENTIFIED BY 'x'``, ``SET PASSWORD = PASSWORD('x')``) or that matched on a ``password`` column
would carry the secret there in plain text: the literal after such a keyword is masked. A
literal cut short by the server (``track_activity_query_size``) is masked to its end.
"""

from __future__ import annotations

import re

MASK = "'***'"
_SECRET_LITERAL = re.compile(
    r"""(?ix)
    (\b(?:password|passwd|identified\s+(?:with\s+\w+\s+)?(?:by|as))  # the keyword (a column too)
     \s*(?:=\s*)?(?:(?:old_)?password\s*)?(?:\(\s*)?)                 # MySQL's = PASSWORD(
    (?:'(?:[^'\\]|''|\\.)*(?:'|$)|"(?:[^"\\]|""|\\.)*(?:"|$))         # the literal
    """)


def mask_statement(sql: str) -> str:
    """``sql`` with the literal after PASSWORD, IDENTIFIED BY and the like shown as '***'."""
    return _SECRET_LITERAL.sub(lambda m: m.group(1) + MASK, sql)
