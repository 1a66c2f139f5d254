"""A coloured pill with a status text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from erpconsole.widgets.text_fit import BADGE_CHARS, elide_chars
from erpconsole.widgets.theme import FollowsAppTheme, LEVELS, contrast_text, current_theme_name, get_theme, status_color, status_glyph




class StatusBadge(FollowsAppTheme, QLabel):
    """Status level shown as colour and always as text too (colour alone is not enough)."""

    def __init__(self, parent: QWidget | None = None, level: str = "unknown", text: str = "") -> None:
        super().__init__(parent)
        self._level = "unknown"
        self._full = ""
        self._theme = self._app_theme = current_theme_name()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.set_status(level, text)

    def set_status(self, level: str, text: str) -> None:
        level = level if level in LEVELS else "unknown"
        changed = level != self._level
        self._level = level
        self._full = text
        # Cut, never widened: a long error must not push the window past the screen.
        self.setText(f"{status_glyph(level)} {elide_chars(text, BADGE_CHARS)}" if text else text)
        self.setToolTip(text)
        self.setAccessibleName(self.tr("Status: %1").replace("%1", text))
        if changed or not self.styleSheet():
            self._restyle()

    def full_text(self) -> str:
        """The whole status text (the badge may show it cut; the tooltip has all of it)."""
        return self._full

    def level(self) -> str:
        return self._level

    def status_text(self) -> str:
        """What the badge shows: the level's shape and the (maybe cut) text."""
        return self.text()

    def background_color(self) -> str:
        return status_color(self._level, self._theme)

    def apply_theme(self, name: str) -> None:
        self._theme = get_theme(name).name
        self._restyle()

    def _restyle(self) -> None:
        bg = self.background_color()
        self.setStyleSheet(
            f"QLabel {{ background: {bg}; color: {contrast_text(bg)}; border-radius: 9px;"
            f" padding: 2px 10px; font-weight: 600; }}"
        )
