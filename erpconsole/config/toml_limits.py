"""What tomllib cannot be handed safely, found before or after it parses, with the line.

tomllib recurses once per nesting level, so ``a = [[[[...]]]]`` 5,000 deep ends in a
RecursionError, not a TOMLDecodeError; and an integer of more than 4,300 digits raises
Python's own ValueError (int_max_str_digits). Both are bad input and must be said with
FILE:LINE like any other. An inventory needs a few levels ([[hosts]], its thresholds, a list),
so a limit far above that costs no real file anything.
"""

from __future__ import annotations

import re
import sys

MAX_NESTING = 32
_STRING_OR_COMMENT = re.compile(r'"""|\'\'\'|"|\'|#')
# Runs of plain characters are taken whole ("+"): a 5 MB value is one step, not five million.
_MULTI_BASIC_END = re.compile(r'(?s)(?:[^\\"]+|\\.|"(?!""))*""""{0,2}')
_BASIC_END = re.compile(r'(?:[^\\"\n]+|\\.)*"?')
_BRACKETS = re.compile(r"[\[{]|[\]}]")


def _digits_limit() -> int:
    get = getattr(sys, "get_int_max_str_digits", None)
    return get() if get is not None and get() > 0 else 4300


def code_only(text: str) -> str:
    """``text`` with every string's and comment's content blanked (newlines kept), so brackets
    and digits inside them count for nothing and positions stay where they were."""
    parts: list[str] = []
    pos = 0
    while True:
        found = _STRING_OR_COMMENT.search(text, pos)
        if found is None:
            parts.append(text[pos:])
            return "".join(parts)
        parts.append(text[pos:found.start()])
        end = _skip(text, found.end(), found.group())
        parts.append("\n".join(" " * len(piece) for piece in text[found.start():end].split("\n")))
        pos = end


def _skip(text: str, pos: int, opener: str) -> int:
    """Where the string or comment opened just before ``pos`` ends."""
    if opener == "#":
        end = text.find("\n", pos)
        return len(text) if end < 0 else end
    if opener == "'''":
        end = text.find("'''", pos)
        end = len(text) if end < 0 else end + 3
        for _extra in range(2):  # up to two quotes may sit right before the closing three
            if text.startswith("'", end):
                end += 1
        return end
    if opener == "'":
        ends = [i for i in (text.find("'", pos), text.find("\n", pos)) if i >= 0]
        return min(ends) + 1 if ends else len(text)
    pattern = _MULTI_BASIC_END if opener == '"""' else _BASIC_END
    found = pattern.match(text, pos)
    return found.end() if found else len(text)


def too_deep(code: str) -> int | None:
    """The position where brackets and braces first nest deeper than MAX_NESTING, if they do."""
    depth = 0
    for found in _BRACKETS.finditer(code):
        if found.group() in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return found.start()
        else:
            depth = max(0, depth - 1)
    return None


def too_long_number(code: str) -> int | None:
    """The position of the first run of digits longer than Python turns into an int."""
    found = re.search(r"\d[\d_]{%d,}" % _digits_limit(), code)
    return found.start() if found else None


def line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1
