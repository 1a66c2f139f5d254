from erpconsole.widgets.status_badge import StatusBadge
from erpconsole.widgets.theme import DARK, LIGHT


def test_set_status_sets_text_level_and_colour(qtbot):
    badge = StatusBadge()
    qtbot.addWidget(badge)
    badge.apply_theme("dark")
    badge.set_status("critical", "unreachable")
    assert badge.text() == "■ unreachable"  # a shape as well as a colour
    assert badge.full_text() == "unreachable"
    assert badge.level() == "critical"
    assert badge.background_color() == DARK.status["critical"]
    assert DARK.status["critical"] in badge.styleSheet()


def test_unknown_level_falls_back_to_unknown(qtbot):
    badge = StatusBadge()
    qtbot.addWidget(badge)
    badge.set_status("weird", "??")
    assert badge.level() == "unknown"


def test_theme_change_recolours(qtbot):
    badge = StatusBadge(level="ok", text="ok")
    qtbot.addWidget(badge)
    badge.apply_theme("light")
    assert badge.background_color() == LIGHT.status["ok"]
    badge.apply_theme("dark")
    assert badge.background_color() == DARK.status["ok"]


def test_a_long_status_is_cut_and_whole_in_the_tooltip(qtbot):
    badge = StatusBadge()
    qtbot.addWidget(badge)
    text = "unreachable: cannot connect to 127.0.0.1:40839: connection refused — is sshd running?"
    badge.set_status("critical", text)
    assert len(badge.text()) <= 36 and badge.text().endswith("…")
    assert badge.toolTip() == text and badge.full_text() == text
