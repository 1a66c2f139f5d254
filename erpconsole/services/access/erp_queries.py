"""The SQL the ERP profiles run, as text (what the evidence records), built from what the
schema has.

Odoo changed its schema across versions: group and category names are ``jsonb``
(``{"en_US": ...}``) from 16 on and ``varchar`` before; ``res_users_log`` holds logins from 12
on, ``res_users.login_date`` before. So the Odoo read first asks ``pg_catalog`` (readable
without any table privilege, unlike ``information_schema``) which tables and columns exist.
"""

from __future__ import annotations

from collections.abc import Mapping

# {table: {column: type}} as the probe found them.
Schema = Mapping[str, Mapping[str, str]]

ODOO_TABLES = ("res_users", "res_partner", "res_users_log", "res_groups", "res_groups_users_rel",
               "ir_module_category", "ir_model_data")

ODOO_PROBE = (
    "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
    "FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "WHERE c.oid IN (" + ", ".join(f"to_regclass('{t}')" for t in ODOO_TABLES) + ") "
    "ORDER BY c.relname, a.attnum"
)

ERPNEXT_USERS = ("SELECT `name`, `full_name`, `email`, `enabled`, `last_login`, `user_type` "
                 "FROM `tabUser` ORDER BY `name`")
ERPNEXT_ROLES = ("SELECT `parent`, `role` FROM `tabHas Role` WHERE `parenttype` = 'User' "
                 "ORDER BY `parent`, `role`")
ERPNEXT_TABLES = ("tabUser", "tabHas Role")


def schema_from_probe(rows: list[tuple]) -> dict[str, dict[str, str]]:
    schema: dict[str, dict[str, str]] = {}
    for table, column, type_ in rows:
        schema.setdefault(str(table), {})[str(column)] = str(type_)
    return schema


def _has(schema: Schema, table: str, column: str | None = None) -> bool:
    return table in schema and (column is None or column in schema[table])


def _label(schema: Schema, table: str, alias: str) -> str:
    """A translatable name column as text: English first, else any language there is."""
    column = f"{alias}.name"
    if schema[table].get("name") != "jsonb":
        return column
    return (f"COALESCE({column}->>'en_US', "
            f"(SELECT e.value FROM jsonb_each_text({column}) e ORDER BY e.key LIMIT 1))")


def _xmlids(model: str, id_column: str) -> str:
    return ("(SELECT string_agg(d.module || '.' || d.name, ',' ORDER BY d.module, d.name) "
            f"FROM ir_model_data d WHERE d.model = '{model}' AND d.res_id = {id_column})")


def odoo_users_sql(schema: Schema) -> str:
    """id, login, active, share, partner name, partner email, last login, XML ids."""
    joins = []
    share = "u.share" if _has(schema, "res_users", "share") else "false"
    name, email = "NULL::text", "NULL::text"
    if _has(schema, "res_partner") and _has(schema, "res_users", "partner_id"):
        name, email = "p.name", "p.email"
        joins.append("LEFT JOIN res_partner p ON p.id = u.partner_id")
    last = "NULL::timestamp"
    if _has(schema, "res_users_log"):
        last = "l.last_login"
        joins.append("LEFT JOIN (SELECT create_uid, max(create_date) AS last_login "
                     "FROM res_users_log GROUP BY create_uid) l ON l.create_uid = u.id")
    elif _has(schema, "res_users", "login_date"):
        last = "u.login_date"
    xmlids = _xmlids("res.users", "u.id") if _has(schema, "ir_model_data") else "NULL::text"
    return " ".join([f"SELECT u.id, u.login, u.active, {share}, {name}, {email}, {last}, {xmlids} "
                     "FROM res_users u", *joins, "ORDER BY u.id"])


def odoo_tracks_logins(schema: Schema) -> bool:
    return _has(schema, "res_users_log") or _has(schema, "res_users", "login_date")


def odoo_groups_sql(schema: Schema) -> str | None:
    """user id, group name, category name, the group's XML ids; None: no groups to read."""
    if not (_has(schema, "res_groups") and _has(schema, "res_groups_users_rel")):
        return None
    category, join = "NULL::text", ""
    if _has(schema, "ir_module_category") and _has(schema, "res_groups", "category_id"):
        category = _label(schema, "ir_module_category", "c")
        join = " LEFT JOIN ir_module_category c ON c.id = g.category_id"
    xmlids = _xmlids("res.groups", "g.id") if _has(schema, "ir_model_data") else "NULL::text"
    return (f"SELECT r.uid, {_label(schema, 'res_groups', 'g')}, {category}, {xmlids} "
            "FROM res_groups_users_rel r JOIN res_groups g ON g.id = r.gid" + join +
            " ORDER BY r.uid, g.id")

