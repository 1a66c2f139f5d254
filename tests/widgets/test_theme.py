import pyqtgraph as pg
import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from erpconsole.widgets.live_chart import LiveChart
from erpconsole.widgets.metric_tile import MetricTile
from erpconsole.widgets.theme import (
    DARK,
    LEVELS,
    LIGHT,
    THEMES,
    apply_theme,
    chart_colors,
    contrast_text,
    current_theme_name,
    status_color,
)


@pytest.fixture
def app(qapp):
    before = (qapp.palette(), qapp.styleSheet(), qapp.property("erpconsoleTheme"), dict(pg.CONFIG_OPTIONS))
    yield qapp
    qapp.setPalette(before[0])
    qapp.setStyleSheet(before[1])
    qapp.setProperty("erpconsoleTheme", before[2])
    pg.setConfigOptions(background=before[3]["background"], foreground=before[3]["foreground"])


def test_theme_switch_changes_palette_window_colour(app):
    apply_theme(app, "dark")
    assert app.palette().color(QPalette.ColorRole.Window).name() == DARK.window
    apply_theme(app, "light")
    assert app.palette().color(QPalette.ColorRole.Window).name() == LIGHT.window
    assert current_theme_name(app) == "light"


def test_apply_theme_sets_pyqtgraph_defaults(app):
    apply_theme(app, "dark")
    assert pg.mkColor(pg.getConfigOption("background")).name() == DARK.chart_background


def test_existing_widgets_follow_the_application_theme(app, qtbot):
    apply_theme(app, "light")
    chart = LiveChart("CPU", unit="%")
    tile = MetricTile("h")
    qtbot.addWidget(chart)
    qtbot.addWidget(tile)
    assert chart.theme_name() == "light"
    apply_theme(app, "dark")
    assert chart.theme_name() == "dark"
    assert chart.plot_widget().backgroundBrush().color().name() == DARK.chart_background
    assert DARK.status["pending"] in tile._strip.styleSheet()


def test_unknown_theme_is_an_error(app):
    with pytest.raises(ValueError, match="unknown theme"):
        apply_theme(app, "solarized")


@pytest.mark.parametrize("name", sorted(THEMES))
def test_every_level_has_a_readable_colour(name):
    window = QColor(THEMES[name].window)
    for level in LEVELS:
        color = QColor(status_color(level, name))
        assert color.isValid()
        assert abs(color.lightnessF() - window.lightnessF()) > 0.2, (name, level)
    assert len(set(THEMES[name].status[level] for level in LEVELS)) == len(LEVELS)


def test_unknown_level_maps_to_unknown_colour():
    assert status_color("bogus", "dark") == DARK.status["unknown"]
    assert status_color(None, "light") == LIGHT.status["unknown"]


def test_chart_colors_are_distinct():
    for name in THEMES:
        colors = chart_colors(name)
        assert len(colors) >= 6 and len(set(colors)) == len(colors)


def test_contrast_text():
    assert contrast_text("#ffffff") == "#000000"
    assert contrast_text("#000000") == "#ffffff"


def test_qapplication_is_the_one_from_pytest_qt(app):
    assert QApplication.instance() is app
