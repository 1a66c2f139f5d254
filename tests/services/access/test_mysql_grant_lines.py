"""SHOW GRANTS rows as privilege lines, and account rows as Accounts, without a server: the
forms MySQL 8 prints that the machine's MariaDB does not, and cut-short or garbage rows."""

from __future__ import annotations

import pytest

from erpconsole.services.access.mysql_accounts import (
    account_from_row, can_login, parse_grant, privilege_lines, show_grants_sql,
)


@pytest.mark.parametrize("row, lines", [
    ("GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD "
     "'*7648E52EC79D4BB879B7B913F0B8BBF8DC4AB6CC'", []),
    ("GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` IDENTIFIED VIA unix_socket OR "
     "mysql_native_password WITH GRANT OPTION", ["ALL PRIVILEGES ON *.*", "WITH GRANT OPTION ON *.*"]),
    ("GRANT SELECT, INSERT ON `erp`.* TO `app`@`10.0.0.%`", ["SELECT ON `erp`.*", "INSERT ON `erp`.*"]),
    # MySQL 8: dynamic privileges without spaces, roles with a host
    ("GRANT BACKUP_ADMIN,BINLOG_ADMIN ON *.* TO `root`@`localhost` WITH GRANT OPTION",
     ["BACKUP_ADMIN ON *.*", "BINLOG_ADMIN ON *.*", "WITH GRANT OPTION ON *.*"]),
    ("GRANT `reader`@`%`,`writer`@`%` TO `app`@`%` WITH ADMIN OPTION",
     ["MEMBER OF `reader`@`%`", "MEMBER OF `writer`@`%`", "ADMIN OF `reader`@`%`", "ADMIN OF `writer`@`%`"]),
    ("GRANT `xt_role` TO `app`@`localhost`", ["MEMBER OF `xt_role`"]),
    ("GRANT SELECT (`a`, `b`), UPDATE (`a`) ON `erp`.`t` TO `app`@`%`",
     ["SELECT (`a`, `b`) ON `erp`.`t`", "UPDATE (`a`) ON `erp`.`t`"]),
    ("GRANT SELECT ON `erp`.`t` TO PUBLIC", ["SELECT ON `erp`.`t`"]),
    # names that hold the words ON and TO, a plugin argument that holds GRANT OPTION
    ("GRANT SELECT ON `to do`.`on call` TO `on`@`to`", ["SELECT ON `to do`.`on call`"]),
    ("GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED VIA pam USING 'WITH GRANT OPTION'", []),
    ("GRANT EXECUTE ON PROCEDURE `erp`.`close_period` TO `app`@`%`",
     ["EXECUTE ON PROCEDURE `erp`.`close_period`"]),
    ("GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION",
     ["PROXY ON ''@'%'", "WITH GRANT OPTION ON ''@'%'"]),
])
def test_grant_rows(row: str, lines: list[str]) -> None:
    assert parse_grant(row) == lines


@pytest.mark.parametrize("row", [
    "", "GRANT", "GRANT SELECT ON `erp`.*", "SET DEFAULT ROLE `r` FOR `app`@`%`",
    "REVOKE INSERT ON `mysql`.* FROM `app`@`%`", "GRANT SELECT ON `unterminated TO x", "\x00\xff garbage",
])
def test_cut_short_and_garbage_rows_grant_nothing(row: str) -> None:
    assert parse_grant(row) == []


def test_lines_are_sorted_and_unique() -> None:
    rows = ["GRANT SELECT ON `a`.* TO `u`@`%`", "GRANT SELECT, DELETE ON `a`.* TO `u`@`%`"]
    assert privilege_lines(rows) == ["DELETE ON `a`.*", "SELECT ON `a`.*"]


def test_show_grants_quotes_names() -> None:
    assert show_grants_sql("o`brien", "10.0.0.%", False) == "SHOW GRANTS FOR `o``brien`@`10.0.0.%`"
    assert show_grants_sql("reader", "", True) == "SHOW GRANTS FOR `reader`"
    assert show_grants_sql("PUBLIC", "", True) == "SHOW GRANTS FOR PUBLIC"


@pytest.mark.parametrize("plugins, state, locked, expected", [
    (["mysql_native_password"], "set", False, True),
    (["mysql_native_password"], "invalid", False, False),
    (["mysql_native_password", "unix_socket"], "invalid", False, True),  # mysql@localhost
    (["mysql_native_password"], "none", True, False),  # mariadb.sys
    (["mysql_native_password"], "none", False, True),  # an empty password lets anyone in
    (["caching_sha2_password"], "unknown", False, True),
    (["auth_socket"], "none", False, True),
])
def test_can_login(plugins, state, locked, expected) -> None:
    assert can_login(plugins, state, locked) is expected


def _row(**kw):
    base = dict(user="app", host="%", is_role="N", super="N", plugins="caching_sha2_password",
                state="set", locked="N", expired="N", changed=1_700_000_000, lifetime=None,
                default_role="", max_conn=0)
    base.update(kw)
    return tuple(base.values())


def test_mysql_8_row_with_the_server_default_lifetime() -> None:
    now = 1_700_000_000 + 100 * 86400
    a = account_from_row("erp-my", "mysql", _row(), ["SELECT ON `erp`.*"], 90, now, "MySQL")
    assert a.name == "app@%" and a.host_pattern == "%" and a.kind == "mysql"
    assert a.password_expires == 1_700_000_000 + 90 * 86400
    assert a.password_expired and a.locked and a.password_never_expires is False
    assert dict(a.facts)["password lifetime"] == "server default: 90 days"
    assert "MySQL keeps no last login" in dict(a.facts)["last login"]


def test_super_priv_alone_makes_a_superuser_and_unknown_grants_leave_privileges_empty() -> None:
    a = account_from_row("erp-my", "mysql", _row(super="Y", lifetime=0), None, 90, 1_700_000_001)
    assert a.superuser and a.privileges == () and a.password_never_expires is True


def test_a_role_row() -> None:
    a = account_from_row("erp-my", "mariadb", _row(user="reader", host="", is_role="Y", plugins="",
                                                   state="none", changed=None), [], 0, 1.0)
    assert a.name == "reader" and not a.can_login and a.host_pattern == ""
    assert a.password_never_expires is None and not a.password_expired
