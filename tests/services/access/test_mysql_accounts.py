"""MariaDB accounts, roles and grants read from the machine's real MariaDB 10.11.

Accounts are server-wide and the server is shared with other tests: every account here has a
unique name, the assertions look at those, and teardown drops them (and takes back the grant
to PUBLIC, which outlives a dropped database in MariaDB).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from erpconsole.config import DatabaseConfig
from erpconsole.services.access.db_accounts import read_database_accounts
from erpconsole.services.access.models import Account, SourceExtract
from tests.dbservers import unique

MY = "mysql+pymysql://{user}@127.0.0.1:3306/{db}"
DAY = 86400.0


@dataclass
class Server:
    db: str
    p: str
    accounts: dict[str, Account]
    extract: SourceExtract
    hashes: list[str]  # the stored password hashes, to prove none leaks

    def account(self, suffix: str, host: str = "localhost") -> Account:
        return self.accounts[f"{self.p}_{suffix}@{host}"]


def _setup(p: str, db: str) -> list[str]:
    return [
        f"CREATE DATABASE `{db}`",
        f"CREATE TABLE `{db}`.t (a int, b int)",
        f"CREATE USER '{p}_any'@'%' IDENTIFIED BY 'any-secret-1' PASSWORD EXPIRE NEVER",
        f"CREATE USER '{p}_lock'@'localhost' IDENTIFIED BY 'lock-secret-1' ACCOUNT LOCK",
        f"CREATE USER '{p}_exp'@'localhost' IDENTIFIED BY 'exp-secret-1' PASSWORD EXPIRE",
        f"CREATE USER '{p}_life'@'localhost' IDENTIFIED BY 'life-secret-1' PASSWORD EXPIRE INTERVAL 90 DAY",
        f"CREATE USER '{p}_dba'@'10.0.0.%' IDENTIFIED BY 'dba-secret-1'",
        f"CREATE USER '{p}_nopw'@'localhost'",
        f"CREATE USER '{p}_app'@'localhost' IDENTIFIED BY 'app-secret-1'",
        f"GRANT ALL PRIVILEGES ON *.* TO '{p}_dba'@'10.0.0.%' WITH GRANT OPTION",
        f"GRANT SELECT, INSERT ON `{db}`.* TO '{p}_app'@'localhost'",
        f"CREATE ROLE {p}_role",
        f"GRANT SELECT, DELETE ON `{db}`.* TO {p}_role",
        f"GRANT UPDATE (a, b) ON `{db}`.t TO {p}_role",
        f"GRANT {p}_role TO '{p}_lock'@'localhost'",
        f"GRANT {p}_role TO '{p}_app'@'localhost' WITH ADMIN OPTION",
        f"SET DEFAULT ROLE {p}_role FOR '{p}_app'@'localhost'",
        f"GRANT SELECT ON `{db}`.t TO PUBLIC",
        f"CREATE USER '{p}_mon'@'%' IDENTIFIED BY 'mon-secret-1'",
        f"GRANT SELECT ON mysql.* TO '{p}_mon'@'%'",
        f"CREATE USER '{p}_bare'@'%' IDENTIFIED BY 'bare-secret-1'",
        f"CREATE USER '{p}_view'@'%' IDENTIFIED BY 'view-secret-1'",
        f"GRANT SELECT ON mysql.user TO '{p}_view'@'%'",
    ]


def _drop(admin: Engine, p: str, db: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{db}`"))
        public = [r[0] for r in conn.execute(text("SHOW GRANTS FOR PUBLIC")) if f"`{db}`" in r[0]]
        if public:
            conn.execute(text(f"REVOKE SELECT ON `{db}`.t FROM PUBLIC"))
        rows = conn.execute(text("SELECT User, Host, is_role FROM mysql.user WHERE User LIKE :p"),
                            {"p": p + "\\_%"}).fetchall()
        for user, host, is_role in rows:
            conn.execute(text(f"DROP ROLE `{user}`" if is_role == "Y" else f"DROP USER `{user}`@`{host}`"))


@pytest.fixture(scope="module")
def server(my_admin: Engine) -> Iterator[Server]:
    """Accounts in every state, a role and a grant to PUBLIC; read once as root."""
    p, db = unique("acc"), unique("erpc_test")
    try:
        with my_admin.connect() as conn:
            for sql in _setup(p, db):
                conn.execute(text(sql))
            hashes = [r[0] for r in conn.execute(text(
                "SELECT authentication_string FROM mysql.user WHERE User LIKE :p AND "
                "authentication_string <> ''"), {"p": p + "\\_%"})]
        root = DatabaseConfig(name="erp-my", url=MY.format(user="root", db=""))
        accounts, extract = read_database_accounts(root)
        yield Server(db, p, {a.name: a for a in accounts}, extract, hashes)
    finally:
        _drop(my_admin, p, db)


def test_the_extract_records_every_statement(server: Server) -> None:
    ex = server.extract
    assert ex.ok and ex.note == "", ex.error
    assert (ex.source, ex.system, ex.kind) == ("database", "erp-my", "mariadb")
    assert ex.rows == len(server.accounts) and 0 < ex.duration_s < 5
    p = server.p
    assert f"SHOW GRANTS FOR `{p}_any`@`%`" in ex.query.split(";\n")
    assert f"SHOW GRANTS FOR `{p}_role`" in ex.query.split(";\n")
    assert "SHOW GRANTS FOR PUBLIC" in ex.query.split(";\n")
    assert "FROM mysql.global_priv" in ex.query


def test_no_password_hash_is_kept(server: Server) -> None:
    assert len(server.hashes) >= 7
    kept = repr(server.accounts) + server.extract.query
    assert not [h for h in server.hashes if h in kept]
    assert "IDENTIFIED" not in kept


def test_an_account_open_to_any_host(server: Server) -> None:
    a = server.account("any", "%")
    assert (a.source, a.system, a.kind, a.host_pattern) == ("database", "erp-my", "mariadb", "%")
    assert a.can_login and not a.locked and not a.superuser and a.privileges == ()
    assert a.password_never_expires is True and a.password_expires is None
    assert a.password_changed is not None and abs(a.password_changed - time.time()) < 600
    assert not a.login_tracked and a.last_login is None
    facts = dict(a.facts)
    assert facts["password lifetime"] == "never expires" and facts["password"] == "set"


def test_a_locked_account(server: Server) -> None:
    a = server.account("lock")
    assert a.can_login and a.locked and not a.password_expired and not a.active
    assert a.privileges == (f"MEMBER OF `{server.p}_role`",)


def test_an_expired_password_locks(server: Server) -> None:
    a = server.account("exp")
    assert a.can_login and a.locked and a.password_expired
    assert a.password_changed is None  # MariaDB marks PASSWORD EXPIRE by a change time of 0


def test_a_password_lifetime_gives_an_expiry_date(server: Server) -> None:
    a = server.account("life")
    assert a.password_never_expires is False and not a.password_expired
    assert a.password_expires == a.password_changed + 90 * DAY
    assert dict(a.facts)["password lifetime"] == "90 days"


def test_all_privileges_on_everything_is_a_superuser(server: Server) -> None:
    a = server.account("dba", "10.0.0.%")
    assert a.superuser and a.can_login and a.host_pattern == "10.0.0.%"
    assert a.privileges == ("ALL PRIVILEGES ON *.*", "WITH GRANT OPTION ON *.*")


def test_privileges_are_one_per_line(server: Server) -> None:
    a = server.account("app")
    db, p = server.db, server.p
    assert a.privileges == (f"ADMIN OF `{p}_role`", f"INSERT ON `{db}`.*", f"MEMBER OF `{p}_role`",
                            f"SELECT ON `{db}`.*")
    assert dict(a.facts)["default role"] == f"{p}_role"


def test_an_account_without_a_password(server: Server) -> None:
    a = server.account("nopw")
    assert a.can_login and not a.locked
    assert a.password_never_expires is None
    assert dict(a.facts)["password"].startswith("none")


def test_a_role_is_an_account_that_cannot_log_in(server: Server) -> None:
    role = server.accounts[f"{server.p}_role"]
    db = server.db
    assert not role.can_login and role.host_pattern == "" and not role.superuser
    assert role.privileges == (f"DELETE ON `{db}`.*", f"SELECT ON `{db}`.*",
                               f"UPDATE (`a`, `b`) ON `{db}`.`t`")
    members = dict(role.facts)["members"].split(", ")
    assert f"{server.p}_app@localhost" in members and f"{server.p}_lock@localhost" in members


def test_a_grant_to_public(server: Server) -> None:
    public = server.accounts["PUBLIC"]
    assert not public.can_login and public.host_pattern == ""
    assert f"SELECT ON `{server.db}`.`t`" in public.privileges


def test_mariadb_sys_cannot_log_in(server: Server) -> None:
    sys_account = server.accounts["mariadb.sys@localhost"]
    assert not sys_account.can_login and sys_account.locked


def test_a_monitor_with_select_on_mysql_reads_everything(server: Server, monkeypatch) -> None:
    monkeypatch.setenv("ERPC_TEST_MON_PW", "mon-secret-1")
    cfg = DatabaseConfig(name="erp-my", url=MY.format(user=f"{server.p}_mon", db=""),
                         password_env="ERPC_TEST_MON_PW")
    accounts, ex = read_database_accounts(cfg)
    assert ex.ok and ex.note == "", ex.error
    by_name = {a.name: a for a in accounts}
    for name in (f"{server.p}_any@%", f"{server.p}_app@localhost", f"{server.p}_role", "PUBLIC"):
        assert by_name[name] == server.accounts[name]


def test_a_monitor_without_select_on_mysql_is_told_the_grant(server: Server, monkeypatch) -> None:
    monkeypatch.setenv("ERPC_TEST_BARE_PW", "bare-secret-1")
    cfg = DatabaseConfig(name="erp-my", url=MY.format(user=f"{server.p}_bare", db=""),
                         password_env="ERPC_TEST_BARE_PW")
    accounts, ex = read_database_accounts(cfg)
    assert accounts == [] and ex.rows == 0
    assert f"GRANT SELECT ON mysql.* TO '{server.p}_bare'@'%'" in ex.error


def test_a_monitor_that_reads_only_the_user_view_gets_accounts_and_notes(server: Server,
                                                                           monkeypatch) -> None:
    monkeypatch.setenv("ERPC_TEST_VIEW_PW", "view-secret-1")
    cfg = DatabaseConfig(name="erp-my", url=MY.format(user=f"{server.p}_view", db=""),
                         password_env="ERPC_TEST_VIEW_PW")
    accounts, ex = read_database_accounts(cfg)
    assert ex.ok, ex.error
    me = f"'{server.p}_view'@'%'"
    assert f"GRANT SELECT ON mysql.global_priv TO {me}" in ex.note
    assert f"GRANT SELECT ON mysql.* TO {me}" in ex.note
    by_name = {a.name: a for a in accounts}
    assert ex.rows == len(accounts) and f"{server.p}_role" in by_name
    dba, exp = by_name[f"{server.p}_dba@10.0.0.%"], by_name[f"{server.p}_exp@localhost"]
    assert dba.superuser and dba.privileges == ()  # Super_priv is in the view, the grants are not
    assert exp.password_expired and exp.locked
    assert dba.password_never_expires is None and dict(dba.facts)["password lifetime"] == "unknown"
    assert by_name[f"{server.p}_lock@localhost"].can_login  # the lock is not in the view


def test_a_wrong_password_is_an_error_sentence(server: Server, monkeypatch) -> None:
    monkeypatch.setenv("ERPC_TEST_BARE_PW", "wrong")
    cfg = DatabaseConfig(name="erp-my", url=MY.format(user=f"{server.p}_bare", db=""),
                         password_env="ERPC_TEST_BARE_PW")
    accounts, ex = read_database_accounts(cfg)
    assert accounts == [] and "refused the login" in ex.error and "ERPC_TEST_BARE_PW" in ex.error


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_closed_port_is_an_error_sentence_at_once() -> None:
    started = time.monotonic()
    cfg = DatabaseConfig(name="gone", url=f"mysql+pymysql://root@127.0.0.1:{_closed_port()}/")
    accounts, ex = read_database_accounts(cfg)
    assert accounts == [] and ex.error and ex.kind == "mysql" and ex.query == ""
    assert "127.0.0.1" in ex.error
    assert time.monotonic() - started < 3


def test_a_missing_database_is_an_error_sentence(my_admin) -> None:
    name = unique("erpc_missing")
    started = time.monotonic()
    accounts, ex = read_database_accounts(DatabaseConfig(name="erp-my", url=MY.format(user="root", db=name)))
    assert accounts == [] and name in ex.error
    assert time.monotonic() - started < 3


def test_the_statement_timeout_ends_a_blocked_read(my_admin, server: Server) -> None:
    """A table lock on mysql.global_priv (held for half a second) blocks the account list;
    max_statement_time ends the read instead of waiting for the lock."""
    with my_admin.connect() as conn:
        conn.execute(text("LOCK TABLES mysql.global_priv WRITE"))
        try:
            started = time.monotonic()
            accounts, ex = read_database_accounts(
                DatabaseConfig(name="erp-my", url=MY.format(user="root", db="")), statement_timeout_ms=400)
            elapsed = time.monotonic() - started
        finally:
            conn.execute(text("UNLOCK TABLES"))
    assert accounts == [] and elapsed < 3
    assert "400 ms" in ex.error and ex.query.endswith("ORDER BY User, Host")


def test_an_unknown_user_without_a_password_is_a_refused_login(my_admin) -> None:
    cfg = DatabaseConfig(name="erp-my", url=MY.format(user=unique("nobody"), db=""))
    accounts, ex = read_database_accounts(cfg)
    assert accounts == [] and "refused the login" in ex.error
    assert "erpconsole secret set db:erp-my" in ex.error
