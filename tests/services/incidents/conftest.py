"""A real store for the incident tests: a SQLite file, or a PostgreSQL database made for the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.services.store.conftest import pg_url  # noqa: F401 - a fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("pg_url")
