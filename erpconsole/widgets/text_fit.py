"""Text that must not widen its container: cut to a number of characters, at a word where one
is near, with an ellipsis; the caller puts the whole text in the tooltip."""

from __future__ import annotations

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
