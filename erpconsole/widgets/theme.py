"""Light and dark palettes, status colours and chart colours.

The dark theme is meant for a NOC room: near-black background, high-contrast text, status
colours bright enough to read across the room. Status colours are chosen per theme so that
each is readable on that theme's window colour; text always travels with the colour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sys
from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEME_PROPERTY = "erpconsoleTheme"
LEVELS = ("ok", "warning", "critical", "stale", "pending", "unknown")
# A shape for each level beside its colour, for people who do not tell red and green apart.
GLYPHS = {"ok": "●", "warning": "▲", "critical": "■", "stale": "◌", "pending": "○", "unknown": "?"}


def status_glyph(level: str | None) -> str:
    return GLYPHS.get(level or "unknown", GLYPHS["unknown"])


@dataclass(frozen=True)
class Theme:
    name: str
    window: str
    window_text: str
    base: str
    alternate_base: str
    text: str
    muted_text: str
    button: str
    highlight: str
    highlighted_text: str
    border: str
    chart_background: str
    chart_foreground: str
    status: dict[str, str] = field(default_factory=dict)
    series: tuple[str, ...] = ()


DARK = Theme(
    name="dark",
    window="#0d1117",
    window_text="#e6edf3",
    base="#010409",
    alternate_base="#161b22",
    text="#f0f6fc",
    muted_text="#9198a1",
    button="#21262d",
    highlight="#1f6feb",
    highlighted_text="#ffffff",
    border="#3d444d",
    chart_background="#0d1117",
    chart_foreground="#c9d1d9",
    status={
        "ok": "#3fb950",
        "warning": "#e3b341",
        "critical": "#ff6a69",
        "stale": "#9198a1",
        "pending": "#58a6ff",
        "unknown": "#bc8cff",
    },
    series=("#58a6ff", "#3fb950", "#e3b341", "#ff7b72", "#bc8cff", "#39c5cf", "#f778ba", "#ffa657"),
)

LIGHT = Theme(
    name="light",
    window="#f6f8fa",
    window_text="#1f2328",
    base="#ffffff",
    alternate_base="#f0f3f6",
    text="#1f2328",
    muted_text="#59636e",
    button="#eaeef2",
    highlight="#0969da",
    highlighted_text="#ffffff",
    border="#d1d9e0",
    chart_background="#ffffff",
    chart_foreground="#1f2328",
    status={
        "ok": "#1a7f37",
        "warning": "#9a6700",
        "critical": "#cf222e",
        "stale": "#59636e",
        "pending": "#0969da",
        "unknown": "#8250df",
    },
    series=("#0969da", "#1a7f37", "#bc4c00", "#cf222e", "#8250df", "#1b7c83", "#bf3989", "#9a6700"),
)

THEMES: dict[str, Theme] = {"dark": DARK, "light": LIGHT}


def get_theme(theme: str | Theme) -> Theme:
    if isinstance(theme, Theme):
        return theme
    try:
        return THEMES[theme]
    except KeyError:
        raise ValueError(f"unknown theme {theme!r}; expected one of {sorted(THEMES)}") from None


def status_color(level: str | None, theme_name: str | Theme = "dark") -> str:
    """Hex colour of a status level; an unrecognised level is shown as 'unknown'."""
    colors = get_theme(theme_name).status
    return colors.get(level or "unknown", colors["unknown"])


def chart_colors(theme: str | Theme = "dark") -> tuple[str, ...]:
    return get_theme(theme).series


def contrast_text(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (WCAG relative luminance)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    color = QColor(background)
    lum = 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())
    return "#000000" if lum > 0.179 else "#ffffff"


def current_theme_name(app: QApplication | None = None) -> str:
    """The theme last applied to the application, else guessed from its palette."""
    app = app or QApplication.instance()
    if app is None:
        return "dark"
    name = app.property(THEME_PROPERTY)
    if isinstance(name, str) and name in THEMES:
        return name
    return "dark" if app.palette().color(QPalette.ColorRole.Window).lightnessF() < 0.5 else "light"


def build_palette(theme: Theme) -> QPalette:
    pal = QPalette()
    role = QPalette.ColorRole
    pairs = {
        role.Window: theme.window,
        role.WindowText: theme.window_text,
        role.Base: theme.base,
        role.AlternateBase: theme.alternate_base,
        role.Text: theme.text,
        role.Button: theme.button,
        role.ButtonText: theme.window_text,
        role.Highlight: theme.highlight,
        role.HighlightedText: theme.highlighted_text,
        role.ToolTipBase: theme.alternate_base,
        role.ToolTipText: theme.text,
        role.PlaceholderText: theme.muted_text,
        role.Link: theme.highlight,
        role.Mid: theme.border,
        role.Midlight: theme.border,
    }
    for r, color in pairs.items():
        pal.setColor(r, QColor(color))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(disabled, r, QColor(theme.muted_text))
    return pal


def style_sheet(theme: Theme) -> str:
    return (
        f"QToolTip {{ color: {theme.text}; background: {theme.alternate_base};"
        f" border: 1px solid {theme.border}; }}\n"
        f"QFrame#metricTile {{ background: {theme.alternate_base}; border: 1px solid {theme.border};"
        f" border-radius: 6px; }}\n"
        f"QFrame#metricTile:focus {{ border: 2px solid {theme.highlight}; }}\n"
    )


def apply_theme(app: QApplication, name: str, *, sheet: bool = True) -> None:
    """Palette, a small style sheet and pyqtgraph defaults for ``name``.

    Existing LiveCharts, tiles and badges follow through their ApplicationPaletteChange
    handler; pages may also call their ``apply_theme`` directly (it is idempotent). The
    theme already in place is not applied again: setting an application's palette and style
    sheet re-polishes every widget (0.3 s for the main window). ``sheet=False`` leaves the
    style sheet out, for before the widgets are built: under an application style sheet each
    widget costs more to build than one polish of them all once built.
    """
    theme = get_theme(name)
    text = style_sheet(theme) if sheet else ""
    pyqtgraph_defaults(theme.name)
    palette = build_palette(theme)
    if app.property(THEME_PROPERTY) == theme.name and app.styleSheet() == text and app.palette() == palette:
        return
    app.setProperty(THEME_PROPERTY, theme.name)
    # Set the style once: QApplication.setStyle re-polishes every widget, and doing it on
    # each theme switch crashed (SIGSEGV in notifyInternal2) with widgets pending deletion.
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette)
    app.setStyleSheet(text)


def pyqtgraph_defaults(name: str | None = None) -> None:
    """pyqtgraph's default colours for the theme, once pyqtgraph is loaded: the charts load
    it, and the window's first page does not wait for it (half a second)."""
    pg = sys.modules.get("pyqtgraph")
    if pg is None:
        return
    theme = get_theme(name or current_theme_name())
    pg.setConfigOptions(background=theme.chart_background, foreground=theme.chart_foreground)


_THEME_EVENTS = (QEvent.Type.PaletteChange, QEvent.Type.StyleChange)


def app_theme_change(event: QEvent, current: str) -> str | None:
    """The application's theme name when ``event`` moved it away from ``current``, else None.

    Widgets call this from ``changeEvent`` to follow the application, not their own restyling.
    """
    if event.type() not in _THEME_EVENTS:
        return None
    name = current_theme_name()
    return name if name != current else None


class FollowsAppTheme:
    """For a themed widget (with ``_theme`` and ``_app_theme``, placed before its Qt base
    class): it takes up the application's theme when that changes, not its own restyling.
    A widget that paints itself from ``_theme`` keeps :meth:`apply_theme`; others override it."""

    _theme: str
    _app_theme: str

    def apply_theme(self, name: str) -> None:
        self._theme = get_theme(name).name
        self.update()  # type: ignore[attr-defined]

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)  # type: ignore[misc]
        if (name := app_theme_change(event, self._app_theme)) is not None:
            self._app_theme = name
            self.apply_theme(name)
