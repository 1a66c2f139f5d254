"""Reading a CSV strictly: every record is where its lines say, or the file is refused.

Python's csv reader in its default mode lets an unbalanced quote swallow every row after it
into one cell: a roster of five people read as two, and the three departed vanished from the
access review without a word. Here the reader is strict (a stray quote is an error), and the
shape is counted: each record has the header's number of cells, and a quoted cell that runs
over several lines may not hold what look like whole rows. A file that fails is refused with
the line to look at; a list of people is never read short.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from erpconsole.i18n import _, ngettext


class CsvShapeError(ValueError):
    """The file's records do not add up; ``line`` is where to look, the message says what to do."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of each record that is not blank, the header first. Raises
    CsvShapeError at the first record whose quotes or number of cells are wrong."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    last = 0
    while True:
        start = last + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvShapeError(start, _broken(exc, start, reader.line_num)) from None
        last = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = row
        else:
            _check_width(row, header, start, delimiter)
            _check_swallowed(row, len(header), start, delimiter)
        yield start, row


def _broken(exc: csv.Error, start: int, end: int) -> str:
    if "unexpected end of data" in str(exc):
        return ngettext(
            "a quote opens a cell on this line and never closes: the {n} line after it would be "
            "read as part of one cell. Close the quote, or write a quote inside a cell twice (\"\")",
            "a quote opens a cell on this line and never closes: the {n} lines after it would be "
            "read as part of one cell. Close the quote, or write a quote inside a cell twice (\"\")",
            end - start).format(n=end - start)
    return _("not valid CSV ({error}): a quoted cell must end with its quote right before the "
             "separator; write a quote inside a cell twice (\"\"), or save the sheet again as CSV").format(
        error=exc)


def _check_width(row: list[str], header: list[str], start: int, delimiter: str) -> None:
    named = len(header)
    while named and not header[named - 1].strip():
        named -= 1  # empty headings at the end, as a spreadsheet writes a wider sheet
    # More cells than the header, even empty ones, is a row shifted by a separator in a cell
    # (a spreadsheet writes every row as wide as the sheet).
    if len(row) > len(header) or len(row) < named:
        sep = {"\t": _("tab"), ",": ",", ";": ";"}.get(delimiter, delimiter)
        raise CsvShapeError(start, ngettext(
            "this row has {cells} cell where the header has {width}: a {sep} inside a cell needs "
            "the cell in quotes, and an empty cell is still written with its {sep}",
            "this row has {cells} cells where the header has {width}: a {sep} inside a cell needs "
            "the cell in quotes, and an empty cell is still written with its {sep}",
            len(row)).format(cells=len(row), width=len(header), sep=sep))


def _check_swallowed(row: list[str], width: int, start: int, delimiter: str) -> None:
    """A cell may hold a line break (an address, a name typed on two lines), but not lines with
    a row's worth of separators: that is a quote that took the rows after it."""
    enough = max(2, (width - 1) // 2)
    line = start
    for cell in row:
        inner = cell.split("\n")
        for i, part in enumerate(inner[:-1] if len(inner) > 1 else ()):
            if part.count(delimiter) >= enough or inner[i + 1].count(delimiter) >= enough:
                raise CsvShapeError(line, _(
                    "a quoted cell here runs over lines {first} to {last} and holds what look like "
                    "whole rows: a quote is probably missing its partner. Close it where the cell "
                    "ends (a quote inside a cell is written twice: \"\")").format(
                    first=line, last=line + len(inner) - 1))
        line += len(inner) - 1
