from __future__ import annotations

import pytest

from erpconsole.widgets.text_fit import BADGE_CHARS, elide_chars, wrap_to_lines


def test_short_text_is_left_whole():
    assert elide_chars("ok", BADGE_CHARS) == "ok"
    assert elide_chars("x" * BADGE_CHARS, BADGE_CHARS) == "x" * BADGE_CHARS


def test_long_text_is_cut_to_the_limit_with_an_ellipsis():
    text = "unreachable: cannot connect to 127.0.0.1:40839: connection refused"
    shown = elide_chars(text, BADGE_CHARS)
    assert len(shown) <= BADGE_CHARS and shown.endswith("…")
    assert text.startswith(shown[:-1])


def test_the_cut_goes_back_to_a_word_when_one_is_near():
    assert elide_chars("load 2.13 per core on two cores", 20) == "load 2.13 per core…"


def test_a_text_without_spaces_is_cut_where_it_must():
    assert elide_chars("a" * 50, 10) == "a" * 9 + "…"


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError):
        elide_chars("text", 0)


def _metrics():
    from PySide6.QtGui import QFont, QFontMetrics

    font = QFont()
    font.setPixelSize(14)
    return QFontMetrics(font)


def test_wrap_keeps_the_cause_on_a_second_line(qapp):
    metrics = _metrics()
    text = "load 2.13 per core (4.27 on 2 cores; waiting on disk I/O 38%)"
    width = metrics.horizontalAdvance(text) * 2 // 3
    shown = wrap_to_lines(text, metrics, width)
    lines = shown.split("\n")
    assert len(lines) == 2
    assert all(metrics.horizontalAdvance(line) <= width for line in lines)
    assert shown.replace("\n", " ") == text  # two lines hold it all: nothing cut
    assert "waiting" in shown


def test_wrap_cuts_what_two_lines_cannot_hold(qapp):
    metrics = _metrics()
    text = " ".join(["unreachable:"] + ["word"] * 60)
    width = 200
    lines = wrap_to_lines(text, metrics, width).split("\n")
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(metrics.horizontalAdvance(line) <= width for line in lines)


def test_wrap_leaves_a_short_text_on_one_line(qapp):
    assert wrap_to_lines("ok", _metrics(), 200) == "ok"
