"""The fixed-pitch font of statements, plans and fingerprints.

"monospace" and ``QFontDatabase.systemFont(FixedFont)`` are whatever fontconfig answers: on
some machines a proportional face, so that columns in a plan no longer line up. DejaVu Sans
Mono (fonts-dejavu-core, which ``make`` installs) is asked for by name first.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase

PREFERRED_MONOSPACE = ("DejaVu Sans Mono",)


def monospace_font(preferred: tuple[str, ...] = PREFERRED_MONOSPACE) -> QFont:
    """The first installed family of ``preferred`` at the system fixed font's size, else the
    system fixed font itself."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    installed = set(QFontDatabase.families())
    family = next((f for f in preferred if f in installed), None)
    if family is not None:
        font.setFamilies([family])
    font.setStyleHint(QFont.StyleHint.Monospace, QFont.StyleStrategy.PreferDefault)
    font.setFixedPitch(True)
    return font
