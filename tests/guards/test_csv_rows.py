"""A CSV read strictly: records where their lines say, or a refusal naming the line."""

from __future__ import annotations

import pytest

from erpconsole.guards.csv_rows import CsvShapeError, records

HEADER = "id,name,usernames,email\n"


def read(text: str, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    return list(records(text, delimiter))


def refused(text: str, delimiter: str = ",") -> CsvShapeError:
    with pytest.raises(CsvShapeError) as caught:
        read(text, delimiter)
    return caught.value


def test_records_carry_their_first_line_and_blank_lines_count():
    got = read(HEADER + '\n1,Ann,ann,ann@x.org\n2,"Ben\nBenson",ben,ben@x.org\n3,Cy,cy,\n')
    assert [(line, row[0]) for line, row in got] == [(1, "id"), (3, "1"), (4, "2"), (6, "3")]
    assert got[2][1][1] == "Ben\nBenson"  # a line break inside a cell is a cell's content


def test_an_unbalanced_quote_is_refused_at_its_line():
    err = refused(HEADER + '1,Ann,ann,ann@x.org\n2,"Ben,ben,ben@x.org\n3,Cy,cy,cy@x.org\n4,Di,di,di@x.org\n')
    assert err.line == 3 and "never closes: the 2 lines after it" in err.message


def test_a_stray_quote_after_a_closed_one_is_refused():
    err = refused(HEADER + '1,"Ann" Smith,ann,ann@x.org\n')
    assert err.line == 2 and "not valid CSV" in err.message


def test_a_quote_that_closes_rows_later_swallowed_them():
    err = refused(HEADER + '1,"Ann,ann,ann@x.org\n2,Ben,ben,ben@x.org\n3,Cy",cy,cy@x.org\n')
    assert err.line == 2 and "runs over lines 2 to 4" in err.message


@pytest.mark.parametrize("row, cells", [("1,Ann,ann,ann@x.org,extra", 5), ("1,Ann,ann", 3),
                                        ("1,Smith, Ann,ann,ann@x.org", 5)])
def test_a_row_with_the_wrong_number_of_cells_is_refused(row, cells):
    err = refused(HEADER + "0,Zed,zed,zed@x.org\n" + row + "\n")
    assert err.line == 3 and f"this row has {cells} cells where the header has 4" in err.message


def test_empty_cells_at_the_end_as_spreadsheets_write_them_are_fine():
    assert len(read("id;name;;\n1;Ann;;\n2;Ben\n3;Cy;;\n", ";")) == 4
    assert refused("id;name\n1;Ann;\n", ";").line == 2  # one more, even empty: a shifted row
