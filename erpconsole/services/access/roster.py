"""The HR roster (a CSV export of the HR system) and matching one person to accounts.

Rosters come from spreadsheets: headers are found by name in any case and spacing, in
English or Chinese; the file may be UTF-8 (with or without the BOM Excel adds) or GB18030
(what Excel writes on a Chinese Windows), with ``,`` ``;`` or tab between cells. The file is
read strictly (guards/csv_rows.py): an unbalanced quote, a row with the wrong number of cells
or a quoted cell that swallowed rows refuses the whole file with its line. A row whose values
are bad (an end date that is no date) is skipped and counted in the note.
"""

from __future__ import annotations

import codecs
import csv
import re
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from erpconsole.guards import csv_rows
from erpconsole.services.access.models import DATABASE, Account, Person, SourceExtract
from erpconsole.i18n import _

SYSTEM, SOURCE, KIND = "HR roster", "roster", "csv"
# Field -> header names, normalised (lower case, no spaces, '_', '-' or '.'), best first.
HEADERS: dict[str, tuple[str, ...]] = {
    "employee_id": ("employeeid", "empid", "employeeno", "employeenumber", "staffid", "id", "工号",
                    "员工编号"),
    "name": ("name", "fullname", "employeename", "displayname", "姓名"),
    "usernames": ("usernames", "username", "logins", "login", "accounts", "account", "用户名",
                  "账号"),
    "email": ("email", "mail", "emailaddress", "邮箱", "电子邮件", "电子邮箱"),
    "status": ("status", "state", "employmentstatus", "状态", "在职状态"),
    "end_date": ("enddate", "terminationdate", "leavedate", "exitdate", "lastday", "离职日期"),
}
EXAMPLE_HEADER = "employee_id,name,usernames,email,status,end_date"
# Words a roster uses for a status, as Person.departed understands them.
STATUS_WORDS = {"在职": "active", "离职": "left", "已离职": "left", "休假": "leave",
                "resigned": "left", "retired": "left", "dismissed": "left", "quit": "left",
                "退休": "left"}
_DATE_FORMS = (  # (pattern, order of year / month / day groups)
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?"), (1, 2, 3)),
    (re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})(?: .*)?"), (1, 2, 3)),
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?: .*)?"), (3, 2, 1)),
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"), (1, 2, 3)),
)
_SHOWN_SKIPS = 5
MAX_BYTES = 64 << 20


class RosterError(Exception):
    """The roster cannot be read at all; the message says where and what to do."""


def read_roster(path: str | Path, now: float | None = None) -> tuple[list[Person], SourceExtract]:
    """The people of the roster and how it was read; never raises for a bad file."""
    ts = time.time() if now is None else now
    started = time.monotonic()
    path = Path(path)
    try:
        people, note = _read(path)
        error = ""
    except RosterError as exc:
        people, note, error = [], "", str(exc)
    return people, SourceExtract(system=SYSTEM, source=SOURCE, kind=KIND, query=str(path),
                                 rows=len(people), ts=ts, duration_s=time.monotonic() - started,
                                 error=error, note=note)


def _read(path: Path) -> tuple[list[Person], str]:
    text, encoding = _decode(path, _load(path))
    rows = csv_rows.records(text, _delimiter(text))
    try:
        header, line = _header(rows, path)
        columns = _columns(header)
        _check_columns(columns, header, line, path)
        people, skipped = _rows(rows, columns)
    except csv_rows.CsvShapeError as exc:
        # All or nothing: a roster read short drops people from the review without a word.
        raise RosterError(_("line {line} of {path}: {problem}. The roster is not read until this is "
                            "fixed, so that nobody is left out of the review").format(
            line=exc.line, path=path, problem=exc.message)) from None
    notes = [] if encoding == "UTF-8" else [_("read as {encoding}").format(encoding=encoding)]
    if skipped:
        shown = "; ".join(skipped[:_SHOWN_SKIPS]) + (" ..." if len(skipped) > _SHOWN_SKIPS else "")
        notes.append(_("{n} rows skipped: {rows}").format(n=len(skipped), rows=shown))
    return people, "; ".join(notes)


def _load(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise RosterError(_("the HR roster {path} does not exist: check roster = \"...\" under "
                            "[access] in the inventory").format(path=path)) from None
    except OSError as exc:
        raise RosterError(_("cannot read the HR roster {path}: {error}").format(
            path=path, error=exc.strerror or exc)) from None
    if len(data) > MAX_BYTES:  # a whole company is a few MB; this is not the roster
        raise RosterError(_("the HR roster {path} is over {mb} MB: check roster = \"...\" under "
                            "[access] names the roster export").format(path=path, mb=MAX_BYTES >> 20))
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise RosterError(_("{path} is an Excel workbook, not CSV: in Excel use Save As, "
                            "\"CSV UTF-8 (Comma delimited)\"").format(path=path))
    return data


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """(text, encoding name); UTF-8 first, GB18030 when UTF-8 fails."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError as exc:
        bad_line = data[:exc.start].count(b"\n") + 1
    try:
        return data.decode("gb18030"), "GB18030"
    except UnicodeDecodeError:
        raise RosterError(_("line {line} of {path} is neither UTF-8 nor GB18030 text: save the sheet "
                            "as \"CSV UTF-8\"").format(line=bad_line, path=path)) from None


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-.\ufeff]+", "", header).lower()


def _columns(header: Sequence[str]) -> dict[str, int]:
    """Field -> index of its column; the better-known header name wins a tie."""
    names = [_norm(h) for h in header]
    found: dict[str, int] = {}
    for fieldname, aliases in HEADERS.items():
        for alias in aliases:
            if alias in names and names.index(alias) not in found.values():
                found[fieldname] = names.index(alias)
                break
    return found


def _delimiter(text: str) -> str:
    """csv.Sniffer's guess, unless another delimiter splits the header into more known columns."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return ","
    candidates = []
    try:
        candidates.append(csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t").delimiter)
    except csv.Error:  # one column, or too little text to tell
        pass
    candidates += [",", ";", "\t"]
    return max(candidates, key=lambda d: len(_columns(next(csv.reader([lines[0]], delimiter=d)))))


def _header(rows, path: Path) -> tuple[list[str], int]:
    for line, row in rows:  # blank lines are skipped already
        return row, line
    raise RosterError(_("{path} is empty: the first row must name the columns, for example {example}")
                      .format(path=path, example=EXAMPLE_HEADER))


def _check_columns(columns: dict[str, int], header: list[str], line: int, path: Path) -> None:
    if not columns:
        raise RosterError(_("line {line} of {path} is not a header row (no column is named like "
                            "{example}): add a header row above the data").format(
                                line=line, path=path, example=EXAMPLE_HEADER))
    if "usernames" not in columns and "email" not in columns:
        raise RosterError(_("the header on line {line} of {path} has no user name or e-mail column "
                            "(found: {found}): add a column \"usernames\" or \"email\" so people can be "
                            "matched to accounts").format(
                                line=line, path=path, found=", ".join(h.strip() for h in header)))


def _rows(rows, columns: dict[str, int]) -> tuple[list[Person], list[str]]:
    people: list[Person] = []
    skipped: list[str] = []
    for line, row in rows:
        cell: Callable[[str], str] = (
            lambda f: row[columns[f]].strip() if f in columns and columns[f] < len(row) else "")
        try:
            people.append(_person(cell))
        except ValueError as exc:
            skipped.append(_("line {line}: {why}").format(line=line, why=exc))
    return people, skipped


def _person(cell: Callable[[str], str]) -> Person:
    usernames = tuple(dict.fromkeys(u for u in re.split(r"[;|,\s]+", cell("usernames")) if u))
    name, email = " ".join(cell("name").split()), cell("email")  # a cell may hold a line break
    if not (name or usernames or email):
        raise ValueError(_("no name, user name or e-mail"))
    raw_end = cell("end_date")
    end = parse_date(raw_end)
    if raw_end and end is None:
        raise ValueError(_("end date {value!r} is not a date (write YYYY-MM-DD, YYYY/MM/DD or "
                           "DD.MM.YYYY)").format(value=raw_end))
    status = cell("status")
    status = STATUS_WORDS.get(status.lower(), status.lower()) if status else "active"
    return Person(employee_id=cell("employee_id"), name=name or (usernames[0] if usernames else email),
                  usernames=usernames, email=email, status=status, end_date=end)


def parse_date(text: str) -> date | None:
    """ISO, YYYY/MM/DD, DD.MM.YYYY (or 2024年3月1日); None for an empty or unreadable cell."""
    for pattern, (y, m, d) in _DATE_FORMS:
        found = pattern.fullmatch(text.strip())
        if found:
            try:
                return date(int(found.group(y)), int(found.group(m)), int(found.group(d)))
            except ValueError:  # 2024-02-30
                return None
    return None


# -- matching -----------------------------------------------------------------------------------

class OwnerIndex:
    """The roster indexed by user name, e-mail and e-mail local part: matching thousands of
    accounts is then a few dictionary look-ups each, not a pass over the roster per account."""

    def __init__(self, people: Sequence[Person]) -> None:
        self.by_name: dict[str, list[Person]] = {}
        self.by_email: dict[str, list[Person]] = {}
        self.by_local: dict[str, list[Person]] = {}
        for p in people:
            for name in _names(p):
                self.by_name.setdefault(name, []).append(p)
            if _email(p):
                self.by_email.setdefault(_email(p), []).append(p)
                self.by_local.setdefault(_email(p).split("@", 1)[0], []).append(p)

    def match(self, account: Account) -> Person | None:
        """The one person an account belongs to, by the strongest rule that finds anyone: the
        login among their user names (an e-mail login: their e-mail, then its local part among
        their user names), then the account's e-mail, then their e-mail's local part equal to
        the login. Two people found by the same rule: None (a reviewer decides, the console
        does not guess)."""
        login = _login(account)
        if not login:
            return None
        is_email = "@" in login
        local = login.split("@", 1)[0]
        account_email = account.email.strip().lower()
        rules = (
            self.by_name.get(login, []) + (self.by_email.get(login, []) if is_email else []),
            self.by_name.get(local, []) if is_email else [],
            self.by_email.get(account_email, []) if account_email else [],
            self.by_local.get(local, []),
        )
        for candidates in rules:
            found = list(dict.fromkeys(candidates))
            if found:
                return found[0] if len(found) == 1 else None
        return None


def match_owner(account: Account, people: Sequence[Person]) -> Person | None:
    """One account against a roster (see OwnerIndex.match); index once for many accounts."""
    return OwnerIndex(people).match(account)


def _login(account: Account) -> str:
    """The login in lower case; a MySQL account 'alice'@'%' (or alice@%) gives its user part."""
    name = account.name.strip()
    if account.source == DATABASE and (account.kind in ("mysql", "mariadb") or account.host_pattern):
        quoted = re.fullmatch(r"(['`\"])(.*?)\1@.*", name)
        name = quoted.group(2) if quoted else name.rpartition("@")[0] if "@" in name else name
    return name.lower()


def _names(person: Person) -> set[str]:
    return {u.strip().lower() for u in person.usernames}


def _email(person: Person) -> str:
    return person.email.strip().lower()
