"""PostgreSQL roles and their grants, read for the access review.

Roles are cluster-wide; object grants are those of the connected database (its schemas,
tables, views, materialized views, foreign tables and sequences) plus the database-level
grants of every database of the cluster, which live in the shared catalog anyway.

Six catalog reads, every name schema-qualified so a ``search_path`` cannot swap a catalog for
a look-alike. What an owner holds implicitly on its own objects is left out; so are
PostgreSQL's own grants to PUBLIC (CONNECT and TEMPORARY on databases, USAGE on schema
public): only what someone granted on purpose is a finding.

Whether a role has a password is in ``pg_authid``, which only a superuser may read (it holds
the hashes). Without it "password never expires" stays unknown and the extract says so; the
hash itself is never selected, only ``rolpassword IS NOT NULL``.

Privilege lines, as the statements module turns them into REVOKE text: role attributes
("SUPERUSER", "LOGIN", ...), "MEMBER OF <role>" and "ADMIN OF <role>" with the bare role
name, and "<PRIV> ON <DATABASE|SCHEMA|TABLE|SEQUENCE> <name>" with names as ``quote_ident``
writes them. A grant option adds "GRANT OPTION FOR <PRIV> ON ...". When a role holds one
privilege on every table (or sequence) of a schema that has two or more, the lines become
one "<PRIV> ON ALL TABLES IN SCHEMA <s>" (or ALL SEQUENCES): an ERP schema has a thousand
tables and a reporting role would otherwise fill the review with them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from erpconsole.services.access.models import DATABASE, Account
from erpconsole.i18n import _

Run = Callable[[str], list[tuple]]
KIND = "postgresql"

SESSION_SQL = ("SELECT current_user, current_database(), "
               "pg_catalog.has_table_privilege('pg_catalog.pg_authid', 'SELECT')")

_ROLES_SQL = """SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
       r.rolreplication, r.rolbypassrls, r.rolconnlimit,
       CASE WHEN r.rolvaliduntil IS NULL OR r.rolvaliduntil = 'infinity' THEN NULL
            WHEN r.rolvaliduntil = '-infinity' THEN 0::float8
            ELSE extract(epoch FROM r.rolvaliduntil)::float8 END AS valid_until,
       {password} AS has_password
FROM {source} r
ORDER BY r.rolname"""

MEMBERS_SQL = """SELECT m.rolname, g.rolname, bool_or(a.admin_option)
FROM pg_catalog.pg_auth_members a
JOIN pg_catalog.pg_roles m ON m.oid = a.member
JOIN pg_catalog.pg_roles g ON g.oid = a.roleid
GROUP BY m.rolname, g.rolname
ORDER BY 1, 2"""

# pg_toast, pg_temp_N and the like: PostgreSQL reserves the pg_ prefix for itself.
_USER_SCHEMA = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'"
_RELKINDS = "('r', 'v', 'm', 'p', 'f', 'S')"
_REL_KIND = "CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END"

GRANTS_SQL = f"""SELECT CASE WHEN g.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(g.grantee) END,
       g.privilege_type, g.is_grantable, g.kind, g.object, g.schema
FROM (
  SELECT a.grantee, a.privilege_type, a.is_grantable, 'DATABASE' AS kind,
         pg_catalog.quote_ident(d.datname) AS object, NULL::text AS schema
  FROM pg_catalog.pg_database d,
       LATERAL pg_catalog.aclexplode(COALESCE(d.datacl, pg_catalog.acldefault('d', d.datdba))) a
  WHERE NOT d.datistemplate AND a.grantee <> d.datdba
  UNION ALL
  SELECT a.grantee, a.privilege_type, a.is_grantable, 'SCHEMA',
         pg_catalog.quote_ident(n.nspname), NULL
  FROM pg_catalog.pg_namespace n,
       LATERAL pg_catalog.aclexplode(COALESCE(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) a
  WHERE {_USER_SCHEMA} AND a.grantee <> n.nspowner
  UNION ALL
  SELECT a.grantee, a.privilege_type, a.is_grantable, {_REL_KIND},
         pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
         pg_catalog.quote_ident(n.nspname)
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace,
       LATERAL pg_catalog.aclexplode(c.relacl) a
  WHERE c.relacl IS NOT NULL AND c.relkind IN {_RELKINDS} AND {_USER_SCHEMA}
    AND a.grantee <> c.relowner
) g
ORDER BY 1, 4, 5, 2"""

TOTALS_SQL = f"""SELECT pg_catalog.quote_ident(n.nspname), {_REL_KIND}, count(*)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN {_RELKINDS} AND {_USER_SCHEMA}
GROUP BY 1, 2"""

OWNS_SQL = f"""SELECT pg_catalog.pg_get_userbyid(o.owner), count(*)
FROM (
  SELECT c.relowner AS owner FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN {_RELKINDS} AND {_USER_SCHEMA}
  UNION ALL
  SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE {_USER_SCHEMA}
  UNION ALL
  SELECT p.proowner FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE {_USER_SCHEMA}
  UNION ALL
  SELECT d.datdba FROM pg_catalog.pg_database d WHERE NOT d.datistemplate
) o
GROUP BY 1"""

# What PostgreSQL grants to PUBLIC by itself: (privilege, kind, object or None for any).
PUBLIC_DEFAULTS = frozenset({("CONNECT", "DATABASE", None), ("TEMPORARY", "DATABASE", None),
                             ("USAGE", "SCHEMA", "public")})
ATTRIBUTES = ("SUPERUSER", "CREATEROLE", "CREATEDB", "LOGIN", "REPLICATION", "BYPASSRLS")


def roles_sql(can_read_authid: bool) -> str:
    if can_read_authid:
        return _ROLES_SQL.format(source="pg_catalog.pg_authid", password="r.rolpassword IS NOT NULL")
    return _ROLES_SQL.format(source="pg_catalog.pg_roles", password="NULL::bool")


def authid_note() -> str:
    return _("pg_authid is readable only by a superuser, so whether a login role has a password "
             "(and so whether it never expires) is unknown: run the review as a superuser to "
             "fill it in (granting SELECT on pg_authid to a monitoring role would expose the "
             "password hashes, which is not advised)")


def read(run: Run, system: str, now: float) -> tuple[list[Account], list[str]]:
    """Every role (built-in pg_* roles aside) and, when anything beyond PostgreSQL's own
    defaults was granted to PUBLIC, a "PUBLIC" pseudo-account; with notes on what is missing."""
    _user, _database, can_read_authid = run(SESSION_SQL)[0]
    roles = run(roles_sql(bool(can_read_authid)))
    members = run(MEMBERS_SQL)
    lines = grant_lines(run(GRANTS_SQL), run(TOTALS_SQL))
    owns = {str(name): int(n) for name, n in run(OWNS_SQL)}
    accounts = [role_account(system, row, members, lines.get(row[0], ()), owns.get(row[0], 0), now)
                for row in roles if not is_builtin(row[0])]
    public = lines.get(None, ())
    if public:
        accounts.append(Account(DATABASE, system, KIND, "PUBLIC", can_login=False,
                                privileges=tuple(sorted(public)),
                                facts=((_("granted to"), _("every role, present and future")),)))
    return sorted(accounts, key=lambda a: a.name), [] if can_read_authid else [authid_note()]


def is_builtin(role: str) -> bool:
    return role.startswith("pg_")


def grant_lines(grants: Iterable[tuple], totals: Iterable[tuple]) -> dict[str | None, set[str]]:
    """grantee (None for PUBLIC) -> its privilege lines, PUBLIC's defaults left out, a
    privilege held on every table of a schema folded into one ALL TABLES IN SCHEMA line."""
    total = {(str(schema), str(kind)): int(n) for schema, kind, n in totals}
    out: dict[str | None, set[str]] = defaultdict(set)
    # (grantee, prefix, kind, schema) -> objects: what may fold into an ALL ... line
    per_schema: dict[tuple, set[str]] = defaultdict(set)
    for grantee, privilege, grantable, kind, obj, schema in grants:
        if grantee is None and _is_public_default(privilege, kind, obj):
            continue
        prefixes = [privilege] + ([f"GRANT OPTION FOR {privilege}"] if grantable else [])
        for prefix in prefixes:
            if schema is None:
                out[grantee].add(f"{prefix} ON {kind} {obj}")
            else:
                per_schema[(grantee, prefix, kind, schema)].add(obj)
    for (grantee, prefix, kind, schema), objects in per_schema.items():
        if len(objects) >= 2 and len(objects) == total.get((schema, kind)):
            every = "ALL TABLES" if kind == "TABLE" else "ALL SEQUENCES"
            out[grantee].add(f"{prefix} ON {every} IN SCHEMA {schema}")
        else:
            out[grantee].update(f"{prefix} ON {kind} {obj}" for obj in objects)
    return dict(out)


def _is_public_default(privilege: str, kind: str, obj: str) -> bool:
    return (privilege, kind, None) in PUBLIC_DEFAULTS or (privilege, kind, obj) in PUBLIC_DEFAULTS


def role_account(system: str, row: tuple, members: Iterable[tuple], grants: Iterable[str],
                 owned: int, now: float) -> Account:
    """One row of the roles query as an Account."""
    (name, superuser, createrole, createdb, can_login, replication, bypassrls, connlimit,
     valid_until, has_password) = row
    flags = dict(zip(ATTRIBUTES, (superuser, createrole, createdb, can_login, replication, bypassrls),
                     strict=True))
    member_of = [(g, admin) for m, g, admin in members if m == name]
    privileges = {attr for attr, on in flags.items() if on}
    privileges.update(f"MEMBER OF {g}" for g, _admin in member_of)
    privileges.update(f"ADMIN OF {g}" for g, admin in member_of if admin)
    privileges.update(grants)
    expired = bool(can_login) and valid_until is not None and float(valid_until) <= now
    # None when unknown (no pg_authid) or when there is no password to expire.
    never = (valid_until is None) if can_login and has_password else None
    return Account(
        DATABASE, system, KIND, str(name), can_login=bool(can_login), locked=expired,
        superuser=bool(superuser), privileges=tuple(sorted(privileges)), login_tracked=False,
        password_expires=None if valid_until is None else float(valid_until),
        password_never_expires=never, password_expired=expired,
        facts=_facts(name, bool(can_login), member_of, members, valid_until, connlimit,
                     has_password, owned))


def _facts(name: str, can_login: bool, member_of: list[tuple], members: Iterable[tuple],
           valid_until: float | None, connlimit: int, has_password: bool | None,
           owned: int) -> tuple[tuple[str, str], ...]:
    facts: list[tuple[str, str]] = []
    if member_of:
        facts.append((_("member of"), ", ".join(
            g + (_(" (with admin option)") if admin else "") for g, admin in member_of)))
    held_by = sorted(m for m, g, _admin in members if g == name)
    if held_by:
        facts.append((_("members"), ", ".join(held_by)))
    if valid_until is not None:
        facts.append((_("valid until"), _utc(float(valid_until))))
    if can_login:
        facts.append((_("connection limit"), _("no limit") if connlimit < 0 else str(connlimit)))
        facts.append((_("password"), _("unknown (needs a superuser to read)") if has_password is None
                      else _("set") if has_password else _("none (only non-password methods "
                                                          "in pg_hba.conf let it in)")))
        facts.append((_("last login"), _("not recorded: PostgreSQL keeps no last login time")))
    if owned:
        facts.append((_("owns"), _("1 object") if owned == 1 else _("{n} objects").format(n=owned)))
    return tuple(facts)


def _utc(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))
