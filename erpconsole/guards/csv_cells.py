"""CSV cells a spreadsheet would run as a formula, kept as the text they were.

OWASP's "CSV Injection" page: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is a formula (or becomes one) when Excel, LibreOffice or Google Sheets opens
the file, so ``=HYPERLINK("http://x","y")`` as a role name would be a live link in an
auditor's sheet. Each such cell gets a leading single quote, which the spreadsheet shows as
text. A plain signed number (``-3.5``, ``+20%``) stays a number: it runs nothing. Every CSV the
console writes (the evidence package, table and chart exports) goes through ``guard_cell``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?")


def guard_cell(value: object) -> object:
    """A text cell Excel would evaluate gets a leading apostrophe; other values pass as they
    are (numbers, booleans and None cannot start a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value


def guard_row(row: Iterable[object]) -> list[object]:
    return [guard_cell(v) for v in row]
