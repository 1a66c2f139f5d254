"""MySQL and MariaDB accounts and their grants, read for the access review.

One query lists the accounts with what locks them and how old their password is, then one
``SHOW GRANTS`` per account (and per MariaDB role, and for PUBLIC on MariaDB 10.11) gives the
privileges. Where the account list lives differs:

- MariaDB 10.4+: ``mysql.global_priv`` (``mysql.user`` is a view over it that lacks the lock
  and the password dates), read with JSON_VALUE;
- MySQL 5.7+: the ``mysql.user`` table, which has them all as columns;
- a MariaDB account that may read the ``mysql.user`` view but not ``global_priv`` gets the
  view, and a note saying which grant would add the rest.

Password hashes never leave the server: the queries turn them into "none", "invalid" or
"set", and the IDENTIFIED BY ... part of SHOW GRANTS is dropped while parsing.

Accounts are named ``user@host`` without quotes (``root@localhost``, ``app@%``), MariaDB
roles by their bare name, and PUBLIC as "PUBLIC". Privilege lines keep the object as SHOW
GRANTS writes it and hold one privilege each: "SELECT ON `erp`.*", "ALL PRIVILEGES ON *.*",
"UPDATE (`a`) ON `erp`.`t`", "WITH GRANT OPTION ON *.*", "MEMBER OF `role`" (and "ADMIN OF
`role`" with the admin option).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import replace

from sqlalchemy import exc as sa_exc

from erpconsole.services.access.models import DATABASE, Account
from erpconsole.services.databases.mysql_errors import DENIED_CODES, error_code, quote_account
from erpconsole.services.databases.mysql_sql import Flavor
from erpconsole.services.errors import CollectorError
from erpconsole.i18n import _
from erpconsole.services.models import Health

Run = Callable[[str], list[tuple]]
NONEXISTING_GRANT = 1141
DAY = 86400.0

IDENTITY_SQL = "SELECT VERSION(), CURRENT_USER()"
# Older servers have no such variable: SHOW returns no row where a SELECT would fail.
LIFETIME_SQL = "SHOW GLOBAL VARIABLES LIKE 'default_password_lifetime'"

# Every account query returns: user, host, is_role, super, plugins (comma separated),
# password state (none | invalid | set | unknown), locked (Y/N/NULL unknown), expired flag,
# password changed (epoch or NULL), lifetime (days; NULL = server default, 0 = never),
# default role, max user connections.
_PV = "JSON_VALUE(Priv, '$.{}')"
_MARIADB_AUTH = f"IFNULL({_PV.format('authentication_string')}, '')"
MARIADB_GLOBAL_PRIV_SQL = f"""SELECT User, Host,
  IF(IFNULL({_PV.format('is_role')}, '0') IN ('1', 'true'), 'Y', 'N'),
  IF(IFNULL({_PV.format('access')}, 0) & 32768, 'Y', 'N'),
  CONCAT_WS(',', {_PV.format('plugin')},
            REPLACE(REPLACE(REPLACE(JSON_EXTRACT(Priv, '$.auth_or[*].plugin'), '[', ''), ']', ''), '"', '')),
  CASE WHEN {_MARIADB_AUTH} = '' THEN 'none'
       WHEN {_PV.format('plugin')} IN ('mysql_native_password', 'mysql_old_password')
            AND {_MARIADB_AUTH} NOT REGEXP '^[*][0-9A-Fa-f]{{40}}$|^[0-9A-Fa-f]{{16}}$' THEN 'invalid'
       ELSE 'set' END,
  IF(IFNULL({_PV.format('account_locked')}, '0') IN ('1', 'true'), 'Y', 'N'),
  IF(IFNULL({_PV.format('password_last_changed')}, 1) = 0, 'Y', 'N'),
  NULLIF({_PV.format('password_last_changed')}, 0),
  NULLIF({_PV.format('password_lifetime')}, -1),
  IFNULL({_PV.format('default_role')}, ''),
  IFNULL({_PV.format('max_user_connections')}, 0)
FROM mysql.global_priv
ORDER BY User, Host"""

# MySQL's locked system accounts carry a hash that says INVALID in so many words.
MYSQL_USER_SQL = """SELECT User, Host, 'N', Super_priv, plugin,
  CASE WHEN authentication_string = '' THEN 'none'
       WHEN authentication_string LIKE '%INVALID%' THEN 'invalid'
       ELSE 'set' END,
  account_locked, password_expired, UNIX_TIMESTAMP(password_last_changed), password_lifetime,
  '', max_user_connections
FROM mysql.user
ORDER BY User, Host"""

# MariaDB's mysql.user view (or the table before 10.4): no lock, no password dates, and only
# the first authentication method (a unix_socket after OR is not shown), so a password is
# "unknown" unless it is a native hash, and the lifetime is "unknown" rather than the default.
MARIADB_USER_VIEW_SQL = """SELECT User, Host, is_role, Super_priv, plugin,
  CASE WHEN plugin IN ('mysql_native_password', 'mysql_old_password')
            AND authentication_string REGEXP '^[*][0-9A-Fa-f]{40}$|^[0-9A-Fa-f]{16}$' THEN 'set'
       ELSE 'unknown' END,
  NULL, password_expired, NULL, 'unknown', default_role, max_user_connections
FROM mysql.user
ORDER BY User, Host"""

PASSWORD_PLUGINS = frozenset({"mysql_native_password", "mysql_old_password", "ed25519", "parsec",
                              "caching_sha2_password", "sha256_password"})


def ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def show_grants_sql(user: str, host: str, is_role: bool) -> str:
    if is_role and user == "PUBLIC" and host == "":
        return "SHOW GRANTS FOR PUBLIC"
    if is_role:
        return f"SHOW GRANTS FOR {ident(user)}"
    return f"SHOW GRANTS FOR {ident(user)}@{ident(host)}"


def read(run: Run, system: str, now: float) -> tuple[list[Account], list[str], str]:
    """(accounts, notes, kind). Raises CollectorError when the account list is not readable."""
    version, current_user = run(IDENTITY_SQL)[0]
    flavor = Flavor.parse(str(version))
    me = quote_account(str(current_user))
    default = next((_int(v) for _n, v in run(LIFETIME_SQL)), None)
    rows, notes = _account_rows(run, flavor, me)
    grants, grant_note = _all_grants(run, rows, me)
    notes += [grant_note] if grant_note else []
    server = "MariaDB" if flavor.mariadb else "MySQL"
    accounts: list[Account] = []
    for row in rows:
        lines = grants.get(_key(row))
        if lines is None and not grant_note:
            continue  # dropped between the account list and its SHOW GRANTS
        if not _is_public(row):
            accounts.append(account_from_row(system, flavor.kind, row, lines, default, now, server))
        elif lines:
            accounts.append(Account(DATABASE, system, flavor.kind, "PUBLIC", can_login=False,
                                    privileges=tuple(lines), facts=((_("granted to"), _(
                                        "every account, present and future")),)))
    return sorted(with_members(accounts), key=lambda a: a.name), notes, flavor.kind


def _key(row: tuple) -> tuple[str, str]:
    return str(row[0]), str(row[1])


def _is_public(row: tuple) -> bool:
    return row[0] == "PUBLIC" and row[1] == "" and row[2] == "Y"


def _account_rows(run: Run, flavor: Flavor, me: str) -> tuple[list[tuple], list[str]]:
    if not flavor.mariadb:
        return _denied_is_fatal(lambda: run(MYSQL_USER_SQL), me), []
    if flavor.version >= (10, 4, 0):
        try:
            return run(MARIADB_GLOBAL_PRIV_SQL), []
        except sa_exc.DBAPIError as exc:
            if error_code(exc) not in DENIED_CODES:
                raise
        note = _("mysql.global_priv is not readable, so locked accounts and password age are "
                 "unknown: GRANT SELECT ON mysql.global_priv TO {account}").format(account=me)
        return _denied_is_fatal(lambda: run(MARIADB_USER_VIEW_SQL), me), [note]
    return _denied_is_fatal(lambda: run(MARIADB_USER_VIEW_SQL), me), []


def _denied_is_fatal(read_rows: Callable[[], list[tuple]], me: str) -> list[tuple]:
    try:
        return read_rows()
    except sa_exc.DBAPIError as exc:
        if error_code(exc) not in DENIED_CODES:
            raise
        raise CollectorError(Health.ERROR, _(
            "{account} may not read the account list in the mysql schema: run GRANT SELECT ON "
            "mysql.* TO {account} as an administrator, or review with an account that has it"
        ).format(account=me), str(exc.orig)) from exc


def _all_grants(run: Run, rows: list[tuple], me: str) -> tuple[dict[tuple[str, str], list[str]], str]:
    """(user, host) -> privilege lines; a refused SHOW GRANTS stops the rest with a note."""
    out: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        user, host = _key(row)
        try:
            statements = [str(r[0]) for r in run(show_grants_sql(user, host, row[2] == "Y"))]
        except sa_exc.DBAPIError as exc:
            if error_code(exc) == NONEXISTING_GRANT:  # dropped since the list was read
                continue
            if error_code(exc) not in DENIED_CODES:
                raise
            return out, _("SHOW GRANTS for other accounts was refused, so privileges are missing: "
                          "GRANT SELECT ON mysql.* TO {account}").format(account=me)
        out[(user, host)] = privilege_lines(statements)
    return out, ""


# -- SHOW GRANTS text -----------------------------------------------------------------------

_QUOTES = "`'\""


def _top_level_words(text: str) -> list[tuple[int, str]]:
    """(position, upper-case word) of every word outside quotes and parentheses."""
    words: list[tuple[int, str]] = []
    quote, depth, start = "", 0, -1
    for i, ch in enumerate(text + " "):
        if quote:
            quote = "" if ch == quote else quote
            continue
        if ch in _QUOTES or ch in "()":
            quote = ch if ch in _QUOTES else ""
            depth += {"(": 1, ")": -1}.get(ch, 0)
        word_char = ch.isalnum() or ch == "_"
        if word_char and start < 0 and depth == 0 and not quote:
            start = i
        elif not word_char and start >= 0:
            words.append((start, text[start:i].upper()))
            start = -1
    return words


def _split_top(text: str, sep: str = ",") -> list[str]:
    parts, quote, depth, last = [], "", 0, 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in _QUOTES:
            quote = ch
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == sep and depth == 0:
            parts.append(text[last:i])
            last = i + 1
    parts.append(text[last:])
    return [p.strip() for p in parts if p.strip()]


def _tail_options(tail: str) -> tuple[bool, bool]:
    """(grant option, admin option) from what follows the grantee, quoted strings (password
    hashes, plugin arguments) blanked first."""
    bare = re.sub(r"'(?:[^']|'')*'|`[^`]*`|\"[^\"]*\"", "''", tail).upper()
    return bool(re.search(r"\bGRANT\s+OPTION\b", bare)), bool(re.search(r"\bADMIN\s+OPTION\b", bare))


def parse_grant(statement: str) -> list[str]:
    """One SHOW GRANTS row -> its privilege lines ([] for anything that grants nothing)."""
    text = statement.strip().rstrip(";")
    words = _top_level_words(text)
    if not words or words[0][1] != "GRANT":
        return []
    on = next((p for p, w in words[1:] if w == "ON"), None)
    to = next((p for p, w in words[1:] if w == "TO" and (on is None or p > on)), None)
    if to is None:
        return []
    grant_option, admin_option = _tail_options(_after_grantee(text[to + 2:]))
    if on is None:  # GRANT `role` TO ...
        roles = _split_top(text[len("GRANT"):to])
        return [f"MEMBER OF {r}" for r in roles] + ([f"ADMIN OF {r}" for r in roles] if admin_option else [])
    obj = text[on + 2:to].strip()
    lines = [f"{p} ON {obj}" for p in _split_top(text[len("GRANT"):on])
             if p.upper() != "USAGE"]
    return lines + ([f"WITH GRANT OPTION ON {obj}"] if grant_option else [])


def _after_grantee(rest: str) -> str:
    """What follows ``TO <grantee>``: the grantee is one token of quoted parts and '@'."""
    match = re.match(r"\s*(?:PUBLIC\b|(?:`(?:[^`]|``)*`|'(?:[^']|'')*'|[\w.$-]+)"
                     r"(?:@(?:`(?:[^`]|``)*`|'(?:[^']|'')*'|[\w.%$-]+))?)", rest, re.IGNORECASE)
    return rest[match.end():] if match else rest


def privilege_lines(statements: Iterable[str]) -> list[str]:
    return sorted({line for s in statements for line in parse_grant(s)})


# -- accounts ---------------------------------------------------------------------------------

def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def can_login(plugins: list[str], password_state: str, locked: bool) -> bool:
    """A way in exists: a method without a password (unix_socket, gssapi, pam ...), or a
    password that can match. A locked account without a password is a view definer such as
    mariadb.sys, not a login."""
    if any(p not in PASSWORD_PLUGINS for p in plugins):
        return True
    if password_state == "none":
        return not locked
    return password_state != "invalid"


def account_from_row(system: str, kind: str, row: tuple, lines: list[str] | None,
                     default_lifetime: int | None, now: float, server: str = "MariaDB") -> Account:
    """One row of the account query (see MARIADB_GLOBAL_PRIV_SQL) and its grant lines."""
    (user, host, is_role, super_flag, plugins, password_state, locked_flag, expired_flag,
     changed, lifetime, default_role, max_connections) = row
    role = is_role == "Y"
    methods = [p.strip() for p in str(plugins or "").split(",") if p.strip()]
    privileges = tuple(lines or ())
    changed_ts = float(changed) if changed else None
    life = default_lifetime if lifetime is None else _int(lifetime)  # None: unknown
    expires = changed_ts + life * DAY if changed_ts is not None and life else None
    expired = not role and (expired_flag == "Y" or (expires is not None and expires <= now))
    login = not role and can_login(methods, str(password_state), locked_flag == "Y")
    never = (life == 0) if login and password_state == "set" and life is not None else None
    facts = _facts(role, login, methods, str(password_state), changed_ts, lifetime, default_lifetime,
                   str(default_role or ""), _int(max_connections) or 0, server)
    return Account(
        DATABASE, system, kind, str(user) if role else f"{user}@{host}", can_login=login,
        locked=locked_flag == "Y" or expired,
        superuser=super_flag == "Y" or "ALL PRIVILEGES ON *.*" in privileges or "SUPER ON *.*" in privileges,
        privileges=privileges, login_tracked=False, password_changed=changed_ts,
        password_expires=expires, password_never_expires=never, password_expired=expired,
        host_pattern="" if role else str(host), facts=facts)


def _facts(role: bool, login: bool, methods: list[str], password_state: str, changed: float | None,
           lifetime: object, default_lifetime: int | None, default_role: str, max_connections: int,
           server: str) -> tuple[tuple[str, str], ...]:
    if role:
        return ((_("role"), _("granted to accounts; cannot log in itself")),)
    facts: list[tuple[str, str]] = []
    if methods:
        facts.append((_("authentication"), ", ".join(methods)))
    facts.append((_("password"), {
        "none": _("none: the password methods accept an empty password"),
        "invalid": _("invalid: no password can match"),
        "set": _("set")}.get(password_state, _("unknown"))))
    if changed is not None:
        facts.append((_("password last changed"), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(changed))))
    facts.append((_("password lifetime"), _lifetime_text(lifetime, default_lifetime)))
    if default_role:
        facts.append((_("default role"), default_role))
    if max_connections:
        facts.append((_("max user connections"), str(max_connections)))
    if login:
        facts.append((_("last login"), _("not recorded: {server} keeps no last login time").format(
            server=server)))
    return tuple(facts)


def _lifetime_text(lifetime: object, default_lifetime: int | None) -> str:
    own = _int(lifetime) if lifetime is not None else None
    if lifetime is not None and own is None:
        return _("unknown")
    if own is None:
        if default_lifetime is None:
            return _("server default (unknown)")
        return _("server default: never expires") if default_lifetime == 0 else _(
            "server default: {n} days").format(n=default_lifetime)
    return _("never expires") if own == 0 else _("{n} days").format(n=own)


def with_members(accounts: list[Account]) -> list[Account]:
    """Roles get a "members" fact naming the accounts granted them."""
    members: dict[str, list[str]] = {}
    for a in accounts:
        for line in a.privileges:
            if line.startswith("MEMBER OF "):
                members.setdefault(line.removeprefix("MEMBER OF "), []).append(a.name)
    out = []
    for a in accounts:
        target = ident(a.name) if not a.host_pattern and "@" not in a.name else \
            f"{ident(a.name.rsplit('@', 1)[0])}@{ident(a.host_pattern)}"
        held = members.get(target)
        out.append(replace(a, facts=a.facts + ((_("members"), ", ".join(sorted(held))),)) if held else a)
    return out
