"""Users of the ERP application itself (Odoo, ERPNext, or a SELECT of the inventory's), read
from its database on a read-only connection, as ``Account`` rows for the access review.

Choices a reviewer should know:

- A user the ERP has deactivated (Odoo ``active = false``, ERPNext ``enabled = 0``, a custom
  row whose active column is false) cannot log in: ``can_login`` False and ``locked`` True.
- ERPNext's ``Guest`` is the anonymous visitor: it never logs in (``can_login`` False).
- Odoo's built-in users (``__system__``, the public user, the templates for new users) are
  kept, with an "Odoo internal" fact, so the review sees everything the database holds.
- Times without a zone (Odoo stores UTC; Frappe stores its system zone) are read as UTC: a
  few hours do not move a 90-day staleness rule.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Connection, make_url

from erpconsole.config import DatabaseConfig
from erpconsole.services.access import erp_queries as q
from erpconsole.services.access.db_connect import (
    REVIEW_STATEMENT_TIMEOUT_MS, read_only,
)
from erpconsole.services.access.models import ERP, Account, SourceExtract
from erpconsole.services.databases.base import DatabaseCollector, first_line
from erpconsole.services.databases.mysql_errors import error_code, quote_account, server_text
from erpconsole.services.errors import CollectorError
from erpconsole.i18n import N_, _
from erpconsole.services import units
from erpconsole.services.models import Health
from erpconsole.services.secrets import SecretStore

ODOO, ERPNEXT, CUSTOM = "odoo", "erpnext", "custom"
CUSTOM_COLUMNS = "username, display name, active, last login, roles"
# Custom roles that make a user a superuser of the application (compared case-insensitively).
ADMIN_ROLES = frozenset({"admin", "administrator", "superuser", "system manager", "sysadmin", "root"})
ERPNEXT_ADMIN_ROLES = frozenset({"System Manager", "Administrator"})
ODOO_BUILTIN = {
    "base.user_root": N_("__system__ superuser (OdooBot), used by the server itself"),
    "base.public_user": N_("public user: anonymous website visitors"),
    "base.default_user": N_("template copied for new internal users"),
    "base.template_portal_user_id": N_("template copied for new portal users"),
}
_PG_UNDEFINED_TABLE, _PG_DENIED = "42P01", "42501"
_MY_NO_TABLE, _MY_DENIED = 1146, frozenset({1142, 1143})


class _ReadError(Exception):
    """A sentence for the user, raised where the reader itself knows what is wrong."""


@dataclass
class _Run:
    """The connection of one read, and what it ran: the evidence records every statement."""

    cfg: DatabaseConfig
    conn: Connection | None = None
    queries: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns: int = 0  # of the last result

    def query(self, sql: str) -> list[tuple]:
        self.queries.append(sql)
        assert self.conn is not None
        # No parameters: a '%' in a LIKE of the custom query stays literal for every driver.
        result = self.conn.exec_driver_sql(sql, execution_options={"no_parameters": True})
        self.columns = len(result.keys()) if result.returns_rows else 0
        return [tuple(r) for r in result.fetchall()] if result.returns_rows else []


def read_erp_users(cfg: DatabaseConfig, secrets: SecretStore | None = None, now: float | None = None,
                   statement_timeout_ms: int = REVIEW_STATEMENT_TIMEOUT_MS
                   ) -> tuple[list[Account], SourceExtract]:
    """The ERP's users and how they were read. Never raises for a failure a user can fix: the
    extract's ``error`` says what is wrong and what to do."""
    ts = time.time() if now is None else now
    started = time.monotonic()
    run = _Run(cfg)

    def extract(rows: int = 0, error: str = "") -> SourceExtract:
        return SourceExtract(system=cfg.name, source=ERP, kind=cfg.erp or "", query=";\n".join(run.queries),
                             rows=rows, ts=ts, duration_s=time.monotonic() - started, error=error,
                             note="; ".join(run.notes))

    problem = _profile_problem(cfg)
    if problem:
        return [], extract(error=problem)
    collector: DatabaseCollector | None = None
    try:
        with read_only(cfg, secrets, statement_timeout_ms) as (collector, conn):
            run.conn = conn
            try:
                accounts = _READERS[cfg.erp](run)
            except (_ReadError, CollectorError):
                raise
            except Exception as exc:  # explained while connected: a GRANT names the server's account
                raise _ReadError(_explain(cfg, collector, exc, statement_timeout_ms, conn)) from exc
    except _ReadError as exc:
        return [], extract(error=str(exc))
    except Exception as exc:  # every failure becomes the sentence of the evidence
        return [], extract(error=_explain(cfg, collector, exc, statement_timeout_ms))
    return accounts, extract(rows=len(accounts))


def _dialect(cfg: DatabaseConfig) -> str:
    return make_url(cfg.url).get_backend_name()


def _profile_problem(cfg: DatabaseConfig) -> str:
    if cfg.erp not in (ODOO, ERPNEXT, CUSTOM):
        return _('{name} has no ERP profile: add erp = "odoo", "erpnext" or "custom" to its '
                 '[[databases]] entry').format(name=cfg.name)
    dialect = _dialect(cfg)
    if cfg.erp == ODOO and dialect != "postgresql":
        return _('erp = "odoo" reads a PostgreSQL database (Odoo runs on nothing else), but the URL '
                 'of {name} is for {dialect}: point the URL at the Odoo database').format(
                     name=cfg.name, dialect=dialect)
    if cfg.erp == ERPNEXT and dialect not in ("mysql", "mariadb", "postgresql"):
        return _('erp = "erpnext" reads a MariaDB, MySQL or PostgreSQL database, but the URL of '
                 '{name} is for {dialect}: point the URL at the site database').format(
                     name=cfg.name, dialect=dialect)
    if cfg.erp == CUSTOM and not (cfg.erp_users_query or "").strip():
        return _('erp = "custom" needs erp_users_query = "SELECT ..." returning {columns} in the '
                 'entry of {name}').format(columns=CUSTOM_COLUMNS, name=cfg.name)
    return ""


# -- Odoo ---------------------------------------------------------------------------------------

@dataclass
class _Groups:
    lines: set[str] = field(default_factory=set)
    xmlids: set[str] = field(default_factory=set)


def _read_odoo(run: _Run) -> list[Account]:
    schema = q.schema_from_probe(run.query(q.ODOO_PROBE))
    if "res_users" not in schema:
        raise _ReadError(_('no res_users table in database {db}: is this the Odoo database? Check '
                           'erp = "odoo" and the database in the URL of {name}').format(
                               db=make_url(run.cfg.url).database or "?", name=run.cfg.name))
    users = run.query(q.odoo_users_sql(schema))
    groups: dict[Any, _Groups] = {}
    groups_sql = q.odoo_groups_sql(schema)
    if groups_sql is None:
        run.notes.append(_("no res_groups / res_groups_users_rel table: groups not read"))
    else:
        for uid, name, category, xmlids in run.query(groups_sql):
            entry = groups.setdefault(uid, _Groups())
            label = f"{category} / {name}" if category else str(name)
            entry.lines.add(f"GROUP {label}")
            entry.xmlids.update(_split(xmlids, ","))
    tracked = q.odoo_tracks_logins(schema)
    return [_odoo_account(run, row, groups.get(row[0], _Groups()), tracked) for row in users]


def _odoo_account(run: _Run, row: tuple, groups: _Groups, tracked: bool) -> Account:
    uid, login, active, share, partner, email, last, xmlids = row
    login, active, share = (login or "").strip(), bool(active), bool(share)
    own_ids = set(_split(xmlids, ","))
    facts = [(_("user id"), str(uid)), (_("active"), _yes(active)), (_("share"), _yes(share)),
             (_("user type"), _odoo_user_type(share, groups.xmlids))]
    builtin = next((ODOO_BUILTIN[x] for x in sorted(own_ids) if x in ODOO_BUILTIN), None)
    if builtin is None and uid == 1:
        builtin = ODOO_BUILTIN["base.user_root"]
    if builtin:
        facts.append((_("Odoo internal"), _(builtin)))
    if own_ids:
        facts.append((_("XML ID"), ", ".join(sorted(own_ids))))
    privileges = groups.lines | ({"PORTAL"} if share else set())
    return Account(
        source=ERP, system=run.cfg.name, kind=ODOO, name=login or f"#{uid}",
        display_name=partner or "", email=email or "", can_login=active and bool(login),
        locked=not active,
        superuser="base.group_system" in groups.xmlids or uid == 1 or "base.user_root" in own_ids,
        privileges=tuple(sorted(privileges)), last_login=_epoch_or_note(run, login, last),
        login_tracked=tracked, facts=tuple(facts))


def _odoo_user_type(share: bool, group_ids: set[str]) -> str:
    if "base.group_public" in group_ids:
        return _("public")
    if "base.group_portal" in group_ids or share:
        return _("portal")
    return _("internal")


# -- ERPNext ------------------------------------------------------------------------------------

def _read_erpnext(run: _Run) -> list[Account]:
    quote = '"' if _dialect(run.cfg) == "postgresql" else "`"
    users = run.query(q.ERPNEXT_USERS.replace("`", quote))
    roles: dict[str, set[str]] = {}
    try:
        rows = run.query(q.ERPNEXT_ROLES.replace("`", quote))
    except Exception as exc:
        if not _undefined_table(exc):
            raise
        run.notes.append(_("no `tabHas Role` table: roles not read"))
        rows = []
    for parent, role in rows:
        roles.setdefault(str(parent), set()).add(str(role))
    return [_erpnext_account(run, row, roles.get(str(row[0]), set())) for row in users]


def _erpnext_account(run: _Run, row: tuple, roles: set[str]) -> Account:
    name, full_name, email, enabled, last, user_type = row
    name = str(name)
    enabled_ = bool(to_bool(enabled))
    facts = [(_("enabled"), _yes(enabled_)), (_("user type"), str(user_type or ""))]
    if name == "Guest":
        facts.append((_("ERPNext internal"), _("Guest: anonymous website visitors; never logs in")))
    elif name == "Administrator":
        facts.append((_("ERPNext internal"), _("the built-in administrator")))
    return Account(
        source=ERP, system=run.cfg.name, kind=ERPNEXT, name=name, display_name=full_name or "",
        email=email or "", can_login=enabled_ and name != "Guest", locked=not enabled_,
        superuser=name == "Administrator" or bool(roles & ERPNEXT_ADMIN_ROLES),
        privileges=tuple(sorted(f"ROLE {r}" for r in roles)),
        last_login=_epoch_or_note(run, name, last), login_tracked=True, facts=tuple(facts))


# -- custom -------------------------------------------------------------------------------------

def _read_custom(run: _Run) -> list[Account]:
    sql = (run.cfg.erp_users_query or "").strip().rstrip(";").strip()
    rows = run.query(sql)
    if run.columns < 5:
        raise _ReadError(_("the erp_users_query of {name} returned {n} columns; it must return "
                           "{columns}, in that order").format(
                               name=run.cfg.name, n=run.columns, columns=CUSTOM_COLUMNS))
    tracked = any(r[3] not in (None, "") for r in rows)
    accounts, nameless, unclear = [], 0, []
    for row in rows:
        username = "" if row[0] is None else str(row[0]).strip()
        if not username:
            nameless += 1
            continue
        active = to_bool(row[2])
        if active is None:
            unclear.append(username)
        accounts.append(_custom_account(run, row, username, active is not False, tracked))
    if nameless:
        run.notes.append(_("{n} rows without a username skipped").format(n=nameless))
    if unclear:
        run.notes.append(_("active not understood for {users}: read as active").format(
            users=", ".join(unclear[:5]) + (" ..." if len(unclear) > 5 else "")))
    return accounts


def _custom_account(run: _Run, row: tuple, username: str, active: bool, tracked: bool) -> Account:
    roles = sorted(set(_split(row[4], ",;")))
    return Account(
        source=ERP, system=run.cfg.name, kind=CUSTOM, name=username,
        display_name="" if row[1] is None else str(row[1]).strip(),
        email=username if _looks_like_email(username) else "",
        can_login=active, locked=not active,
        superuser=any(r.lower() in ADMIN_ROLES for r in roles),
        privileges=tuple(f"ROLE {r}" for r in roles),
        last_login=_epoch_or_note(run, username, row[3]), login_tracked=tracked)


_READERS: dict[str, Callable[[_Run], list[Account]]] = {
    ODOO: _read_odoo, ERPNEXT: _read_erpnext, CUSTOM: _read_custom}


# -- values -------------------------------------------------------------------------------------

_TRUE = frozenset({"y", "yes", "true", "t", "1", "on", "active", "enabled"})
_FALSE = frozenset({"n", "no", "false", "f", "0", "off", "inactive", "disabled", ""})


def to_bool(value: Any) -> bool | None:
    """bool / number / 'Y' 'N' 'true' ...; None when the value says neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return value != 0
    if isinstance(value, (bytes, bytearray)):  # BIT(1) columns
        return any(value)
    if value is None:
        return None
    text = str(value).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def to_epoch(value: Any) -> float | None:
    """datetime (naive = UTC) / date / ISO text / epoch seconds or milliseconds / None.
    ValueError when the value is none of these."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc).timestamp()
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = float(value)
        return number / 1000 if number > 1e11 else number  # a 13-digit value is milliseconds
    text = (value.decode() if isinstance(value, (bytes, bytearray)) else str(value)).strip()
    if not text or text.startswith("0000-00-00"):  # MySQL's "zero" date: never
        return None
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return to_epoch(float(text))
    return to_epoch(datetime.fromisoformat(text.replace("Z", "+00:00")))


def _epoch_or_note(run: _Run, user: str, value: Any) -> float | None:
    try:
        return to_epoch(value)
    except (ValueError, TypeError, OverflowError):
        run.notes.append(_("last login of {user} not understood ({value!r}): read as unknown").format(
            user=user, value=value))
        return None


def _split(value: Any, separators: str) -> list[str]:
    if value is None:
        return []
    return [p.strip() for p in re.split(f"[{re.escape(separators)}]", str(value)) if p.strip()]


def _yes(flag: bool) -> str:
    return _("yes") if flag else _("no")


def _looks_like_email(text: str) -> bool:
    return re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text) is not None


# -- errors -------------------------------------------------------------------------------------

def _undefined_table(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", exc)
    return getattr(orig, "sqlstate", None) == _PG_UNDEFINED_TABLE or error_code(exc) == _MY_NO_TABLE


def _denied(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", exc)
    return getattr(orig, "sqlstate", None) == _PG_DENIED or error_code(exc) in _MY_DENIED


def _explain(cfg: DatabaseConfig, collector: DatabaseCollector | None, exc: Exception,
             timeout_ms: int, conn: Connection | None = None) -> str:
    """One sentence: what is wrong and what to do."""
    if isinstance(exc, CollectorError):  # raised while connecting: already a sentence
        return exc.message
    if collector is None:
        return first_line(exc)
    err = collector.classify(exc)
    if err.kind == Health.TIMEOUT:
        return _("reading the ERP users of {name} ran past the {s} statement timeout: the "
                 "server is overloaded or a lock holds the tables; try again later").format(
                     name=cfg.name, s=units.duration(timeout_ms / 1000))
    if err.kind in (Health.UNREACHABLE, Health.AUTH_FAILED):
        return err.message
    text = server_text(exc) if error_code(exc) is not None else first_line(exc)
    if cfg.erp == CUSTOM:
        hint = _("; the account of the URL needs SELECT on the tables it reads") if _denied(exc) else ""
        return _("the erp_users_query of {name} failed: {error}{hint}. It must be one SELECT "
                 "returning {columns}").format(name=cfg.name, error=text, hint=hint,
                                               columns=CUSTOM_COLUMNS)
    if _undefined_table(exc) and cfg.erp == ERPNEXT:
        return _('no tabUser table in database {db}: is this the ERPNext site database? Check '
                 'erp = "erpnext" and the database in the URL of {name}').format(
                     db=make_url(cfg.url).database or "?", name=cfg.name)
    if _denied(exc):
        return _("{error}: an administrator can run {grant}").format(error=text, grant=_grant(cfg, exc, conn))
    return err.message


def _grant(cfg: DatabaseConfig, exc: Exception, conn: Connection | None) -> str:
    """The GRANT that lets the review's account read what the profile reads."""
    url = make_url(cfg.url)
    if cfg.erp == ODOO:
        return "GRANT SELECT ON {} TO {}".format(", ".join(q.ODOO_TABLES), url.username or "<user>")
    if _dialect(cfg) == "postgresql":
        return 'GRANT SELECT ON "tabUser", "tabHas Role" TO {}'.format(url.username or "<user>")
    account = _mysql_account(conn, exc)
    return "GRANT SELECT ON `{db}`.`tabUser` TO {a}; GRANT SELECT ON `{db}`.`tabHas Role` TO {a}".format(
        db=url.database or "<database>", a=account)


def _mysql_account(conn: Connection | None, exc: Exception) -> str:
    """'user'@'pattern' as GRANT wants it: the error text names the client's address instead."""
    try:
        assert conn is not None
        return quote_account(str(conn.exec_driver_sql("SELECT CURRENT_USER()").scalar()))
    except Exception:  # the connection went with the error: the error's own words will do
        found = re.search(r"to user '([^']*)'@'([^']*)'", server_text(exc))
        return f"'{found.group(1)}'@'{found.group(2)}'" if found else "'<user>'@'<host>'"
