"""ERP application users read from real databases: an Odoo-shaped schema on the machine's
PostgreSQL, an ERPNext-shaped schema on its MariaDB, and custom SELECTs on both."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from erpconsole.config import DatabaseConfig
from erpconsole.services.access.erp_users import read_erp_users, to_bool, to_epoch
from erpconsole.services.access.models import Account
from tests.dbservers import unique

from tests.erp_schemas import ODOO_SCHEMA, ago, naive, odoo_data, run_sql


def by_name(accounts: list[Account]) -> dict[str, Account]:
    return {a.name: a for a in accounts}


def facts(account: Account) -> dict[str, str]:
    return dict(account.facts)


@pytest.fixture
def odoo_url(pg_database: Callable[..., str]) -> str:
    url = pg_database()
    run_sql(url, ODOO_SCHEMA + ";\n" + odoo_data())
    return url


def test_odoo_users_in_every_state(odoo_url: str) -> None:
    cfg = DatabaseConfig(name="odoo-db", url=odoo_url, erp="odoo")
    accounts, extract = read_erp_users(cfg, now=1_000.0)
    assert extract.ok, extract.error
    assert (extract.source, extract.system, extract.kind, extract.ts) == ("erp", "odoo-db", "odoo", 1_000.0)
    assert extract.rows == len(accounts) == 9
    assert "FROM res_users u" in extract.query and "res_groups_users_rel" in extract.query
    assert extract.query.count(";\n") == 2  # probe, users, groups: the exact text that ran
    users = by_name(accounts)
    assert all(a.source == "erp" and a.kind == "odoo" and a.system == "odoo-db" for a in accounts)
    assert all(a.login_tracked for a in accounts)

    admin = users["admin"]
    assert (admin.display_name, admin.email) == ("Mitchell Admin", "admin@example.com")
    assert admin.superuser and admin.active
    assert admin.privileges == ("GROUP Administration / Access Rights", "GROUP Administration / Settings",
                                "GROUP User types / Internal User")
    assert admin.last_login == ago(1).timestamp()  # the newest of its logins

    alice = users["alice@example.com"]
    assert alice.active and not alice.superuser and alice.last_login == ago(2).timestamp()
    assert alice.privileges == ("GROUP Sales / User: Own Documents Only", "GROUP User types / Internal User",
                                "GROUP Ventes: Tout")  # a name with no English text keeps its own
    assert facts(alice)["user type"] == "internal" and "Odoo internal" not in facts(alice)

    assert users["bob"].active and users["bob"].last_login == ago(200).timestamp()
    carol = users["carol"]
    assert carol.active and carol.last_login is None and carol.login_tracked

    dave = users["dave"]
    assert (dave.can_login, dave.locked, dave.active) == (False, True, False)
    assert dave.last_login == ago(400).timestamp() and facts(dave)["active"] == "no"

    joe = users["joe@client.com"]
    assert joe.active and joe.privileges == ("GROUP User types / Portal", "PORTAL")
    assert (facts(joe)["share"], facts(joe)["user type"]) == ("yes", "portal")

    system = users["__system__"]
    assert system.superuser and not system.can_login and "__system__" in facts(system)["Odoo internal"]
    public = users["public"]
    assert not public.active and "PORTAL" in public.privileges and facts(public)["user type"] == "public"
    assert "public user" in facts(public)["Odoo internal"]
    assert "portal users" in facts(users["portaltemplate"])["Odoo internal"]
    assert [a.name for a in accounts if a.superuser] == ["__system__", "admin"]


def test_odoo_before_16_varchar_names_and_login_date(pg_database: Callable[..., str]) -> None:
    """Odoo 11: names are varchar, no res_users_log (login_date on res_users), no category."""
    url = pg_database()
    run_sql(url, f"""
CREATE TABLE res_users (id serial PRIMARY KEY, login varchar NOT NULL, active boolean, login_date timestamp);
CREATE TABLE res_groups (id serial PRIMARY KEY, name varchar NOT NULL);
CREATE TABLE res_groups_users_rel (gid integer, uid integer);
INSERT INTO res_users VALUES (1, 'admin', true, '{naive(ago(5))}'), (2, 'old', true, NULL);
INSERT INTO res_groups VALUES (1, 'Settings'), (2, 'Employee');
INSERT INTO res_groups_users_rel VALUES (1, 1), (2, 1), (2, 2)""")
    accounts, extract = read_erp_users(DatabaseConfig(name="odoo11", url=url, erp="odoo"))
    assert extract.ok, extract.error
    users = by_name(accounts)
    assert users["admin"].privileges == ("GROUP Employee", "GROUP Settings")
    assert users["admin"].last_login == ago(5).timestamp() and users["admin"].superuser  # id 1
    assert users["old"].privileges == ("GROUP Employee",) and not users["old"].superuser
    assert users["old"].last_login is None and users["old"].login_tracked
    assert users["old"].email == "" and users["old"].display_name == ""


def test_odoo_profile_on_a_database_without_res_users(pg_database: Callable[..., str]) -> None:
    url = pg_database()
    accounts, extract = read_erp_users(DatabaseConfig(name="crm", url=url, erp="odoo"))
    assert accounts == [] and not extract.ok and extract.rows == 0
    assert extract.error.startswith("no res_users table in database erpc_test_")
    assert 'is this the Odoo database? Check erp = "odoo" and the database in the URL of crm' in extract.error
    assert "pg_catalog.pg_class" in extract.query  # the probe that found nothing is in the evidence


def test_odoo_permission_denied_names_the_grant(odoo_url: str, pg_admin: Engine) -> None:
    role = unique("erpc_review")
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        url = odoo_url.replace("postgres@", f"{role}@")
        accounts, extract = read_erp_users(DatabaseConfig(name="odoo-db", url=url, erp="odoo"))
    finally:
        with pg_admin.connect() as conn:
            conn.execute(text(f'DROP ROLE "{role}"'))
    assert accounts == []
    assert extract.error.startswith("permission denied for table res_")
    assert "an administrator can run GRANT SELECT ON res_users, res_partner, res_users_log" in extract.error
    assert extract.error.endswith(f"ir_model_data TO {role}")


def test_unreachable_and_profile_mismatch_are_sentences() -> None:
    down = DatabaseConfig(name="gone", url="postgresql+psycopg://postgres@127.0.0.1:1/odoo", erp="odoo")
    accounts, extract = read_erp_users(down)
    assert accounts == [] and "127.0.0.1:1 refused the connection" in extract.error and extract.query == ""
    mysql_odoo = DatabaseConfig(name="m", url="mysql+pymysql://root@127.0.0.1:3306/x", erp="odoo")
    assert "PostgreSQL" in read_erp_users(mysql_odoo)[1].error
    no_profile = DatabaseConfig(name="plain", url="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    assert read_erp_users(no_profile)[1].error.startswith("plain has no ERP profile: add erp =")


# -- ERPNext (MariaDB) ---------------------------------------------------------------------------

ERPNEXT_SCHEMA = """
CREATE TABLE `tabUser` (`name` varchar(140) NOT NULL PRIMARY KEY, `creation` datetime(6), `modified` datetime(6),
  `enabled` int(1) NOT NULL DEFAULT 1, `email` varchar(140), `first_name` varchar(140), `full_name` varchar(140),
  `username` varchar(140), `user_type` varchar(140) DEFAULT 'System User', `last_login` varchar(140),
  `last_active` datetime(6)) ENGINE=InnoDB ROW_FORMAT=DYNAMIC CHARACTER SET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE `tabHas Role` (`name` varchar(140) NOT NULL PRIMARY KEY, `parent` varchar(140),
  `parentfield` varchar(140), `parenttype` varchar(140), `idx` int(8) NOT NULL DEFAULT 0, `role` varchar(140))
  ENGINE=InnoDB CHARACTER SET=utf8mb4 COLLATE=utf8mb4_unicode_ci
"""

# (name, full name, enabled, user type, last login (Frappe writes it as text), roles)
ERPNEXT_USERS = [
    ("Administrator", "Administrator", 1, "System User", naive(ago(1)) + ".123456",
     ["Administrator", "System Manager"]),
    ("Guest", "Guest", 1, "Website User", None, ["Guest"]),
    ("erp.manager@example.com", "Erin Manager", 1, "System User", naive(ago(3)), ["Accounts User", "System Manager"]),
    ("former@example.com", "Frank Former", 0, "System User", naive(ago(120)), ["Sales User"]),
    ("customer@shop.com", "Cora Customer", 1, "Website User", naive(ago(10)), ["Customer"]),
    ("newbie@example.com", "Nina New", 1, "System User", None, ["Sales User"]),
]


def erpnext_data() -> str:
    out = []
    for name, full, enabled, kind, last, roles in ERPNEXT_USERS:
        login = f"'{last}'" if last else "NULL"
        email = "'admin@example.com'" if name == "Administrator" else "NULL" if name == "Guest" else f"'{name}'"
        out.append(f"INSERT INTO `tabUser` (`name`, `full_name`, `email`, `enabled`, `user_type`, `last_login`) "
                   f"VALUES ('{name}', '{full}', {email}, {enabled}, '{kind}', {login})")
        out += [f"INSERT INTO `tabHas Role` (`name`, `parent`, `parentfield`, `parenttype`, `idx`, `role`) "
                f"VALUES ('{unique('r')}', '{name}', 'roles', 'User', {i}, '{role}')" for i, role in enumerate(roles)]
    # A role profile holds roles too; it is not a user and must not give newbie anything.
    out.append("INSERT INTO `tabHas Role` VALUES ('rp1', 'newbie@example.com', 'roles', 'Role Profile', 1, "
               "'System Manager')")
    return ";\n".join(out)


@pytest.fixture
def erpnext_url(my_database: Callable[..., str]) -> str:
    url = my_database()
    run_sql(url, ERPNEXT_SCHEMA + ";\n" + erpnext_data())
    return url


def test_erpnext_users_in_every_state(erpnext_url: str) -> None:
    cfg = DatabaseConfig(name="site-db", url=erpnext_url, erp="erpnext")
    accounts, extract = read_erp_users(cfg)
    assert extract.ok, extract.error
    assert (extract.kind, extract.rows, extract.note) == ("erpnext", 6, "")
    assert extract.query == ("SELECT `name`, `full_name`, `email`, `enabled`, `last_login`, `user_type` FROM "
                             "`tabUser` ORDER BY `name`;\nSELECT `parent`, `role` FROM `tabHas Role` WHERE "
                             "`parenttype` = 'User' ORDER BY `parent`, `role`")
    assert abs(extract.ts - time.time()) < 60 and extract.duration_s >= 0
    users = by_name(accounts)
    admin = users["Administrator"]
    assert admin.superuser and admin.active and admin.login_tracked
    assert admin.privileges == ("ROLE Administrator", "ROLE System Manager")
    assert admin.last_login == pytest.approx(ago(1).timestamp() + 0.123456)

    guest = users["Guest"]
    assert (guest.can_login, guest.locked, guest.superuser) == (False, False, False)
    assert "never logs in" in facts(guest)["ERPNext internal"]

    manager = users["erp.manager@example.com"]
    assert manager.superuser and manager.active and manager.display_name == "Erin Manager"
    assert manager.email == "erp.manager@example.com" and manager.last_login == ago(3).timestamp()
    assert facts(manager)["user type"] == "System User"

    former = users["former@example.com"]
    assert (former.can_login, former.locked, former.superuser) == (False, True, False)
    assert former.privileges == ("ROLE Sales User",) and facts(former)["enabled"] == "no"

    customer = users["customer@shop.com"]
    assert customer.active and facts(customer)["user type"] == "Website User"
    assert customer.privileges == ("ROLE Customer",)

    newbie = users["newbie@example.com"]
    assert newbie.active and newbie.last_login is None and newbie.login_tracked
    assert newbie.privileges == ("ROLE Sales User",) and not newbie.superuser  # the profile's role is not his


def test_erpnext_profile_on_a_database_without_tabuser(my_database: Callable[..., str]) -> None:
    accounts, extract = read_erp_users(DatabaseConfig(name="shop", url=my_database(), erp="erpnext"))
    assert accounts == [] and extract.error.startswith("no tabUser table in database erpc_test_")
    assert 'ERPNext site database? Check erp = "erpnext" and the database in the URL of shop' in extract.error


def test_erpnext_permission_denied_names_the_grant(erpnext_url: str, my_admin: Engine) -> None:
    user = unique("erpc_review")
    database = erpnext_url.rsplit("/", 1)[1]
    with my_admin.connect() as conn:
        conn.execute(text(f"CREATE USER '{user}'@'%'"))
        conn.execute(text(f"GRANT SELECT ON `{database}`.`tabHas Role` TO '{user}'@'%'"))
    try:
        url = erpnext_url.replace("root@", f"{user}@")
        accounts, extract = read_erp_users(DatabaseConfig(name="site-db", url=url, erp="erpnext"))
    finally:
        with my_admin.connect() as conn:
            conn.execute(text(f"DROP USER '{user}'@'%'"))
    assert accounts == [] and "SELECT command denied" in extract.error
    assert f"GRANT SELECT ON `{database}`.`tabUser` TO '{user}'@'%'" in extract.error


# -- custom --------------------------------------------------------------------------------------

def test_custom_query_on_mariadb_with_text_values(my_database: Callable[..., str]) -> None:
    url = my_database()
    epoch = int(ago(40).timestamp())
    run_sql(url, f"""
CREATE TABLE app_users (login varchar(60), full_name varchar(100), is_active varchar(10), last_seen varchar(40),
  roles text);
INSERT INTO app_users VALUES
  ('amy', 'Amy A', 'Y', '{ago(2).isoformat()}', 'Admin; Sales'),
  ('ben', 'Ben B', 'N', '{epoch}', 'Sales,Stock'),
  ('cid', NULL, 'true', NULL, NULL),
  ('dee@example.com', 'Dee D', '1', '{epoch}000', ''),
  ('eve', 'Eve E', 'maybe', 'last tuesday', 'Sales'),
  ('', 'No Name', 'Y', NULL, NULL),
  ('zed', 'Zed Z', 'Y', NULL, 'Sales')""")
    query = ("SELECT login, full_name, is_active, last_seen, roles FROM app_users "
             "WHERE login LIKE '%' AND login <> 'zed'")
    cfg = DatabaseConfig(name="legacy", url=url, erp="custom", erp_users_query=query)
    accounts, extract = read_erp_users(cfg)
    assert extract.ok and extract.query == query and extract.rows == 5 and extract.kind == "custom"
    assert "1 rows without a username skipped" in extract.note
    assert "active not understood for eve: read as active" in extract.note
    assert "last login of eve not understood" in extract.note
    users = by_name(accounts)
    assert set(users) == {"amy", "ben", "cid", "dee@example.com", "eve"}
    amy = users["amy"]
    assert amy.superuser and amy.active and amy.privileges == ("ROLE Admin", "ROLE Sales")
    assert amy.last_login == ago(2).timestamp() and amy.login_tracked and amy.display_name == "Amy A"
    ben = users["ben"]
    assert (ben.can_login, ben.locked, ben.last_login) == (False, True, float(epoch))
    assert ben.privileges == ("ROLE Sales", "ROLE Stock") and not ben.superuser
    assert users["cid"].active and users["cid"].privileges == () and users["cid"].last_login is None
    dee = users["dee@example.com"]
    assert dee.last_login == float(epoch) and dee.email == "dee@example.com"  # milliseconds read as such
    assert users["eve"].active and users["eve"].last_login is None


def test_custom_query_on_postgresql_with_typed_values(pg_database: Callable[..., str]) -> None:
    url = pg_database()
    run_sql(url, f"""
CREATE TABLE staff (login text, name text, enabled boolean, seen timestamptz, role_list text);
INSERT INTO staff VALUES ('ann', 'Ann', true, '{ago(7).isoformat()}', 'sysadmin'),
  ('olaf', 'Olaf', false, NULL, 'Clerk')""")
    # A '%' in the text stays literal (psycopg would read it as a placeholder).
    query = (
        "SELECT login, name, enabled, seen, role_list, 'extra column is ignored' FROM staff "
        "WHERE login LIKE '%'")
    accounts, extract = read_erp_users(DatabaseConfig(name="hr-app", url=url, erp="custom", erp_users_query=query))
    assert extract.ok, extract.error
    users = by_name(accounts)
    assert users["ann"].superuser and users["ann"].last_login == ago(7).timestamp()
    assert users["olaf"].locked and not users["olaf"].can_login and users["olaf"].privileges == ("ROLE Clerk",)


def test_custom_query_errors(pg_database: Callable[..., str]) -> None:
    url = pg_database()
    run_sql(url, "CREATE TABLE t (login text, active boolean);\nINSERT INTO t VALUES ('x', true)")

    def read(query: str, **options) -> str:
        cfg = DatabaseConfig(name="app", url=url, erp="custom", erp_users_query=query)
        accounts, extract = read_erp_users(cfg, **options)
        assert accounts == [] and extract.query == query.rstrip(";")
        return extract.error

    assert read("SELECT login, active FROM t") == (
        "the erp_users_query of app returned 2 columns; it must return username, display name, active, "
        "last login, roles, in that order")
    missing = read("SELECT login, login, active, NULL, NULL FROM no_such_table")
    assert missing.startswith('the erp_users_query of app failed: relation "no_such_table" does not exist')
    assert missing.endswith("It must be one SELECT returning username, display name, active, last login, roles")
    write = read("WITH gone AS (DELETE FROM t RETURNING login) SELECT login, login, true, NULL, NULL FROM gone;")
    assert "read-only transaction" in write
    slow = read("SELECT 'x', 'x', true, NULL, NULL FROM pg_sleep(3)", statement_timeout_ms=300)
    assert slow.startswith("reading the ERP users of app ran past the 0.3 s statement timeout")
    # The write was refused: the row is still there.
    assert read_erp_users(DatabaseConfig(name="app", url=url, erp="custom",
                                         erp_users_query="SELECT login, '', active, NULL, NULL FROM t"))[1].rows == 1


# -- values --------------------------------------------------------------------------------------

def test_value_forms() -> None:
    for yes in (True, 1, "Y", "yes", " TRUE ", "t", "1", b"\x01"):
        assert to_bool(yes) is True, yes
    for no in (False, 0, "N", "no", "false", "0", "", b"\x00"):
        assert to_bool(no) is False, no
    assert to_bool(None) is None and to_bool("perhaps") is None
    assert to_epoch(None) is None and to_epoch("") is None and to_epoch("0000-00-00 00:00:00") is None
    assert to_epoch(datetime(2024, 1, 1)) == 1704067200.0  # naive: UTC
    assert to_epoch("2024-01-01T01:00:00+01:00") == 1704067200.0
    assert to_epoch("2024-01-01T00:00:00Z") == to_epoch(1704067200) == to_epoch("1704067200000") == 1704067200.0
    with pytest.raises(ValueError):
        to_epoch("yesterday")
