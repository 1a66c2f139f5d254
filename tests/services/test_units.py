"""Durations and percentages as a person reads them: the unit that fits, three significant
figures at most, and a value that does not look equal to the limit it is over."""

from __future__ import annotations

import pytest

from erpconsole.services import units


@pytest.mark.parametrize("seconds, text", [
    (0, "0 s"), (0.4, "0.4 s"), (0.0423, "0.0423 s"), (10, "10 s"), (29.96, "30 s"), (30, "30 s"),
    (59.96, "1 min"), (60, "1 min"), (90, "1.5 min"), (300, "5 min"), (745, "12.4 min"),
    (3599.9, "1 h"), (26 * 3600, "26 h"), (47.5 * 3600, "47.5 h"), (2 * 86400, "2 d"),
    (3.5 * 86400, "3.5 d"), (400 * 86400, "400 d"), (5000 * 86400, "5000 d"), (-3, "0 s"),
])
def test_duration_takes_the_unit_that_fits(seconds, text):
    assert units.duration(seconds) == text


def test_duration_never_has_more_than_three_significant_figures():
    for seconds in (0.123456, 12.3456, 123.456, 4567.89, 98765.4, 876543.2):
        digits = units.duration(seconds).split()[0].replace(".", "").lstrip("0")
        assert len(digits) <= 3, units.duration(seconds)


@pytest.mark.parametrize("value, limit, text", [
    (96, 95, "96%"), (95.3, 95, "95.3%"), (95.04, 95, "95.04%"), (90.3, None, "90%"), (95, 95, "95%"),
])
def test_a_percentage_over_its_limit_does_not_read_as_the_limit(value, limit, text):
    assert units.percent(value, limit) == text
