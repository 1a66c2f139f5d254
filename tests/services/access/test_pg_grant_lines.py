"""PostgreSQL grant rows folded into privilege lines, and role rows as Accounts, without a
server (the real catalog is read in test_pg_accounts.py)."""

from __future__ import annotations

from erpconsole.services.access.pg_accounts import grant_lines, role_account

TOTALS = [("sales", "TABLE", 2), ("sales", "SEQUENCE", 1), ("solo", "TABLE", 1)]


def test_a_privilege_on_every_table_of_a_schema_folds_into_one_line() -> None:
    grants = [("rep", "SELECT", False, "TABLE", "sales.a", "sales"),
              ("rep", "SELECT", False, "TABLE", "sales.b", "sales"),
              ("rep", "INSERT", True, "TABLE", "sales.a", "sales")]
    assert grant_lines(grants, TOTALS)["rep"] == {
        "SELECT ON ALL TABLES IN SCHEMA sales", "INSERT ON TABLE sales.a",
        "GRANT OPTION FOR INSERT ON TABLE sales.a"}


def test_a_schema_of_one_table_is_not_folded() -> None:
    grants = [("rep", "SELECT", False, "TABLE", "solo.t", "solo"),
              ("rep", "USAGE", False, "SEQUENCE", "sales.s", "sales")]
    assert grant_lines(grants, TOTALS)["rep"] == {"SELECT ON TABLE solo.t", "USAGE ON SEQUENCE sales.s"}


def test_public_keeps_only_what_postgresql_does_not_grant_by_itself() -> None:
    grants = [(None, "CONNECT", False, "DATABASE", "erp", None),
              (None, "TEMPORARY", False, "DATABASE", "erp", None),
              (None, "USAGE", False, "SCHEMA", "public", None),
              (None, "CREATE", False, "SCHEMA", "public", None),  # PostgreSQL 14 and older
              (None, "USAGE", False, "SCHEMA", "sales", None)]
    assert grant_lines(grants, TOTALS) == {None: {"CREATE ON SCHEMA public", "USAGE ON SCHEMA sales"}}
    assert grant_lines(grants[:3], TOTALS) == {}


def _role(**kw):
    base = dict(name="app", su=False, createrole=False, createdb=False, login=True, replication=False,
                bypassrls=False, connlimit=-1, valid_until=None, has_password=True)
    base.update(kw)
    return tuple(base.values())


def test_a_password_with_no_valid_until_never_expires() -> None:
    a = role_account("erp", _role(), [], [], 0, 1000.0)
    assert a.password_never_expires is True and not a.locked and a.privileges == ("LOGIN",)


def test_valid_until_in_the_past_expires_and_locks_a_login_role_only() -> None:
    login = role_account("erp", _role(valid_until=999.0), [], [], 0, 1000.0)
    assert login.locked and login.password_expired and login.password_never_expires is False
    group = role_account("erp", _role(login=False, valid_until=999.0), [], [], 0, 1000.0)
    assert not group.locked and not group.password_expired and group.password_never_expires is None


def test_memberships_and_attributes() -> None:
    members = [("app", "pg_monitor", False), ("app", "ops", True), ("other", "ops", False)]
    a = role_account("erp", _role(su=True, replication=True, bypassrls=True, has_password=None),
                     members, ["SELECT ON TABLE sales.a"], 3, 0.0)
    assert a.superuser and a.password_never_expires is None
    assert a.privileges == ("ADMIN OF ops", "BYPASSRLS", "LOGIN", "MEMBER OF ops", "MEMBER OF pg_monitor",
                            "REPLICATION", "SELECT ON TABLE sales.a", "SUPERUSER")
    facts = dict(a.facts)
    assert facts["member of"] == "pg_monitor, ops (with admin option)" and facts["owns"] == "3 objects"
