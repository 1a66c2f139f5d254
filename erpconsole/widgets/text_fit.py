"""Text that must not widen its container: cut to a number of characters (at a word where one
is near) or wrapped to a few lines of a width, with an ellipsis; the caller puts the whole text
in the tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

ELLIPSIS = "…"
BADGE_CHARS = 36  # a status badge: "unreachable: cannot connect to 10.…" still says the state


def elide_chars(text: str, limit: int) -> str:
    """``text`` if it has ``limit`` characters or fewer, else its start and "…", ``limit`` in all.
    The cut goes back to a space in the last third, so a word is not split where it can help."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space >= (limit * 2) // 3:
        head = head[:space]
    return head.rstrip(" ,;:—-") + ELLIPSIS


def is_elided(shown: str, full: str) -> bool:
    return shown != full


def wrap_to_lines(text: str, metrics: QFontMetrics, width: int, max_lines: int = 2) -> str:
    """``text`` broken at spaces into at most ``max_lines`` lines of ``width`` pixels, joined by
    newlines; what does not fit ends the last line in "…" (the caller's tooltip has it all)."""
    width = max(1, width)
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines - 1:
        line = words.pop(0)
        while words and metrics.horizontalAdvance(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        if metrics.horizontalAdvance(line) > width:  # one word longer than the line
            line = metrics.elidedText(line, Qt.TextElideMode.ElideRight, width)
        lines.append(line)
    if words:
        lines.append(metrics.elidedText(" ".join(words), Qt.TextElideMode.ElideRight, width))
    return "\n".join(lines)
