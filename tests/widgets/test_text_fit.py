from __future__ import annotations

import pytest

from erpconsole.widgets.text_fit import BADGE_CHARS, elide_chars


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
