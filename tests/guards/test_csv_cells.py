"""OWASP's CSV injection starts: each gets a leading quote; a plain signed number stays one."""

from __future__ import annotations

import pytest

from erpconsole.guards.csv_cells import guard_cell, guard_row


@pytest.mark.parametrize("cell, kept", [
    ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-3.5", "-3.5"), ("+20%", "+20%"), ("alice", "alice"), ("", ""),
    (-4, -4), (None, None), (True, True),
])
def test_formula_starts_get_a_quote(cell, kept):
    assert guard_cell(cell) == kept


def test_a_row_is_guarded_cell_by_cell():
    assert guard_row(["=1", 2, "b"]) == ["'=1", 2, "b"]
