"""The statements that carry out a decision: written for the reviewer to read and copy, run
only one at a time, confirmed, from the review page.

Revoke disables first (reversible) and removes second; change answers each finding. Names
are quoted for their language, so an odd account name cannot become a second statement.
"""

from __future__ import annotations

import shlex
from datetime import date, timedelta

from erpconsole.services.access.models import (
    CHANGE, DATABASE, ERP, OS, REVOKE, AccessFinding, Account, Statement,
)
from erpconsole.services.access.rules import ADMIN_GROUPS
from erpconsole.i18n import _


def pg_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def my_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def my_account(a: Account) -> str:
    user = a.name.rsplit("@", 1)[0] if a.host_pattern or "@" in a.name else a.name
    return f"{my_literal(user.strip(chr(39)))}@{my_literal(a.host_pattern)}"


def _pg_revoke_line(privilege: str, grantee: str) -> str | None:
    """A privilege line as read (see pg_accounts) -> the statement that takes it away."""
    attributes = {"SUPERUSER", "CREATEROLE", "CREATEDB", "REPLICATION", "BYPASSRLS", "LOGIN"}
    if privilege in attributes:
        return f"ALTER ROLE {grantee} NO{privilege}"
    for prefix in ("MEMBER OF ", "ADMIN OF "):
        if privilege.startswith(prefix):
            return f"REVOKE {pg_ident(privilege.removeprefix(prefix))} FROM {grantee}"
    if " ON " in privilege:
        priv, obj = privilege.split(" ON ", 1)
        return f"REVOKE {priv} ON {obj} FROM {grantee}"
    return None


def _my_revoke_line(privilege: str, account: str) -> str | None:
    for prefix in ("MEMBER OF ", "ADMIN OF "):
        if privilege.startswith(prefix):
            return f"REVOKE {privilege.removeprefix(prefix)} FROM {account}"
    if " ON " not in privilege:
        return None
    priv, obj = privilege.split(" ON ", 1)
    priv = "GRANT OPTION" if priv.startswith("WITH GRANT OPTION") else priv
    return f"REVOKE {priv} ON {obj} FROM {account}"


def _sql(a: Account, text: str, why: str, runnable: bool = True) -> Statement:
    return Statement(a.system, "sql", text, why, runnable)


def _sh(a: Account, text: str, why: str, runnable: bool = True) -> Statement:
    return Statement(a.system, "shell", text, why, runnable)


def _database_revoke(a: Account) -> list[Statement]:
    if a.kind == "postgresql":
        if a.name == "PUBLIC":
            return [_sql(a, line, _("take the grant back from PUBLIC"))
                    for p in a.privileges if (line := _pg_revoke_line(p, "PUBLIC"))]
        role = pg_ident(a.name)
        return [_sql(a, f"ALTER ROLE {role} NOLOGIN", _("stop logins at once (reversible)")),
                _sql(a, f"DROP ROLE {role}", _("remove the role (refused while it owns objects: "
                                                 "REASSIGN OWNED first)"))]
    if a.name == "PUBLIC":
        return [_sql(a, line, _("take the grant back from PUBLIC"))
                for p in a.privileges if (line := _my_revoke_line(p, "PUBLIC"))]
    if not a.host_pattern:  # a MariaDB role: nobody logs in as it
        return [_sql(a, f"DROP ROLE {my_literal(a.name)}", _("remove the role from every account"))]
    account = my_account(a)
    return [_sql(a, f"ALTER USER {account} ACCOUNT LOCK", _("stop logins at once (reversible)")),
            _sql(a, f"DROP USER {account}", _("remove the account"))]


def _os_revoke(a: Account) -> list[Statement]:
    user = shlex.quote(a.name)
    out = [_sh(a, f"usermod -L -e 1 {user}", _("lock the password and expire the account, which "
                                                "also stops key logins (reversible)"))]
    for group in _admin_groups(a):
        out.append(_sh(a, f"gpasswd -d {user} {shlex.quote(group)}", _("leave {group}").format(group=group)))
    return out


def _erp_revoke(a: Account) -> list[Statement]:
    if a.kind == "odoo":
        return [_sql(a, f"UPDATE res_users SET active = false WHERE login = {sql_literal(a.name)}",
                     _("archive the Odoo user (Settings > Users does the same)"))]
    if a.kind == "erpnext":
        return [_sql(a, f"UPDATE `tabUser` SET enabled = 0 WHERE name = {my_literal(a.name)}",
                     _("disable the ERPNext user (User > Enabled does the same)"))]
    return [_sql(a, _("-- disable {name} in the application's own user administration").format(name=a.name),
                 _("a custom ERP profile: no statement is known"), runnable=False)]


def _admin_groups(a: Account) -> list[str]:
    return [p.removeprefix("GROUP ") for p in a.privileges
            if p.startswith("GROUP ") and p.removeprefix("GROUP ") in ADMIN_GROUPS]


def _change_for(a: Account, f: AccessFinding, today: date, max_age: int | None) -> list[Statement]:
    why = f.message
    if a.source == DATABASE and a.kind == "postgresql":
        role = "PUBLIC" if a.name == "PUBLIC" else pg_ident(a.name)
        if f.rule == "privileged":
            return [_sql(a, f"ALTER ROLE {role} NOSUPERUSER", why)]
        if f.rule == "no_expiry" and max_age:
            until = (today + timedelta(days=max_age)).isoformat()
            return [_sql(a, f"ALTER ROLE {role} VALID UNTIL {sql_literal(until)}", why)]
        if f.rule in ("public_grant", "drift_privileges"):
            extra = f.extra if f.rule == "drift_privileges" else a.privileges
            return [_sql(a, line, why) for p in extra if (line := _pg_revoke_line(p, role))]
    if a.source == DATABASE:
        account = "PUBLIC" if a.name == "PUBLIC" else my_account(a)
        if f.rule == "open_host":
            user = my_literal(a.name.rsplit("@", 1)[0])
            return [_sql(a, f"RENAME USER {account} TO {user}@'10.0.0.%'",
                         _("edit the host pattern to the application servers' network first"), runnable=False)]
        if f.rule == "privileged":
            return [_sql(a, f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {account}",
                         _("then grant back only what the account needs"), runnable=False)]
        if f.rule == "no_expiry" and max_age:
            return [_sql(a, f"ALTER USER {account} PASSWORD EXPIRE INTERVAL {int(max_age)} DAY", why)]
        if f.rule in ("public_grant", "drift_privileges"):
            extra = f.extra if f.rule == "drift_privileges" else a.privileges
            return [_sql(a, line, why) for p in extra if (line := _my_revoke_line(p, account))]
    if a.source == OS:
        user = shlex.quote(a.name)
        if f.rule == "uid0":
            return [_sh(a, f"usermod -o -u 2000 {user}", _("choose a free uid first; files owned by "
                                                           "uid 0 stay root's"), runnable=False)]
        if f.rule == "privileged":
            return [_sh(a, f"gpasswd -d {user} {shlex.quote(g)}", why) for g in _admin_groups(a)]
        if f.rule == "no_expiry" and max_age:
            return [_sh(a, f"chage -M {int(max_age)} {user}", why)]
    return []


def statements_for(a: Account, decision: str, findings: tuple[AccessFinding, ...] | list[AccessFinding],
                   today: date, max_age: int | None = None) -> tuple[Statement, ...]:
    """What to run on ``a.system`` for a revoke or change decision (nothing for keep)."""
    if decision == REVOKE:
        if a.source == DATABASE:
            return tuple(_database_revoke(a))
        return tuple(_os_revoke(a) if a.source == OS else _erp_revoke(a) if a.source == ERP else ())
    if decision != CHANGE:
        return ()
    out: list[Statement] = []
    for f in findings:
        out.extend(s for s in _change_for(a, f, today, max_age) if s not in out)
    if not out:
        marker = "#" if a.source == OS else "--"
        out.append(Statement(a.system, "shell" if a.source == OS else "sql", marker + _(
            " no statement follows from the findings: describe the change in the comment and "
            "make it in {system}").format(system=a.system), _("change"), runnable=False))
    return tuple(out)
