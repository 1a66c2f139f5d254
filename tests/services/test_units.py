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


def test_no_message_writes_a_measured_duration_by_hand():
    """A "{x:.0f} s" or "{m:.1f} min" in a message is the sign of a duration formatted beside
    services.units.duration, which would bring "0 min (warning at 0.166667 min)" back."""
    import io
    import re
    import tokenize
    from pathlib import Path

    import erpconsole

    by_hand = re.compile(r"\{\w+:[.0-9]*[gf]\} ?(s|min|h|d|seconds|minutes|hours|days)\b")
    package = Path(erpconsole.__file__).parent
    found = []
    for path in sorted([*(package / "services").rglob("*.py"), package / "cli.py"]):
        source = path.read_text(encoding="utf-8")
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.STRING and by_hand.search(tok.string):
                found.append(f"{path.relative_to(package.parent)}:{tok.start[0]}: {tok.string}")
    # A limit as the inventory wrote it ("RPO 26 h") is not a measurement.
    allowed = {"RPO {h:g} h"}
    assert [f for f in found if not any(a in f for a in allowed)] == []
