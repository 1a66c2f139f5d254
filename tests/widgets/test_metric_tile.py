import numpy as np
import pytest
from PySide6.QtCore import Qt

from erpconsole.widgets.metric_tile import MetricTile
from erpconsole.widgets.theme import DARK


@pytest.fixture
def tile(qtbot):
    widget = MetricTile("erp-app-1", "ERP app 1")
    widget.resize(320, 200)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_click_emits_activated_with_key(tile, qtbot):
    with qtbot.waitSignal(tile.activated, timeout=1000) as blocker:
        qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert blocker.args == ["erp-app-1"]


def test_enter_emits_activated(tile, qtbot):
    tile.setFocus()
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        with qtbot.waitSignal(tile.activated, timeout=1000) as blocker:
            qtbot.keyClick(tile, key)
        assert blocker.args == ["erp-app-1"]


def test_other_keys_and_right_click_do_not_activate(tile, qtbot):
    with qtbot.assertNotEmitted(tile.activated):
        qtbot.keyClick(tile, Qt.Key.Key_A)
        qtbot.mouseClick(tile, Qt.MouseButton.RightButton)


def test_tile_is_keyboard_reachable(tile):
    assert tile.focusPolicy() & Qt.FocusPolicy.TabFocus


def test_status_values_and_sparkline(tile):
    tile.apply_theme("dark")
    tile.set_status("critical", "unreachable")
    tile.set_values([("CPU", "12%", "ok"), ("Memory", "40%", "warning"), ("Disk /", "97%", "critical")])
    tile.set_sparkline(np.arange(10.0))
    assert tile.status() == ("critical", "unreachable")
    assert tile.values()[2] == ("Disk /", "97%", "critical")
    assert tile._value_labels[2].text() == "97%"
    assert tile._caption_labels[1].text() == "Memory"
    assert DARK.status["critical"] in tile._value_labels[2].styleSheet()
    assert tile._value_labels[0].styleSheet() == ""
    assert DARK.status["critical"] in tile._strip.styleSheet()
    assert tile.sparkline().values().tolist() == list(range(10))
    assert "unreachable" in tile.accessibleDescription()


def test_fewer_values_are_padded_with_dashes(tile):
    tile.set_values([("CPU", "5%", None)])
    assert [label.text() for label in tile._value_labels] == ["5%", "–", "–"]


def test_fonts_grow_with_the_tile(tile, qtbot):
    small = tile.font_pixel_size("value")
    tile.resize(960, 600)
    qtbot.waitUntil(lambda: tile.font_pixel_size("value") > small)
    assert tile.font_pixel_size("value") >= 2 * small
    assert tile._value_labels[0].font().pixelSize() == tile.font_pixel_size("value")


def test_long_status_is_elided_with_the_whole_text_in_the_tooltip(qtbot):
    from erpconsole.widgets.metric_tile import MetricTile

    tile = MetricTile("h", "h")
    qtbot.addWidget(tile)
    tile.resize(320, 200)
    tile.show()
    long_text = "unreachable: cannot connect to 127.0.0.1:40123: connection refused — is sshd running?"
    tile.set_status("critical", long_text)
    shown = tile.status_text_shown()
    assert shown.endswith("…") and len(shown) < len(long_text)
    assert tile.status() == ("critical", long_text)


def test_a_long_status_keeps_its_cause_on_a_second_line(tile):
    text = "load 2.13 per core (4.27 on 2 cores; waiting on disk I/O)"
    tile.set_status("warning", text)
    shown = tile.status_text_shown()
    assert shown.count("\n") == 1  # two lines, not one cut short
    assert "waiting" in shown
    assert tile._status.toolTip() == text


def test_a_status_longer_than_two_lines_ends_in_an_ellipsis(tile):
    text = "unreachable: cannot connect to 127.0.0.1:40839: " + "connection refused " * 10
    tile.set_status("critical", text)
    lines = tile.status_text_shown().split("\n")
    assert len(lines) == 2 and lines[1].endswith("…")
    assert tile._status.toolTip() == text


def test_the_sparkline_says_what_it_draws_and_its_range(tile):
    tile.set_sparkline_caption("CPU, last 15 min", "%")
    tile.set_sparkline(np.array([3.0, 40.0, 12.0]))
    assert tile.sparkline_caption() == ("CPU, last 15 min", "0–100 %")  # the fixed scale
    tile.sparkline().set_y_range(None)
    tile.set_sparkline_caption("Transactions, last 15 min", "/s")
    tile.set_sparkline(np.array([2.0, 37.0, np.nan]))
    assert tile.sparkline_caption() == ("Transactions, last 15 min", "2–37 /s")
    tile.set_sparkline(np.array([]))
    assert tile.sparkline_caption()[1] == ""


def test_a_caption_wider_than_the_tile_ends_in_an_ellipsis(tile, qtbot):
    text = "never seen since the console started"
    tile.set_sparkline_caption(text, "%")
    tile.resize(240, 200)
    qtbot.waitUntil(lambda: tile.spark_caption_shown() != text)
    assert tile.spark_caption_shown().endswith("…")  # not cut mid-letter at the scale's edge
    assert tile.sparkline_caption()[0] == text and tile._spark_caption.toolTip() == text
    tile.resize(900, 400)
    qtbot.waitUntil(lambda: tile.spark_caption_shown() == text)


def test_a_long_title_ends_in_an_ellipsis_and_is_whole_in_the_tooltip(tile):
    name = "erp-app-with-a-rather-long-name-for-a-tile-of-this-size-1"
    tile.set_title(name)
    shown = tile.title_text_shown()
    assert shown.endswith("…") and name.startswith(shown[:-1])
    assert tile._title.fontMetrics().horizontalAdvance(shown) <= tile.width() - 40
    assert tile.title() == name and name in tile.toolTip()
