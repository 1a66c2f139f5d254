"""Secret literals of a statement are masked; the rest of it reads as it was."""

from __future__ import annotations

import pytest

from erpconsole.guards.sql_secrets import mask_statement

SECRET = "hunter22"


@pytest.mark.parametrize("sql, shown", [
    (f"ALTER ROLE odoo WITH PASSWORD '{SECRET}' VALID UNTIL 'infinity'",
     "ALTER ROLE odoo WITH PASSWORD '***' VALID UNTIL 'infinity'"),
    (f"alter user odoo encrypted password '{SECRET}'", "alter user odoo encrypted password '***'"),
    (f"CREATE USER 'app'@'%' IDENTIFIED BY '{SECRET}'", "CREATE USER 'app'@'%' IDENTIFIED BY '***'"),
    (f"ALTER USER app IDENTIFIED WITH mysql_native_password BY '{SECRET}'",
     "ALTER USER app IDENTIFIED WITH mysql_native_password BY '***'"),
    (f"SET PASSWORD FOR app = PASSWORD('{SECRET}')", "SET PASSWORD FOR app = PASSWORD('***')"),
    (f"UPDATE res_users SET password = '{SECRET}' WHERE id = 7",
     "UPDATE res_users SET password = '***' WHERE id = 7"),
    (f"UPDATE t SET pw = 1 WHERE passwd = 'it''s {SECRET}' AND id = 2",
     "UPDATE t SET pw = 1 WHERE passwd = '***' AND id = 2"),
    (f"ALTER ROLE odoo PASSWORD '{SECRET}and the server cut it he", "ALTER ROLE odoo PASSWORD '***'"),
    ("UPDATE stock_quant SET quantity = quantity - 1 WHERE id = 7",
     "UPDATE stock_quant SET quantity = quantity - 1 WHERE id = 7"),
    ("SELECT login FROM res_users WHERE password_crypt IS NULL",
     "SELECT login FROM res_users WHERE password_crypt IS NULL"),
])
def test_secret_literals_are_masked(sql, shown):
    assert mask_statement(sql) == shown
