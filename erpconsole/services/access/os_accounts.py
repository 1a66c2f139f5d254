"""OS accounts of a Linux host for the access review: the command text and its pure parsers.

One fixed POSIX ``sh`` script (no inventory value in it) prints marked sections, exactly as the
monitor's probe does (``hosts/probe.py``): ``passwd``, ``group``, ``shadow`` (or the line
``not readable``), ``sudoers`` (readable files only), ``login_source`` and ``logins`` (the
output of ``lastlog``, else ``lastlog2``, else ``last -F -w``; ``lastlog`` is deprecated and
missing on new distributions), and ``keys`` (``user<TAB>count`` of authorized_keys lines, ``?``
where the file or the home folder cannot be read). Times are printed in UTC (``TZ=UTC0``).

Everything below the script is text in, dataclasses out; no I/O. A section that is not what
it claims to be (a banner, HTML, binary noise) never becomes accounts: ``passwd`` and
``group`` then raise ``OsParseError``; the optional sections become a note.

How ``os_read`` judges an ``Account``, kept simple so a reviewer can follow it:
- can log in: the shell is not nologin / false / true / sync / halt / shutdown;
- locked: the password field starts with "!" (``usermod -L``, ``passwd -l``) or the account
  expiry date (shadow field 8) has passed ("*" alone means no password, keys may still work);
- password expired: changed on day 0 (change forced) or lastchg + max days has passed.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts.probe import MARKER, wrap_command
from erpconsole.services.models import Health

KIND = "linux"
NOT_READABLE = "not readable"
DAY_S = 86400
NEVER_EXPIRES_DAYS = 99999
FIRST_USER_UID = 1000
NOBODY_UIDS = (65534, 4294967294)
NO_LOGIN_SHELLS = frozenset({"nologin", "false", "true", "sync", "halt", "shutdown"})
ADMIN_GROUPS = frozenset({"sudo", "wheel", "admin", "root", "adm", "docker", "lxd", "disk"})
LOGIN_SOURCES = ("lastlog", "lastlog2", "last")

OS_ACCOUNTS_SCRIPT: str = f"""\
LC_ALL=C; export LC_ALL; TZ=UTC0; export TZ
s() {{ printf '\\n{MARKER}%s\\n' "$1"; }}
s passwd; cat /etc/passwd
s group; cat /etc/group
s shadow
if [ -r /etc/shadow ]; then cat /etc/shadow; elif [ -e /etc/shadow ]; then echo '{NOT_READABLE}'; fi
s sudoers
for f in /etc/sudoers /etc/sudoers.d/*; do
  case $f in */sudoers.d/*~|*/sudoers.d/*.*) continue;; esac
  [ -f "$f" ] || continue
  if [ -r "$f" ]; then cat "$f"; echo; else printf '{NOT_READABLE} %s\\n' "$f"; fi
done
if command -v lastlog >/dev/null && [ -e /var/log/lastlog ]; then l=lastlog
elif command -v lastlog2 >/dev/null; then l=lastlog2
elif command -v last >/dev/null; then l=last
else l=none; fi
s login_source; echo "$l"
s logins
case $l in
  lastlog) lastlog;;
  lastlog2) lastlog2;;
  last) last -F -w | awk '!seen[$1]++';;
esac
s keys
while IFS=: read -r u p i g c h x || [ -n "$u" ]; do
  case $u in ''|[+-]*|'#'*) continue;; esac
  case $h in /*) ;; *) printf '%s\\t0\\n' "$u"; continue;; esac
  if [ ! -e "$h" ]; then
    a=${{h%/*}}
    while [ -n "$a" ] && [ ! -e "$a" ]; do a=${{a%/*}}; done
    if [ -x "${{a:-/}}" ]; then n=0; else n='?'; fi
    printf '%s\\t%s\\n' "$u" "$n"; continue
  fi
  if [ ! -x "$h" ] || {{ [ -d "$h/.ssh" ] && [ ! -x "$h/.ssh" ]; }}; then
    printf '%s\\t?\\n' "$u"; continue
  fi
  n=0
  for f in "$h/.ssh/authorized_keys" "$h/.ssh/authorized_keys2"; do
    [ -e "$f" ] || continue
    [ -r "$f" ] || {{ n='?'; break; }}
    k=$(grep -cv -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$f")
    case $k in ''|*[!0-9]*) n='?'; break;; esac
    n=$((n + k))
  done
  printf '%s\\t%s\\n' "$u" "$n"
done < /etc/passwd
"""


def os_accounts_command(token: str) -> str:
    """The text to run (``sh -c`` or a local ``sh``): the script, then the end line."""
    return wrap_command(OS_ACCOUNTS_SCRIPT, token)


class OsParseError(CollectorError):
    """A section of the answer that is not what it claims to be: the read is refused."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(Health.PARSE_ERROR, message, detail)


# --- the files ------------------------------------------------------------------------------

_NAME_RE = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,254}\$?")
_INT_RE = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True, slots=True)
class PasswdEntry:
    name: str
    password: str  # "x": the hash is in /etc/shadow
    uid: int
    gid: int
    gecos: str = ""
    home: str = ""
    shell: str = ""  # empty: /bin/sh


@dataclass(frozen=True, slots=True)
class GroupEntry:
    name: str
    gid: int
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ShadowEntry:
    name: str
    password: str
    lastchg: int | None = None  # days since 1970-01-01; 0: change forced at next login
    max_days: int | None = None
    expire: int | None = None  # account expiry, days since 1970-01-01


@dataclass(frozen=True, slots=True)
class Table:
    """Entries of one file in file order, and what was skipped."""

    entries: tuple = ()
    bad: int = 0  # lines that do not read as this file's lines (cut short, garbage)
    nis: int = 0  # NIS compat lines (+name, -name, +@netgroup): not followed


def _lines(text: str) -> Iterator[str]:
    """Lines with content: CR of CRLF files dropped, blank and comment lines left out."""
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if line.strip() and not line.lstrip().startswith("#"):
            yield line


def _number(field: str) -> int | None:
    """An optional numeric field: None when empty; ValueError when not a number."""
    if not field.strip():
        return None
    if not _INT_RE.fullmatch(field.strip()):
        raise ValueError(field)
    return int(field)


def _table(text: str, read_line, fields: int) -> Table:
    entries, bad, nis = [], 0, 0
    for line in _lines(text):
        if line[0] in "+-":
            nis += 1
            continue
        parts = line.split(":")
        if len(parts) > fields or not _NAME_RE.fullmatch(parts[0]):
            bad += 1
            continue
        try:
            entries.append(read_line(parts + [""] * (fields - len(parts))))
        except (ValueError, IndexError):
            bad += 1
    return Table(tuple(entries), bad, nis)


def _passwd_line(f: list[str]) -> PasswdEntry:
    uid, gid = _number(f[2]), _number(f[3])
    if uid is None or gid is None:  # a line cut short before its ids
        raise ValueError(f)
    return PasswdEntry(f[0], f[1], uid, gid, f[4], f[5], f[6].strip())


def _group_line(f: list[str]) -> GroupEntry:
    gid = _number(f[2])
    if gid is None:
        raise ValueError(f)
    members = tuple(m.strip() for m in f[3].split(",") if m.strip())
    return GroupEntry(f[0], gid, members)


def _shadow_line(f: list[str]) -> ShadowEntry:
    return ShadowEntry(f[0], f[1], _number(f[2]), _number(f[4]), _number(f[7]))


def parse_passwd(text: str) -> Table:
    return _table(text, _passwd_line, 7)


def parse_group(text: str) -> Table:
    return _table(text, _group_line, 4)


def parse_shadow(text: str) -> Table | None:
    """None when the host said it cannot read /etc/shadow (or it does not exist)."""
    if not text.strip() or text.strip() == NOT_READABLE:
        return None
    return _table(text, _shadow_line, 9)


def parse_keys(text: str) -> dict[str, int | None]:
    """Authorized keys per login; None: the file or the home folder is not readable."""
    out: dict[str, int | None] = {}
    for line in _lines(text):
        name, _sep, count = line.partition("\t")
        if _NAME_RE.fullmatch(name) and (count == "?" or _INT_RE.fullmatch(count)):
            out.setdefault(name, None if count == "?" else int(count))
    return out


def garbled(table: Table) -> bool:
    """More lines that do not read than lines that do: not this file at all."""
    return table.bad > len(table.entries)


# --- last logins ----------------------------------------------------------------------------

NEVER_LOGGED_IN = "**Never logged in**"
_MONTHS = {m: i for i, m in enumerate(calendar.month_abbr) if m}
_DATE = r"[A-Z][a-z]{2} ([A-Z][a-z]{2}) +([0-9]{1,2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})"
_LASTLOG_DATE = re.compile(_DATE + r"(?: ([+-])([0-9]{2})([0-9]{2}))? ([0-9]{4})$")
_LAST_DATE = re.compile(_DATE + r" ([0-9]{4})")
_LAST_PSEUDO_USERS = frozenset({"reboot", "shutdown", "runlevel"})


@dataclass(frozen=True, slots=True)
class LoginRecord:
    ts: float | None  # None: never logged in
    line: str = ""  # terminal: pts/0, tty1
    host: str = ""  # where from; empty for a console login


@dataclass(frozen=True, slots=True)
class Logins:
    source: str  # lastlog | lastlog2 | last
    records: dict[str, LoginRecord]
    bad: int = 0
    since: float | None = None  # last: the first day wtmp still holds


def _epoch(month: str, day: str, hh: str, mm: str, ss: str, year: str, offset_s: int = 0) -> float:
    """UTC epoch seconds of a date in the C locale; ValueError for an impossible date."""
    when = datetime(int(year), _MONTHS[month], int(day), int(hh), int(mm), int(ss),
                    tzinfo=timezone.utc)
    return when.timestamp() - offset_s


def _lastlog_line(line: str) -> tuple[str, LoginRecord]:
    """``%-16s %-8.8s %-16s DATE``: the port is fixed-width, the host one word, the date last."""
    line = line.rstrip()
    name = line.split()[0]
    if not _NAME_RE.fullmatch(name):
        raise ValueError(line)
    port_at = max(16, len(name)) + 1
    port = line[port_at:port_at + 8].strip()
    if line.endswith(NEVER_LOGGED_IN):
        return name, LoginRecord(None, port)
    m = _LASTLOG_DATE.search(line)
    if m is None:
        raise ValueError(line)
    mon, day, hh, mi, ss, sign, oh, om, year = m.groups()
    offset = (int(oh) * 3600 + int(om) * 60) * (-1 if sign == "-" else 1) if sign else 0
    where = line[port_at + 9:m.start()].split()
    return name, LoginRecord(_epoch(mon, day, hh, mi, ss, year, offset), port,
                             where[0] if where else "")


def _last_line(line: str) -> tuple[str, LoginRecord]:
    """``user tty [host] DATE - DATE (time)`` of ``last -F -w``, times in UTC."""
    m = _LAST_DATE.search(line)
    words = line[: m.start()].split() if m else []
    if not words or not _NAME_RE.fullmatch(words[0]):
        raise ValueError(line)
    ts = _epoch(*m.groups())
    return words[0], LoginRecord(ts, words[1] if len(words) > 1 else "",
                                 words[2] if len(words) > 2 else "")


def parse_logins(source: str, text: str) -> Logins:
    """The output of lastlog / lastlog2 (one line per user) or of last (newest first)."""
    records: dict[str, LoginRecord] = {}
    bad, since = 0, None
    for line in _lines(text):
        head = line.split()[0]
        if head == "Username" and "Latest" in line:
            continue
        if head in ("wtmp", "wtmpdb") and "begins" in line:
            m = _LAST_DATE.search(line)
            since = _epoch(*m.groups()) if m else None
            continue
        try:
            name, rec = (_last_line if source == "last" else _lastlog_line)(line)
        except (ValueError, KeyError):
            bad += 1
            continue
        if name not in _LAST_PSEUDO_USERS or source != "last":
            records.setdefault(name, rec)  # last lists the newest first
    return Logins(source, records, bad, since)


# --- sudoers --------------------------------------------------------------------------------

_INLINE_COMMENT = re.compile(r"(?<!\S)#(?![0-9]).*$")
_ALIAS_RE = re.compile(r"([A-Z][A-Z0-9_]*)\s*=\s*([^:]*)")
_ALIAS_DEPTH = 8


@dataclass(frozen=True, slots=True)
class SudoRules:
    """Who a readable sudoers file names, each with the first rule line that does."""

    users: dict[str, str]  # login or "#uid" -> rule
    groups: dict[str, str]  # group name -> rule
    everyone: str = ""  # a rule for ALL users
    unreadable: tuple[str, ...] = ()  # files the host could not read

    def rule_for(self, name: str, uid: int, groups: tuple[str, ...]) -> str:
        found = self.users.get(name) or self.users.get(f"#{uid}") or self.everyone
        return found or next((self.groups[g] for g in groups if g in self.groups), "")


def _sudo_lines(text: str) -> Iterator[str]:
    """Logical lines: comments dropped, backslash continuations joined."""
    pending = ""
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        if line.lstrip().startswith("#"):
            continue  # #include lines too: their files are read on their own
        line = _INLINE_COMMENT.sub("", line).rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = (pending + line).strip(), ""
        if line:
            yield line


def _sudo_targets(items: list[str], aliases: dict[str, list[str]], depth: int = 0
                  ) -> Iterator[str]:
    for item in items:
        if item.startswith("!") or not item:
            continue  # a negation only takes away
        if item in aliases and depth < _ALIAS_DEPTH:
            yield from _sudo_targets(aliases[item], aliases, depth + 1)
        else:
            yield item


def parse_sudoers(text: str) -> SudoRules:
    aliases: dict[str, list[str]] = {}
    specs: list[tuple[list[str], str]] = []
    unreadable: list[str] = []
    for line in _sudo_lines(text):
        word, rest = (line.split(None, 1) + [""])[:2]
        if line.startswith(NOT_READABLE + " "):
            unreadable.append(line[len(NOT_READABLE) + 1:])
        elif word == "User_Alias":
            for m in _ALIAS_RE.finditer(rest):
                aliases[m.group(1)] = [i.strip() for i in m.group(2).split(",")]
        elif word.startswith("Defaults") or word.endswith("_Alias") or "=" not in line:
            continue  # other aliases, @include lines, anything that is no user spec
        else:
            who = re.sub(r"\s*,\s*", ",", line.split("=", 1)[0]).split()
            if len(who) >= 2:
                specs.append((who[0].split(","), line))
    users: dict[str, str] = {}
    groups: dict[str, str] = {}
    everyone = ""
    for items, line in specs:
        for target in _sudo_targets(items, aliases):
            if target == "ALL":
                everyone = everyone or line
            elif target.startswith("%"):
                groups.setdefault(target.lstrip("%:"), line)
            else:
                users.setdefault(target, line)
    return SudoRules(users, groups, everyone, tuple(unreadable))
