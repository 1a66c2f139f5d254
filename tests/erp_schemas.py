"""Shapes of real ERP schemas (Odoo on PostgreSQL) with users in every state, for the tests
and for docs/access_screenshots.py. Only the tables and columns the console reads."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def naive(moment: datetime) -> str:
    """As Odoo and Frappe store times: no zone."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def run_sql(url: str, statements: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in filter(str.strip, statements.split(";\n")):
                conn.exec_driver_sql(statement, execution_options={"no_parameters": True})
    finally:
        engine.dispose()


# -- Odoo (PostgreSQL) ---------------------------------------------------------------------------

ODOO_SCHEMA = """
CREATE TABLE res_partner (id serial PRIMARY KEY, name varchar, email varchar, active boolean DEFAULT true);
CREATE TABLE res_users (id serial PRIMARY KEY, login varchar NOT NULL UNIQUE, password varchar,
  partner_id integer NOT NULL REFERENCES res_partner(id), active boolean DEFAULT true, share boolean,
  company_id integer, create_date timestamp without time zone, write_date timestamp without time zone);
CREATE TABLE res_users_log (id serial PRIMARY KEY, create_uid integer REFERENCES res_users(id),
  create_date timestamp without time zone, write_uid integer, write_date timestamp without time zone);
CREATE TABLE ir_module_category (id serial PRIMARY KEY, name jsonb NOT NULL, parent_id integer, sequence integer);
CREATE TABLE res_groups (id serial PRIMARY KEY, name jsonb NOT NULL,
  category_id integer REFERENCES ir_module_category(id), share boolean, comment jsonb);
CREATE TABLE res_groups_users_rel (gid integer NOT NULL REFERENCES res_groups(id),
  uid integer NOT NULL REFERENCES res_users(id), PRIMARY KEY (gid, uid));
CREATE TABLE ir_model_data (id serial PRIMARY KEY, name varchar NOT NULL, module varchar NOT NULL,
  model varchar NOT NULL, res_id integer, noupdate boolean DEFAULT false)
"""

# (id, login, partner name, email, active, share, xml id)
ODOO_USERS = [
    (1, "__system__", "OdooBot", "odoobot@example.com", False, False, "base.user_root"),
    (2, "admin", "Mitchell Admin", "admin@example.com", True, False, "base.user_admin"),
    (3, "public", "Public user", None, False, True, "base.public_user"),
    (4, "portaltemplate", "Portal User Template", None, False, True, "base.template_portal_user_id"),
    (5, "alice@example.com", "Alice Martin", "alice@example.com", True, False, None),
    (6, "bob", "Bob Stale", "bob@example.com", True, False, None),
    (7, "carol", "Carol Never", "carol@example.com", True, False, None),
    (8, "dave", "Dave Gone", "dave@example.com", False, False, None),
    (9, "joe@client.com", "Joe Customer", "joe@client.com", True, True, None),
]
# (id, name json, category id, xml id)
ODOO_CATEGORIES = [(1, '{"en_US": "User types"}'), (2, '{"en_US": "Administration", "fr_FR": "Administration"}'),
                   (3, '{"en_US": "Sales"}')]
ODOO_GROUPS = [
    (1, '{"en_US": "Internal User", "fr_FR": "Utilisateur interne"}', 1, "group_user"),
    (2, '{"en_US": "Portal"}', 1, "group_portal"),
    (3, '{"en_US": "Public"}', 1, "group_public"),
    (4, '{"en_US": "Settings"}', 2, "group_system"),
    (5, '{"en_US": "Access Rights"}', 2, "group_erp_manager"),
    (6, '{"en_US": "User: Own Documents Only"}', 3, "group_sale_salesman"),
    (7, '{"fr_FR": "Ventes: Tout"}', None, "group_sale_manager"),  # no English name, no category
]
# user id -> group ids
ODOO_MEMBERS = {1: [1, 4, 5], 2: [1, 4, 5], 3: [3], 4: [2], 5: [1, 6, 7], 6: [1], 7: [1], 8: [1, 6], 9: [2]}
# user id -> days since each login
ODOO_LOGINS = {2: [1, 3], 5: [30, 2, 10], 6: [200, 250], 8: [400]}


def odoo_data() -> str:
    out = []
    for uid, login, partner, email, active, share, _xml in ODOO_USERS:
        mail = f"'{email}'" if email else "NULL"
        out.append(f"INSERT INTO res_partner (id, name, email) VALUES ({uid}, '{partner}', {mail})")
        out.append(f"INSERT INTO res_users (id, login, partner_id, active, share) VALUES "
                   f"({uid}, '{login}', {uid}, {active}, {share})")
    out += [f"INSERT INTO ir_module_category (id, name) VALUES ({i}, '{n}')" for i, n in ODOO_CATEGORIES]
    for gid, name, category, xml in ODOO_GROUPS:
        out.append(f"INSERT INTO res_groups (id, name, category_id) VALUES ({gid}, '{name}', "
                   f"{category if category else 'NULL'})")
        out.append(f"INSERT INTO ir_model_data (name, module, model, res_id) VALUES "
                   f"('{xml}', '{'sale' if 'sale' in xml else 'base'}', 'res.groups', {gid})")
    out += [f"INSERT INTO ir_model_data (name, module, model, res_id) VALUES "
            f"('{xml.split('.')[1]}', 'base', 'res.users', {uid})"
            for uid, *_rest, xml in ODOO_USERS if xml]
    out += [f"INSERT INTO res_groups_users_rel (gid, uid) VALUES ({g}, {u})"
            for u, groups in ODOO_MEMBERS.items() for g in groups]
    out += [f"INSERT INTO res_users_log (create_uid, create_date) VALUES ({u}, '{naive(ago(d))}')"
            for u, days in ODOO_LOGINS.items() for d in days]
    return ";\n".join(out)
