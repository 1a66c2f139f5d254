"""Line numbers for the keys of a TOML document.

tomllib returns plain dicts with no positions, yet an inventory error must name its line. The
file has already parsed when this runs, so a small scanner suffices: it follows table headers
(counting ``[[array]]`` entries) and records the line of every ``key =``, skipping over values
that span lines (multi-line strings and arrays). A path is a tuple like
``("hosts", 1, "thresholds", "disk_warning")``; the index is the entry of the array of tables.
"""

from __future__ import annotations

import re

Path_ = tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_WS = " \t"
_BASIC_ESCAPE = re.compile(r'\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)', re.S)
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class SourceLines:
    """Where each table and key of a TOML text is; ``line_of`` falls back to the nearest parent."""

    def __init__(self, text: str) -> None:
        self._lines: dict[Path_, int] = {}
        self._scan(text)

    def line_of(self, path: Path_) -> int | None:
        # A key inside an inline table or an array of inline tables has no line of its own:
        # the line of the nearest enclosing key that does is the one to show.
        for n in range(len(path), 0, -1):
            line = self._lines.get(tuple(path[:n]))
            if line is not None:
                return line
        return None

    def _scan(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._table: Path_ = ()
        self._arrays: dict[Path_, int] = {}
        self._line_no, self._line_pos = 1, 0
        while self._pos < len(text):
            self._skip(_WS + "\r\n")
            if self._pos >= len(text):
                break
            ch = text[self._pos]
            if ch == "#":
                self._skip_comment()
            elif ch == "[":
                self._header()
            else:
                self._key_value()

    # -- document structure ----------------------------------------------------------------

    def _header(self) -> None:
        line = self._line()
        double = self._text.startswith("[[", self._pos)
        self._pos += 2 if double else 1
        parts = self._key_parts()
        self._skip(_WS)
        self._pos += 2 if double else 1
        path = self._resolve(parts[:-1], line) + (parts[-1],)
        if double:
            count = self._arrays.get(path, 0)
            self._arrays[path] = count + 1
            self._lines.setdefault(path, line)  # the array itself: its first entry
            path = path + (count,)
        self._table = path
        self._lines.setdefault(path, line)

    def _resolve(self, parts: list[str], line: int) -> Path_:
        """``[hosts.thresholds]`` belongs to the latest ``[[hosts]]`` entry; ``[a.b]`` also
        creates ``a`` if nothing did before, and this header is then where ``a`` is."""
        path: Path_ = ()
        for part in parts:
            path = path + (part,)
            self._lines.setdefault(path, line)
            if path in self._arrays:
                path = path + (self._arrays[path] - 1,)
        return path

    def _key_value(self) -> None:
        line = self._line()
        parts = self._key_parts()
        path = self._table
        for part in parts:
            path = path + (part,)
            self._lines.setdefault(path, line)
        self._skip(_WS)
        self._pos += 1  # "="
        self._skip_value()

    # -- tokens ----------------------------------------------------------------------------

    def _key_parts(self) -> list[str]:
        parts: list[str] = []
        while True:
            self._skip(_WS)
            parts.append(self._key_part())
            self._skip(_WS)
            if not self._text.startswith(".", self._pos):
                return parts
            self._pos += 1

    def _key_part(self) -> str:
        text, pos = self._text, self._pos
        if text.startswith('"', pos):
            end = _string_end(text, pos + 1, '"', escapes=True)
            self._pos = end
            return _unescape(text[pos + 1:end - 1])
        if text.startswith("'", pos):
            end = text.index("'", pos + 1) + 1
            self._pos = end
            return text[pos + 1:end - 1]
        m = _BARE.match(text, pos)
        if m is None:  # cannot happen in a document tomllib accepted; stop cleanly anyway
            self._pos = len(text)
            return ""
        self._pos = m.end()
        return m.group()

    def _skip_value(self) -> None:
        """Move past one value, which may span lines inside brackets or multi-line strings."""
        text, depth = self._text, 0
        while self._pos < len(text):
            ch = text[self._pos]
            if ch in "\"'":
                self._pos = _skip_string(text, self._pos)
                continue
            if ch == "#":
                self._skip_comment()
                continue
            if ch == "\n" and depth == 0:
                return
            if ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
            self._pos += 1

    def _skip_comment(self) -> None:
        end = self._text.find("\n", self._pos)
        self._pos = len(self._text) if end < 0 else end

    def _skip(self, chars: str) -> None:
        text = self._text
        while self._pos < len(text) and text[self._pos] in chars:
            self._pos += 1

    def _line(self) -> int:
        # Positions only grow, so count newlines from the last call (linear, not quadratic).
        self._line_no += self._text.count("\n", self._line_pos, self._pos)
        self._line_pos = self._pos
        return self._line_no


def _skip_string(text: str, pos: int) -> int:
    quote = text[pos]
    if text.startswith(quote * 3, pos):
        end = _string_end(text, pos + 3, quote * 3, escapes=quote == '"')
        # Up to two quotes may sit right before the closing three ("""a""""").
        while text.startswith(quote, end):
            end += 1
        return end
    return _string_end(text, pos + 1, quote, escapes=quote == '"')


def _string_end(text: str, pos: int, closer: str, escapes: bool) -> int:
    """Index just past ``closer``, honouring backslash escapes in basic strings. A search, not
    a walk per character: a value of megabytes is read in one step."""
    start = pos
    while True:
        end = text.find(closer, pos)
        if end < 0:
            return len(text)
        slashes = 0
        while escapes and end - slashes > start and text[end - slashes - 1] == "\\":
            slashes += 1
        if slashes % 2 == 0:  # an odd run of backslashes escapes the quote
            return end + len(closer)
        pos = end + 1


def _unescape(raw: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] in "uU":
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, code)

    return _BASIC_ESCAPE.sub(one, raw)
