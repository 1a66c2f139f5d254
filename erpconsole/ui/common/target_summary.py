"""The status bar's count of targets by their one word: "▲ 3 targets: 1 critical, 1 warning,
1 ok". The worst word leads, by its shape and colour; a count of nought is left out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication

from erpconsole.services.models import TargetStatus
from erpconsole.ui.common.words import counted
from erpconsole.widgets.theme import status_glyph

CONTEXT = "TargetSummary"
ORDER = ("critical", "warning", "ok", "pending")  # worst first


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def _part(level: str, n: int) -> str:
    if level == "critical":
        return counted(CONTEXT, "%n critical", "%n critical", n)
    if level == "warning":
        return counted(CONTEXT, "%n warning", "%n warning", n)
    if level == "ok":
        return counted(CONTEXT, "%n ok", "%n ok", n)
    return counted(CONTEXT, "%n waiting", "%n waiting", n)


def summary(statuses: Iterable[TargetStatus]) -> tuple[str, str]:
    """(text, level) for the status bar; the level is the worst word's, "pending" with none yet."""
    counts = Counter(s.level for s in statuses)
    total = sum(counts.values())
    if not total:
        return _tr("no targets watched"), "pending"
    worst = next(level for level in ORDER if counts[level])
    parts = ", ".join(_part(level, counts[level]) for level in ORDER if counts[level])
    text = _tr("{glyph} {targets}: {counts}").format(
        glyph=status_glyph(worst), targets=counted(CONTEXT, "%n target", "%n targets", total), counts=parts)
    return text, worst
