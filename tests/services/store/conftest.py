"""Stores in temporary folders, and a fresh PostgreSQL database per test that needs one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from erpconsole.services.store import Store, StorePolicy
from tests.conftest import require

PG_HOST = os.environ.get("ERPCONSOLE_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("ERPCONSOLE_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("ERPCONSOLE_TEST_PG_USER", "postgres")

# A fixed "now" on a whole hour keeps bucket arithmetic in the tests readable.
NOW = 1_800_000_000.0


@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.fixture
def store(store_url) -> Iterator[Store]:
    s = Store(store_url)
    yield s
    s.close()


@pytest.fixture
def small_chunk_store(store_url) -> Iterator[Store]:
    s = Store(store_url, StorePolicy(trim_chunk=10, trim_budget=25))
    yield s
    s.close()


def _pg_admin():
    import psycopg

    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True, connect_timeout=3)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A database created for this test and dropped afterwards."""
    try:
        admin = _pg_admin()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server"
        require(False, f"PostgreSQL at {PG_HOST}:{PG_PORT} ({exc})")
    name = f"erpconsole_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
