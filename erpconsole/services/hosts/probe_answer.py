"""Pure parsing of the probe's answer as a whole: its marked sections, the /proc bundle, and
the error and number readers every parser of a section shares.

No Qt, no I/O, no paramiko. A parser either returns a value or raises ``ProbeParseError`` with
a sentence a person understands and a short raw excerpt; garbage never escapes as another
exception type. Numbers are read with strict ASCII patterns, because ``int()`` and ``float()``
accept "nan", "1_000" and non-Latin digits that no kernel writes. The /proc files themselves
are read in ``procparse``, the other sections (df, sensors, facts) in ``sysparse``.
"""

from __future__ import annotations

import math
import re

from erpconsole.i18n import _
from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts.probe import (
    END,
    FACTS_SECTIONS,
    MARKER,
    PROBE_SECTIONS,
    PROC_BUNDLE,
    PROC_FILES,
)
from erpconsole.services.models import Health

_EXCERPT_CHARS = 300
_LINE_CHARS = 60

_INT_DIGITS = 30
_INT_RE = re.compile(r"[0-9]{1,30}")
_FLOAT_RE = re.compile(r"-?[0-9]{1,30}(?:\.[0-9]{1,30})?")
_SECTION_RE = re.compile(r"[a-z_]{1,32}")
_HEAD_RE = re.compile(r"==> (.+) <==")


class ProbeParseError(CollectorError):
    """A section of the probe's answer that is garbage or cut short (health ``parse_error``)."""

    def __init__(self, section: str, message: str, excerpt: str = "") -> None:
        super().__init__(Health.PARSE_ERROR, message, excerpt)
        self.section = section
        self.excerpt = excerpt


def source_of(section: str) -> str:
    """Where a section comes from on the host, as a person would name it."""
    if section == END:
        return _("The probe's answer")
    if section == PROC_BUNDLE:
        return "/proc"
    return PROBE_SECTIONS.get(section) or FACTS_SECTIONS.get(section) or section


def excerpt(text: str, line_no: int | None = None) -> str:
    """A short, printable piece of ``text``: the bad line and its neighbours, or the start."""
    lines = text.split("\n")
    if line_no is not None and lines:
        lo = max(0, line_no - 2)
        text = "\n".join(f"{i + 1}: {ln[:120]}" for i, ln in enumerate(lines) if lo <= i <= line_no)
    # Binary garbage would corrupt a log line or a details box; escape what is not printable.
    shown = "".join(_printable(c) for c in text[:_EXCERPT_CHARS])
    return shown[:_EXCERPT_CHARS]


def _printable(c: str) -> str:
    return c if c.isprintable() or c == "\n" else repr(c)[1:-1]


def fail(section: str, problem: str, text: str = "", line_no: int | None = None) -> ProbeParseError:
    """The error for ``section``; ``line_no`` (0-based) points the excerpt at the bad line."""
    message = _("{source} from the host could not be read: {problem}").format(
        source=source_of(section), problem=problem
    )
    return ProbeParseError(section, message, excerpt(text, line_no))


def line_problem(n: int, line: str, what: str) -> str:
    """``line 3 'xyz' has no value`` (``n`` is 0-based; ``what`` is already translated)."""
    shown = line.strip()[:_LINE_CHARS]
    return _("line {n} '{line}' {what}").format(n=n + 1, line=shown, what=what)


def bad_numbers(section: str, n: int, line: str, text: str) -> ProbeParseError:
    return fail(section, line_problem(n, line, _("has no valid numbers")), text, n)


def to_int(token: str) -> int:
    """A non-negative decimal integer, or ValueError (the callers turn it into a parse error)."""
    if not _INT_RE.fullmatch(token):
        raise ValueError(token)
    return int(token)


def to_ints(tokens: list[str]) -> list[int]:
    """``to_int`` of each token (non-empty, as ``str.split`` gives them), checked at once: a
    poll reads about 250 numbers, and one pattern match each was a third of its parsing."""
    joined = "".join(tokens)
    # ASCII digits only (isdigit alone takes "²" and other scripts' digits), 30 at most each.
    if not (joined.isascii() and joined.isdigit()) or max(map(len, tokens)) > _INT_DIGITS:
        raise ValueError(tokens)
    return list(map(int, tokens))


def to_float(token: str) -> float:
    if not _FLOAT_RE.fullmatch(token):
        raise ValueError(token)
    value = float(token)
    if not math.isfinite(value):
        raise ValueError(token)
    return value


def content_lines(text: str) -> list[tuple[int, str]]:
    """(0-based line number, line) of the lines that are not blank."""
    # split("\n"), not splitlines(): garbage holding \f or \x1c must not shift line numbers.
    return [(i, ln) for i, ln in enumerate(text.split("\n")) if ln.strip()]


# --- sections -------------------------------------------------------------------------------


def split_sections(text: str | bytes, token: str | None = None) -> dict[str, str]:
    """The probe's answer as {section name: text}; ProbeParseError when it was cut short.

    Text before the first marker (a login banner, an echo) is ignored. With ``token`` only the
    end line carrying it counts, and whatever an earlier, abandoned poll left before its own
    end line is dropped: output of one poll can never pass for another's.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if "\r" in text:  # a pseudo-terminal turns \n into \r\n
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    end = _find_end(lines, token)
    if end is None:
        raise fail(END, _("it was cut short (no end marker)"), text[-_EXCERPT_CHARS:])
    ends = MARKER + END
    start = max((n + 1 for n in range(end) if lines[n].startswith(ends) and _is_end(lines[n])),
                default=0)
    out = _collect(lines, start, end, text)
    bundle = out.pop(PROC_BUNDLE, None)
    if bundle is not None:
        out.update(_split_bundle(bundle))
    return out


def _collect(lines: list[str], start: int, end: int, text: str) -> dict[str, str]:
    """The marked sections among ``lines[start:end]``; lines before the first are ignored."""
    marks = [n for n in range(start, end) if lines[n].startswith(MARKER)]
    sections: dict[str, str] = {}
    for i, n in enumerate(marks):
        line = lines[n]
        name = line[len(MARKER):].strip()
        if not _SECTION_RE.fullmatch(name) or name in sections:
            problem = line_problem(n, line, _("is repeated or is no section name"))
            raise fail(END, problem, text, n)
        stop = marks[i + 1] if i + 1 < len(marks) else end
        sections[name] = "\n".join(lines[n + 1:stop]).strip("\n")
    return sections


def _is_end(line: str) -> bool:
    return line == MARKER + END or line.startswith(MARKER + END + " ")


def _find_end(lines: list[str], token: str | None) -> int | None:
    for n in range(len(lines) - 1, -1, -1):
        if _is_end(lines[n]) and (token is None or lines[n].split(" ", 1)[-1] == token):
            return n
    return None


def _split_bundle(text: str) -> dict[str, str]:
    """The /proc files read by one ``head``, split at its ``==> FILE <==`` headers."""
    lines = text.split("\n")
    heads = [(n, m) for n, line in enumerate(lines) if line.startswith("==> ")
             and (m := _HEAD_RE.fullmatch(line)) is not None]
    first = heads[0][0] if heads else len(lines)
    for n in range(first):
        if lines[n].strip():
            raise fail(PROC_BUNDLE, line_problem(n, lines[n], _("comes before any file name")),
                       text, n)
    out: dict[str, str] = {}
    for i, (n, m) in enumerate(heads):
        name = PROC_FILES.get(m.group(1))
        if name is None or name in out:
            raise fail(PROC_BUNDLE, line_problem(n, lines[n], _("names no expected file")), text, n)
        stop = heads[i + 1][0] if i + 1 < len(heads) else len(lines)
        out[name] = "\n".join(lines[n + 1:stop]).strip("\n")
    return out
