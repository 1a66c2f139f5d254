from PySide6.QtCore import Qt

from erpconsole.widgets.elided_label import ElidedLabel

PATH = "/srv/backup/erp/nightly/pg_dump/erp-production-2026-11-24.dump on erp-db-1"


def test_a_narrow_label_cuts_the_text_and_keeps_all_of_it_in_the_tooltip(qtbot):
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.set_full_text(PATH)
    label.resize(120, 20)
    label.show()
    assert label.is_elided() and "…" in label.text() and len(label.text()) < len(PATH)
    assert label.text().startswith("/") and label.text().endswith("1")  # cut in the middle
    assert label.toolTip() == PATH and label.full_text() == PATH


def test_a_wide_label_shows_everything_and_a_right_cut_keeps_the_start(qtbot):
    label = ElidedLabel(Qt.TextElideMode.ElideRight)
    qtbot.addWidget(label)
    label.set_full_text(PATH)
    label.resize(label.sizeHint().width() + 20, 20)
    label.show()
    assert label.text() == PATH and not label.is_elided()
    label.resize(100, 20)
    assert label.text().endswith("…") and label.text().startswith("/srv")
