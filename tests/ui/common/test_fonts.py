"""The monospace font: the property the statement, plan and fingerprint views rely on is that
every character takes the same width, whatever fontconfig calls "monospace" here."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QFontInfo, QFontMetrics

from erpconsole.ui.common.fonts import PREFERRED_MONOSPACE, monospace_font
from tests.conftest import require


def same_advance(font: QFont) -> bool:
    """Narrow and wide letters as wide as each other (what a fixed pitch font is)."""
    metrics = QFontMetrics(font)
    return metrics.horizontalAdvance("iiii") == metrics.horizontalAdvance("WWWW") > 0


def test_the_preferred_family_is_picked_by_name(qapp):
    require("DejaVu Sans Mono" in QFontDatabase.families(),
            "the DejaVu Sans Mono font (fonts-dejavu-core)")
    font = monospace_font()
    assert QFontInfo(font).family() == "DejaVu Sans Mono" == PREFERRED_MONOSPACE[0]
    assert same_advance(font)
    system = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    assert font.pointSizeF() == system.pointSizeF()  # the size of the desktop's fixed font


def test_without_the_preferred_family_the_system_fixed_font_is_used(qapp):
    font = monospace_font(preferred=("No Such Font Family 7f3a",))
    system = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    assert font.family() == system.family() and font.pointSizeF() == system.pointSizeF()
    assert font.styleHint() == QFont.StyleHint.Monospace


def test_the_check_tells_a_proportional_font_apart(qapp):
    require("DejaVu Sans" in QFontDatabase.families(), "the DejaVu Sans font (fonts-dejavu-core)")
    assert not same_advance(QFont("DejaVu Sans"))
    assert same_advance(monospace_font())
