"""PyMySQL error codes -> health states, with a sentence that says what to do (which secret to
store, which grant to ask for). SQLAlchemy wraps the driver's error; ``.orig.args[0]`` is the
server's (or the client library's) error number."""

from __future__ import annotations

import re
from dataclasses import dataclass

from erpconsole.services.databases.base import first_line
from erpconsole.services.errors import CollectorError
from erpconsole.i18n import _
from erpconsole.services import units
from erpconsole.services.models import Health

ACCESS_DENIED = 1045
# MariaDB's answer when no password was sent or the user name matches no account.
ACCESS_DENIED_NO_PASSWORD = 1698
DB_ACCESS_DENIED = 1044
TABLE_ACCESS_DENIED = 1142
PRIVILEGE_NEEDED = 1227
UNKNOWN_DATABASE = 1049
UNKNOWN_THREAD = 1094
NOT_THREAD_OWNER = 1095
UNKNOWN_IS_TABLE = 1109  # unknown table in information_schema (a plugin's table not installed)
# What a panel's statement gets from a missing grant or feature (no PROCESS, no
# performance_schema, an older server without the table or column): held until the next slow
# refresh. Any other error may pass, and the panel asks again at the next poll.
REFUSALS = frozenset({DB_ACCESS_DENIED, TABLE_ACCESS_DENIED, PRIVILEGE_NEEDED,
                      1054,  # unknown column
                      UNKNOWN_IS_TABLE,
                      1143,  # column access denied
                      1146,  # table does not exist
                      1289, 3167,  # a feature disabled in this build or by a setting
                      1682, 1683})  # performance_schema off, or its tables from another version
# 2003 refused/unroutable, 2005 unknown host, 2006 gone away, 2013 lost during a query.
UNREACHABLE_CODES = frozenset({2003, 2005, 2006, 2013})
# MariaDB max_statement_time (1969), MySQL max_execution_time (3024).
TIMEOUT_CODES = frozenset({1969, 3024})
DENIED_CODES = frozenset({DB_ACCESS_DENIED, TABLE_ACCESS_DENIED, PRIVILEGE_NEEDED})


@dataclass(frozen=True, slots=True)
class ErrorContext:
    """What a message needs to name: the target, where it points, the account, the limits."""

    name: str
    password_env: str | None
    address: str  # host:port
    database: str | None
    account: str  # 'user'@'host', as GRANT wants it
    user: str  # as the URL names it
    statement_timeout_ms: int
    read_timeout_s: float
    kill_privilege: str = "CONNECTION ADMIN"


def error_code(exc: BaseException) -> int | None:
    orig = getattr(exc, "orig", None) or exc
    args = getattr(orig, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def server_text(exc: BaseException) -> str:
    """The server's own sentence: PyMySQL's str() is the (code, text) tuple."""
    orig = getattr(exc, "orig", None) or exc
    args = getattr(orig, "args", ())
    if len(args) >= 2 and isinstance(args[1], str) and args[1].strip():
        return args[1].strip().splitlines()[0]
    return first_line(exc)


def quote_account(current_user: str) -> str:
    """CURRENT_USER() 'monitor@10.0.0.%' as GRANT spells it: 'monitor'@'10.0.0.%'."""
    user, _sep, host = current_user.rpartition("@")
    if not _sep:
        user, host = current_user, "%"
    return "'{}'@'{}'".format(user.replace("'", "''"), host.replace("'", "''"))


def grant_hint(exc: BaseException, account: str) -> str | None:
    """The GRANT statement that would lift an access-denied error, when the error names it."""
    code, text = error_code(exc), server_text(exc)
    if code == PRIVILEGE_NEEDED:
        found = re.search(r"the (.+?) privilege", text)
        privilege = found.group(1) if found else "PROCESS"
        return f"GRANT {privilege} ON *.* TO {account}"
    if code == TABLE_ACCESS_DENIED:
        found = re.search(r"^.*?(\w+) command denied.*for table [`']?(\w+)[`']?(?:\.[`']?(\w+))?",
                          text)
        if found and found.group(3):
            return f"GRANT {found.group(1)} ON `{found.group(2)}`.* TO {account}"
        if found:
            return f"GRANT {found.group(1)} ON <schema>.{found.group(2)} TO {account}"
    if code == DB_ACCESS_DENIED:
        found = re.search(r"to database '([^']+)'", text)
        if found:
            return f"GRANT SELECT ON `{found.group(1)}`.* TO {account}"
    return None


def _auth_failed(ctx: ErrorContext, detail: str) -> CollectorError:
    where = _("store the password with `erpconsole secret set db:{name}`").format(name=ctx.name)
    if ctx.password_env:
        where += _(" or set {env}").format(env=ctx.password_env)
    return CollectorError(Health.AUTH_FAILED, _("{address} refused the login of {user}: {where}")
                          .format(address=ctx.address, user=ctx.user or "?", where=where), detail)


def classify(exc: BaseException, ctx: ErrorContext) -> CollectorError | None:
    """The health state for a MySQL/MariaDB error, or None to leave it to the base class."""
    code, detail = error_code(exc), server_text(exc)
    if code in (ACCESS_DENIED, ACCESS_DENIED_NO_PASSWORD):
        return _auth_failed(ctx, detail)
    if code in TIMEOUT_CODES:
        return CollectorError(Health.TIMEOUT, _("a statement ran past the {ms} ms statement timeout")
                              .format(ms=ctx.statement_timeout_ms), detail)
    if code == 2013 and "timed out" in detail:
        return CollectorError(Health.TIMEOUT, _("{address} did not answer within {s}")
                              .format(address=ctx.address, s=units.duration(ctx.read_timeout_s)), detail)
    if code == 2003 and "timed out" in detail:  # nothing answered the connect: as the scheduler's deadline says
        return CollectorError(Health.TIMEOUT, _("{address} did not answer the connect: is the address "
                                                "right, and does a firewall drop the packets?")
                              .format(address=ctx.address), detail)
    if code in UNREACHABLE_CODES:
        return CollectorError(Health.UNREACHABLE, _("cannot reach {address}: {error}")
                              .format(address=ctx.address, error=detail), detail)
    if code == UNKNOWN_DATABASE:
        return CollectorError(Health.ERROR, _("database {db} does not exist on {address}: check the "
                                              "URL in the inventory").format(
            db=ctx.database or "?", address=ctx.address), detail)
    if code in DENIED_CODES:
        hint = grant_hint(exc, ctx.account)
        message = detail if hint is None else _("{error}; an administrator can run: {grant}").format(
            error=detail, grant=hint)
        return CollectorError(Health.ERROR, message, detail)
    if code == UNKNOWN_THREAD:
        found = re.search(r"(\d+)\s*$", detail)
        return CollectorError(Health.ERROR, _("session {pid} was not found (it may have ended)")
                              .format(pid=found.group(1) if found else "?"), detail)
    if code == NOT_THREAD_OWNER:
        return CollectorError(Health.ERROR, _("{error}: ending other accounts' sessions needs GRANT "
                                              "{privilege} ON *.* TO {account}").format(
            error=detail, privilege=ctx.kill_privilege, account=ctx.account), detail)
    return None
