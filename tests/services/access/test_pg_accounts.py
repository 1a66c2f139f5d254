"""PostgreSQL roles and grants read from the machine's real PostgreSQL 15.

Roles are cluster-wide and the server is shared with other tests: every role here has a
unique name, the assertions look at those roles (never at cluster-wide totals), and teardown
drops what they own and were granted before dropping them.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from erpconsole.config import DatabaseConfig
from erpconsole.services.access.db_accounts import read_database_accounts
from erpconsole.services.access.models import Account, SourceExtract
from tests.dbservers import unique

PG = "postgresql+psycopg://{user}@127.0.0.1:5432/{db}"
Y2099 = 4070908800.0  # 2099-01-01 00:00 UTC


@dataclass
class Cluster:
    db: str
    p: str  # the prefix of every role name here
    accounts: dict[str, Account]
    extract: SourceExtract
    started: float

    def role(self, suffix: str) -> Account:
        return self.accounts[f"{self.p}_{suffix}"]


def _setup(p: str, db: str) -> list[str]:
    return [
        f"CREATE ROLE {p}_su LOGIN SUPERUSER PASSWORD 'su-secret-1'",
        f"CREATE ROLE {p}_cr LOGIN CREATEROLE CREATEDB PASSWORD 'cr-secret-1' "
        f"VALID UNTIL '2099-01-01 00:00:00+00' CONNECTION LIMIT 3",
        f"CREATE ROLE {p}_old LOGIN PASSWORD 'old-secret-1' VALID UNTIL '2000-01-01 00:00:00+00'",
        f"CREATE ROLE {p}_nopw LOGIN",
        f"CREATE ROLE {p}_grp NOLOGIN",
        f"CREATE ROLE {p}_mon LOGIN",
        f"GRANT pg_monitor TO {p}_mon",
        f"GRANT {p}_grp TO {p}_old",
        f"GRANT {p}_grp TO {p}_nopw WITH ADMIN OPTION",
        f"GRANT pg_read_all_stats TO {p}_cr",
        f'GRANT CREATE ON DATABASE "{db}" TO {p}_cr',
    ]


def _objects(p: str) -> list[str]:
    return [
        "CREATE SCHEMA sales",
        "CREATE TABLE sales.a (x int)",
        "CREATE TABLE sales.b (x int)",
        "CREATE SEQUENCE sales.s",
        'CREATE TABLE sales."Odd Name" (x int)',
        "CREATE TABLE public.mine (x int)",
        f"ALTER TABLE public.mine OWNER TO {p}_cr",
        f"GRANT USAGE ON SCHEMA sales TO {p}_grp",
        f"GRANT CREATE ON SCHEMA sales TO {p}_cr",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA sales TO {p}_grp",
        f"GRANT INSERT ON sales.a TO {p}_grp WITH GRANT OPTION",
        f'GRANT UPDATE ON sales."Odd Name" TO {p}_nopw',
        f"GRANT USAGE ON SEQUENCE sales.s TO {p}_grp",
        "GRANT SELECT ON sales.b TO PUBLIC",
    ]


def _drop(admin: Engine, db_engine: Engine, prefix: str, db: str) -> None:
    with admin.connect() as conn:
        roles = [r for (r,) in conn.execute(
            text("SELECT rolname FROM pg_roles WHERE starts_with(rolname, :p)"), {"p": prefix + "_"})]
    names = ", ".join(roles)
    if roles:
        with db_engine.connect() as conn:  # objects and grants in the test database
            conn.execute(text(f"REASSIGN OWNED BY {names} TO postgres"))
            conn.execute(text(f"DROP OWNED BY {names}"))
    db_engine.dispose()
    with admin.connect() as conn:  # the database, grants on shared objects, then the roles
        conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        if roles:
            conn.execute(text(f"DROP OWNED BY {names}"))
        for role in roles:
            conn.execute(text(f"DROP ROLE {role}"))


def _cfg(db: str, user: str = "postgres", name: str = "erp-pg") -> DatabaseConfig:
    return DatabaseConfig(name=name, url=PG.format(user=user, db=db))


@pytest.fixture(scope="module")
def cluster(pg_admin: Engine) -> Iterator[Cluster]:
    """Roles in every state, grants on a database, a schema, tables, a sequence and to PUBLIC;
    read once as the superuser."""
    p, db = unique("acc"), unique("erpc_test")
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    db_engine = create_engine(PG.format(user="postgres", db=db), poolclass=NullPool,
                              isolation_level="AUTOCOMMIT")
    try:
        with pg_admin.connect() as conn:
            for sql in _setup(p, db):
                conn.execute(text(sql))
        with db_engine.connect() as conn:
            for sql in _objects(p):
                conn.execute(text(sql))
        started = time.time()
        accounts, extract = read_database_accounts(_cfg(db))
        yield Cluster(db, p, {a.name: a for a in accounts}, extract, started)
    finally:
        _drop(pg_admin, db_engine, p, db)


def test_the_extract_records_what_was_run(cluster: Cluster) -> None:
    ex = cluster.extract
    assert ex.ok and ex.note == "", ex.error
    assert (ex.source, ex.system, ex.kind) == ("database", "erp-pg", "postgresql")
    assert ex.rows == len(cluster.accounts)
    assert cluster.started <= ex.ts <= time.time() and 0 < ex.duration_s < 5
    statements = ex.query.split(";\n")
    assert len(statements) == 6
    assert "FROM pg_catalog.pg_authid" in statements[1]
    assert "pg_catalog.pg_auth_members" in statements[2] and "aclexplode" in statements[3]


def test_password_hashes_are_never_read(cluster: Cluster) -> None:
    assert "rolpassword IS NOT NULL" in cluster.extract.query
    assert "SCRAM-SHA-256$" not in repr(cluster.accounts)
    assert "su-secret-1" not in repr(cluster.accounts)


def test_a_superuser(cluster: Cluster) -> None:
    su = cluster.role("su")
    assert (su.source, su.system, su.kind) == ("database", "erp-pg", "postgresql")
    assert su.superuser and su.can_login and not su.locked
    assert su.privileges == ("LOGIN", "SUPERUSER")
    assert su.password_never_expires is True and su.password_expires is None
    assert not su.login_tracked and su.last_login is None
    facts = dict(su.facts)
    assert facts["password"] == "set" and facts["connection limit"] == "no limit"
    assert "PostgreSQL keeps no last login" in facts["last login"]


def test_a_createrole_role_with_an_expiry_in_the_future(cluster: Cluster) -> None:
    cr = cluster.role("cr")
    assert not cr.superuser and cr.can_login and not cr.locked and not cr.password_expired
    assert cr.password_expires == Y2099 and cr.password_never_expires is False
    db = cluster.db
    assert cr.privileges == tuple(sorted((
        "CREATEDB", "CREATEROLE", "LOGIN", "MEMBER OF pg_read_all_stats",
        f"CREATE ON DATABASE {db}", "CREATE ON SCHEMA sales")))
    facts = dict(cr.facts)
    assert facts["valid until"] == "2099-01-01 00:00 UTC"
    assert facts["connection limit"] == "3"
    assert facts["owns"] == "1 object"  # public.mine: the owner's own rights are not listed


def test_a_login_role_past_its_valid_until_is_expired_and_locked(cluster: Cluster) -> None:
    old = cluster.role("old")
    assert old.can_login and old.locked and old.password_expired and not old.active
    assert old.password_expires == 946684800.0  # 2000-01-01 UTC
    assert old.password_never_expires is False
    assert old.privileges == ("LOGIN", f"MEMBER OF {cluster.p}_grp")


def test_a_role_without_a_password(cluster: Cluster) -> None:
    nopw = cluster.role("nopw")
    assert nopw.can_login and not nopw.locked
    assert nopw.password_never_expires is None  # no password: nothing to expire
    assert dict(nopw.facts)["password"].startswith("none")
    assert nopw.privileges == tuple(sorted((
        f"ADMIN OF {cluster.p}_grp", "LOGIN", f"MEMBER OF {cluster.p}_grp",
        'UPDATE ON TABLE sales."Odd Name"')))


def test_a_group_role_with_members_and_table_grants(cluster: Cluster) -> None:
    grp = cluster.role("grp")
    assert not grp.can_login and not grp.locked and grp.password_never_expires is None
    # SELECT on a, b and "Odd Name" (every table of sales) folds into one line.
    assert grp.privileges == (
        "GRANT OPTION FOR INSERT ON TABLE sales.a",
        "INSERT ON TABLE sales.a",
        "SELECT ON ALL TABLES IN SCHEMA sales",
        "USAGE ON SCHEMA sales",
        "USAGE ON SEQUENCE sales.s",
    )
    assert dict(grp.facts)["members"] == f"{cluster.p}_nopw, {cluster.p}_old"
    assert "last login" not in dict(grp.facts)


def test_grants_to_public_beyond_the_defaults(cluster: Cluster) -> None:
    public = cluster.accounts["PUBLIC"]
    assert not public.can_login and not public.superuser
    assert "SELECT ON TABLE sales.b" in public.privileges
    # CONNECT and TEMPORARY on databases and USAGE on schema public are PostgreSQL's own.
    assert not [p for p in public.privileges
                if p.startswith(("CONNECT ON", "TEMPORARY ON", "USAGE ON SCHEMA public"))]


def test_built_in_roles_are_not_accounts(cluster: Cluster) -> None:
    assert not [n for n in cluster.accounts if n.startswith("pg_")]
    assert "MEMBER OF pg_monitor" in cluster.role("mon").privileges


def test_a_pg_monitor_role_reads_everything_but_passwords(cluster: Cluster) -> None:
    accounts, ex = read_database_accounts(_cfg(cluster.db, user=f"{cluster.p}_mon"))
    assert ex.ok, ex.error
    assert "pg_authid" in ex.note and "superuser" in ex.note
    assert "FROM pg_catalog.pg_roles r" in ex.query and "FROM pg_catalog.pg_authid" not in ex.query
    by_name = {a.name: a for a in accounts}
    su, old = by_name[f"{cluster.p}_su"], by_name[f"{cluster.p}_old"]
    assert su.superuser and su.password_never_expires is None
    assert dict(su.facts)["password"].startswith("unknown")
    assert old.locked and old.password_expired  # VALID UNTIL is readable without pg_authid
    assert by_name[f"{cluster.p}_grp"].privileges == cluster.role("grp").privileges
    assert "SELECT ON TABLE sales.b" in by_name["PUBLIC"].privileges


def test_a_database_with_only_default_grants_has_no_public_account(pg_database) -> None:
    url = pg_database()
    db = url.rsplit("/", 1)[1]
    accounts, ex = read_database_accounts(_cfg(db))
    assert ex.ok and accounts
    assert "PUBLIC" not in {a.name for a in accounts}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_closed_port_is_an_error_sentence_at_once() -> None:
    started = time.monotonic()
    cfg = DatabaseConfig(name="gone", url=f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/erp")
    accounts, ex = read_database_accounts(cfg)
    assert accounts == [] and ex.rows == 0
    assert "refused the connection" in ex.error and "gone" in ex.error
    assert ex.kind == "postgresql" and ex.query == ""
    assert time.monotonic() - started < 3


def test_a_missing_database_is_an_error_sentence(pg_admin) -> None:
    name = unique("erpc_missing")
    started = time.monotonic()
    accounts, ex = read_database_accounts(_cfg(name, name="erp-pg"))
    assert accounts == []
    assert f"database {name} does not exist" in ex.error
    assert "check the database name in the URL of erp-pg" in ex.error
    assert time.monotonic() - started < 3


def test_the_statement_timeout_ends_a_blocked_read(pg_admin, cluster: Cluster) -> None:
    """A lock on pg_auth_members (held for half a second) blocks the membership query; the
    review's statement timeout ends it instead of waiting for the lock."""
    with pg_admin.connect().execution_options(isolation_level="READ COMMITTED") as conn:
        with conn.begin():
            conn.execute(text("LOCK TABLE pg_catalog.pg_auth_members IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            accounts, ex = read_database_accounts(_cfg(cluster.db), statement_timeout_ms=400)
            elapsed = time.monotonic() - started
    assert accounts == [] and elapsed < 3
    assert "400 ms" in ex.error
    assert ex.query.endswith("ORDER BY 1, 2")  # it got as far as the membership query


def test_a_url_of_another_dialect_is_an_error_not_an_exception() -> None:
    accounts, ex = read_database_accounts(DatabaseConfig(name="lite", url="sqlite:///erp.db"))
    assert accounts == [] and "sqlite" in ex.error
    accounts, ex = read_database_accounts(DatabaseConfig(name="bad", url="not a url"))
    assert accounts == [] and ex.error.startswith("bad: ")
