"""Vetting a statement a person typed for EXPLAIN: exactly one statement, whatever hides in
quotes and comments. Not a parser: it only finds where statements end."""

from __future__ import annotations

from dataclasses import dataclass

from erpconsole.i18n import _


@dataclass(frozen=True, slots=True)
class Lexis:
    """The few lexical rules that differ between servers."""

    quotes: tuple[tuple[str, str], ...] = (("'", "'"), ('"', '"'), ("`", "`"))
    backslash_escapes: str = ""  # the quote characters inside which a backslash escapes
    hash_comments: bool = False
    dashes_need_space: bool = False  # MySQL: "--" starts a comment only before a space
    executable_comments: tuple[str, ...] = ()  # MySQL's /*! ... */ run as code


MYSQL = Lexis(backslash_escapes="'\"", hash_comments=True, dashes_need_space=True,
              executable_comments=("/*!", "/*M!"))
SQLITE = Lexis(quotes=(("'", "'"), ('"', '"'), ("`", "`"), ("[", "]")))


def _comment_end(query: str, i: int, lexis: Lexis) -> int | None:
    """Where the comment starting at ``i`` ends, or None when no comment starts there."""
    n, two = len(query), query[i:i + 2]
    if two == "/*":
        if query.startswith(lexis.executable_comments, i):
            # Executable comments run as code on the server: too clever to vet here.
            raise ValueError(_("EXPLAIN does not accept executable comments (/*! ... */)"))
        close = query.find("*/", i + 2)
        return n if close < 0 else close + 2
    dashes = two == "--" and (not lexis.dashes_need_space or i + 2 == n or query[i + 2].isspace())
    if dashes or (lexis.hash_comments and query[i] == "#"):
        close = query.find("\n", i)
        return n if close < 0 else close
    return None


def _quoted_end(query: str, i: int, lexis: Lexis) -> int | None:
    closing = next((c for o, c in lexis.quotes if o == query[i]), None)
    if closing is None:
        return None
    j, n = i + 1, len(query)
    while j < n and query[j] != closing:
        j += 2 if query[j] == "\\" and query[i] in lexis.backslash_escapes else 1
    return min(j + 1, n)


def code_mask(query: str, lexis: Lexis) -> str:
    """``query`` with comments blanked and quoted text replaced by 'x', same length: what is
    left shows where statements really end."""
    out, i = [], 0
    while i < len(query):
        end = _comment_end(query, i, lexis)
        if end is not None:
            out.append(" " * (end - i))
        else:
            end = _quoted_end(query, i, lexis)
            out.append(query[i] if end is None else "x" * (end - i))
            end = i + 1 if end is None else end
        i = end
    return "".join(out)


def single_statement(query: str, lexis: Lexis) -> str:
    """The one statement in ``query`` with any trailing ';' removed; ValueError for none or
    several (EXPLAIN must never be a way to run a second statement)."""
    mask = code_mask(query, lexis)
    pieces, start = [], 0
    for pos, ch in enumerate(mask + ";"):
        if ch == ";":
            if mask[start:pos].strip():
                pieces.append(query[start:pos].strip())
            start = pos + 1
    if not pieces:
        raise ValueError(_("there is no statement to explain"))
    if len(pieces) > 1:
        raise ValueError(_("EXPLAIN takes a single statement; this text holds {n}").format(
            n=len(pieces)))
    return pieces[0]
