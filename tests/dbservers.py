"""The machine's real PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306): each test gets
databases of its own, created here and dropped at teardown. A server that does not answer is a
skip on a developer's machine and a failure under CI."""

from __future__ import annotations

import secrets as _random
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.conftest import require

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MY_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/"


def _admin(url: str) -> Engine | None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT",
                           connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return engine
    except Exception:
        engine.dispose()
        return None


def unique(prefix: str) -> str:
    return f"{prefix}_{_random.token_hex(4)}"


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """An autocommit engine as the PostgreSQL superuser (trust auth)."""
    engine = _admin(PG_ADMIN)
    require(engine is not None, "PostgreSQL on 127.0.0.1:5432")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def my_admin() -> Iterator[Engine]:
    """An autocommit engine as MariaDB's root (no password)."""
    engine = _admin(MY_ADMIN)
    require(engine is not None, "MariaDB/MySQL on 127.0.0.1:3306")
    yield engine
    engine.dispose()


def _databases(admin: Engine, create: str, drop: str, url: str, default_user: str
               ) -> Iterator[Callable[..., str]]:
    """Yields ``make(user=default_user)``, which creates a fresh database and returns its URL;
    every one made is dropped afterwards."""
    made: list[str] = []

    def make(user: str = default_user) -> str:
        name = unique("erpc_test")
        with admin.connect() as conn:
            conn.execute(text(create.format(name=name)))
        made.append(name)
        return url.format(user=user, name=name)

    yield make
    with admin.connect() as conn:
        for name in made:
            conn.execute(text(drop.format(name=name)))


@pytest.fixture
def pg_database(pg_admin: Engine) -> Iterator[Callable[..., str]]:
    """``pg_database(user="postgres")``: a fresh database; returns its SQLAlchemy URL."""
    yield from _databases(pg_admin, 'CREATE DATABASE "{name}"',
                          'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                          "postgresql+psycopg://{user}@127.0.0.1:5432/{name}", "postgres")


@pytest.fixture
def my_database(my_admin: Engine) -> Iterator[Callable[..., str]]:
    """``my_database(user="root")``: a fresh schema; returns its SQLAlchemy URL."""
    yield from _databases(my_admin, "CREATE DATABASE `{name}`", "DROP DATABASE IF EXISTS `{name}`",
                          "mysql+pymysql://{user}@127.0.0.1:3306/{name}", "root")
