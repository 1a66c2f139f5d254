from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from erpconsole.ui.common.message_bar import EmptyState, MessageBar, empty_page_label
from erpconsole.widgets.theme import get_theme, status_color


def test_answer_colours_ok_warning_critical_and_leaves_other_levels_plain(qtbot):
    bar = MessageBar("answer")
    qtbot.addWidget(bar)
    bar.say("saved", "ok", "light")
    assert bar.label.styleSheet() == f"color: {status_color('ok', 'light')}; font-weight: 600;"
    bar.say("saving…", "pending", "light")
    assert bar.label.styleSheet() == "" and bar.text() == "saving…"
    bar.apply_theme("dark")
    assert bar.label.styleSheet() == ""


def test_banner_says_ok_in_plain_text_and_colours_every_other_level(qtbot):
    bar = MessageBar(banner=True)
    qtbot.addWidget(bar)
    bar.say("verified", "ok", "dark")
    assert bar.label.styleSheet() == f"color: {get_theme('dark').text}; font-weight: 600; padding: 4px;"
    bar.say("reading…", "pending", "dark")
    assert status_color("pending", "dark") in bar.label.styleSheet()


def test_an_empty_line_hides_unless_it_keeps_its_room(qtbot):
    page = QWidget()  # a top-level widget is hidden until shown: the lines sit on a page
    qtbot.addWidget(page)
    bar, kept = MessageBar(parent=page), MessageBar(hide_when_empty=False, parent=page)
    assert bar.isHidden() and bar.shown_text() == ""
    bar.say("failed", "critical")
    assert not bar.isHidden() and bar.shown_text() == "failed"
    kept.say("", "")
    assert not kept.isHidden()


def test_copy_button_only_with_something_to_copy(qtbot):
    page = QWidget()
    qtbot.addWidget(page)
    bar, plain = MessageBar(copy_label="Copy path", parent=page), MessageBar(parent=page)
    assert plain.copy_button is None
    bar.say("exported", "ok")
    assert bar.copy_button.isHidden()
    bar.say("exported", "ok", copy_text="/tmp/evidence.zip")
    assert not bar.copy_button.isHidden()
    bar.copy_button.click()
    assert QGuiApplication.clipboard().text() == "/tmp/evidence.zip"


def test_empty_state_hides_a_button_with_no_next_step(qtbot):
    page = QWidget()
    qtbot.addWidget(page)
    state = EmptyState("empty", page)
    pressed = []
    state.button_clicked.connect(lambda: pressed.append(True))
    state.set_state("<h3>Nothing yet</h3>", "Collect now")
    state.button.click()
    assert pressed == [True] and not state.button.isHidden()
    state.set_state("Loading…", "")
    assert state.button.isHidden() and state.label.text() == "Loading…"


def test_empty_page_label_is_rich_and_selectable(qtbot):
    label = empty_page_label("pageEmpty")
    qtbot.addWidget(label)
    assert label.objectName() == "pageEmpty" and label.wordWrap()
    assert label.textFormat().name == "RichText" and label.contentsMargins().left() == 24
