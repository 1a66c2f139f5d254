from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from erpconsole.ui.common.detail_scaffold import (
    add_range_controls,
    check_range,
    detail_ranges,
    header_row,
    show_in_picker,
    target_picker,
)


def _page(qtbot):
    page = QWidget()
    qtbot.addWidget(page)
    return page


def test_range_buttons_carry_their_seconds_and_report_a_click(qtbot):
    page, chosen = _page(qtbot), []
    row = QHBoxLayout(page)
    group, source = add_range_controls(page, row, 3600, chosen.append)
    assert [group.id(b) for b in group.buttons()] == [s for s, _t in detail_ranges()]
    assert group.checkedId() == 3600 and source.objectName() == "rangeSource"
    group.button(86400).click()
    assert chosen == [86400] and group.checkedId() == 86400
    assert row.itemAt(row.count() - 1).widget() is source


def test_check_range_checks_a_known_range_and_leaves_an_unknown_one(qtbot):
    page = _page(qtbot)
    group, _source = add_range_controls(page, QHBoxLayout(page), 300, lambda _s: None)
    assert check_range(group, "604800") == 604800 and group.checkedId() == 604800
    assert check_range(group, 42) == 42 and group.checkedId() == 604800


def test_show_in_picker_picks_once_and_shows_again_when_picked(qtbot):
    shown = []
    box = target_picker(200, lambda i: shown.append(("index", box.itemData(i))))
    qtbot.addWidget(box)
    box.addItem("erp-db", "erp-db")  # the first item is picked by the box itself
    box.addItem("erp-replica", "erp-replica")
    shown.clear()
    show_in_picker(box, "erp-replica", lambda t: shown.append(("again", t)))
    show_in_picker(box, "erp-replica", lambda t: shown.append(("again", t)))
    show_in_picker(box, "gone", lambda t: shown.append(("again", t)))
    assert shown == [("index", "erp-replica"), ("again", "erp-replica")]
    assert box.minimumWidth() == 200


def test_header_row_starts_with_caption_picker_and_badge(qtbot):
    page = _page(qtbot)
    box, badge = target_picker(100, lambda _i: None), QLabel("ok")
    row = header_row("Host:", box, badge)
    page.setLayout(row)
    assert [row.itemAt(i).widget().text() for i in (0, 2)] == ["Host:", "ok"] and row.itemAt(1).widget() is box
