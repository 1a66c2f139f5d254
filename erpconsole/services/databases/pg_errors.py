"""psycopg 3 errors as health states with a sentence that says what to do.

What psycopg 3.3 raises, seen against PostgreSQL 15 on this machine: an error *while
connecting* is a plain ``OperationalError`` with no sqlstate (libpq's startup failure has
no result to read it from), so connection failures are told apart by libpq's text
("password authentication failed", "Connection refused", ...); a connect timeout is
``psycopg.errors.ConnectionTimeout``. Errors of a running statement carry their sqlstate
(``QueryCanceled`` 57014 for statement_timeout, ``LockNotAvailable`` 55P03 for lock_timeout).
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from sqlalchemy import exc as sa_exc

from erpconsole.services.databases.base import first_line
from erpconsole.services.errors import CollectorError
from erpconsole.i18n import _
from erpconsole.services.models import Health


@dataclass(frozen=True, slots=True)
class Where:
    """The parts of the target a message names (never the password)."""

    name: str
    host: str
    port: int
    user: str
    database: str
    password_env: str | None
    statement_timeout_ms: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


_AUTH_TEXT = ("password authentication failed", "no password supplied",
              "password is required", "authentication failed")
_UNREACHABLE_TEXT = ("connection refused", "could not translate host name",
                     "failed to resolve host", "name or service not known",
                     "no route to host", "network is unreachable",
                     "could not connect to server", "server closed the connection",
                     "connection reset", "the database system is starting up",
                     "the database system is shutting down", "the database system is in recovery mode",
                     "terminating connection due to administrator command")


def driver_error(exc: BaseException) -> BaseException:
    """The psycopg exception under SQLAlchemy's wrapper."""
    orig = getattr(exc, "orig", None)
    return orig if orig is not None else exc


def classify(exc: BaseException, where: Where) -> CollectorError | None:
    """A health state for the errors PostgreSQL has words for; None leaves it to the base."""
    orig = driver_error(exc)
    state = getattr(orig, "sqlstate", None) or ""
    text = str(orig).lower()
    detail = str(orig).strip()
    for test in (_auth, _missing, _timeout, _unreachable, _server_limits):
        found = test(orig, state, text, where)
        if found is not None:
            kind, message = found
            return CollectorError(kind, message, detail)
    return None


Found = tuple[Health, str] | None


def _auth(orig: BaseException, state: str, text: str, w: Where) -> Found:
    if 'role "' in text and "does not exist" in text:
        return Health.AUTH_FAILED, _(
            "the server has no role {user}: check the user name in the URL of {name}").format(
                user=w.user, name=w.name)
    if "no pg_hba.conf entry" in text:
        return Health.AUTH_FAILED, _(
            "{address} does not let {user} log in to {db} from this machine: the server's "
            "pg_hba.conf needs a line for it").format(address=w.address, user=w.user, db=w.database)
    if state in ("28P01", "28000") or any(t in text for t in _AUTH_TEXT):
        where = _("store the password with `erpconsole secret set db:{name}`").format(name=w.name)
        if w.password_env:
            where = _("{store} or set {env}").format(store=where, env=w.password_env)
        return Health.AUTH_FAILED, _("login refused for {user} at {address}: {where}").format(
            user=w.user, address=w.address, where=where)
    return None


def _missing(orig: BaseException, state: str, text: str, w: Where) -> Found:
    if state == "3D000" or (f'database "{w.database}" does not exist' in text):
        return Health.ERROR, _(
            "database {db} does not exist on {address}: check the database name in the URL of "
            "{name}").format(db=w.database, address=w.address, name=w.name)
    return None


def _timeout(orig: BaseException, state: str, text: str, w: Where) -> Found:
    if isinstance(orig, psycopg.errors.ConnectionTimeout) or "timeout expired" in text:
        return Health.TIMEOUT, _(
            "{address} did not answer within the connect timeout: is the address right, and "
            "does a firewall drop the packets?").format(address=w.address)
    if state == "57014" and "statement timeout" in text:
        return Health.TIMEOUT, _(
            "a monitoring query ran longer than {ms} ms: the server is overloaded or a lock "
            "holds the query back").format(ms=w.statement_timeout_ms)
    if state == "57014":
        return Health.ERROR, _("another session cancelled the monitoring query")
    if state == "55P03":
        return Health.TIMEOUT, _(
            "a monitoring query waited too long for a lock another session holds")
    return None


def _unreachable(orig: BaseException, state: str, text: str, w: Where) -> Found:
    if state.startswith("08") or state in ("57P01", "57P02", "57P03") \
            or any(t in text for t in _UNREACHABLE_TEXT):
        if "connection refused" in text:
            message = _("{address} refused the connection: is PostgreSQL running and listening "
                        "on that address and port?")
        elif "resolve host" in text or "translate host name" in text or "not known" in text:
            message = _("the host name of {address} does not resolve: check the URL")
        elif "terminating connection" in text:
            message = _("{address} closed the monitoring connection (a server restart, or "
                        "someone ended the session)")
        elif "starting up" in text or "shutting down" in text or "recovery mode" in text:
            message = _("{address} is starting up or shutting down")
        else:
            message = _("cannot reach PostgreSQL at {address}")
        return Health.UNREACHABLE, message.format(address=w.address)
    return None


def _server_limits(orig: BaseException, state: str, text: str, w: Where) -> Found:
    if state == "53300" or "too many clients" in text or "remaining connection slots" in text:
        return Health.ERROR, _(
            "{address} has no free connection slot (max_connections is reached): close idle "
            "sessions or raise max_connections").format(address=w.address)
    if state == "42501":
        return Health.ERROR, _("{error} (role {user} lacks this privilege)").format(
            error=first_line(orig), user=w.user)
    return None


def is_statement_timeout(exc: BaseException) -> bool:
    """A statement timeout fails the whole poll (TIMEOUT); a lock timeout in one panel only
    degrades that panel."""
    return isinstance(exc, sa_exc.DBAPIError) and getattr(driver_error(exc), "sqlstate", "") == "57014"
