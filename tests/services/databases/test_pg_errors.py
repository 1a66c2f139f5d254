"""Errors the machine's PostgreSQL cannot be made to give: it trusts every local login, so a
wrong password is never refused here. These are libpq's own texts (psycopg 3 gives connection
errors no sqlstate, only the text); every error that can be produced for real is classified
in tests/integration/test_pg_collector.py."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import exc as sa_exc

from erpconsole.config import DatabaseConfig
from erpconsole.services.databases.postgres import PostgresCollector
from erpconsole.services.models import Health


def wrapped(text: str) -> sa_exc.OperationalError:
    """A connect failure as SQLAlchemy hands it over."""
    return sa_exc.OperationalError(None, None, psycopg.OperationalError(text))


def collector(password_env: str | None = None) -> PostgresCollector:
    return PostgresCollector(DatabaseConfig(
        name="erp-db", url="postgresql+psycopg://monitor@10.0.0.6:5433/erp",
        password_env=password_env))


@pytest.mark.parametrize("text", [
    'connection failed: connection to server at "10.0.0.6", port 5433 failed: FATAL:  '
    'password authentication failed for user "monitor"',
    'connection failed: connection to server at "10.0.0.6", port 5433 failed: '
    'fe_sendauth: no password supplied',
])
def test_a_refused_password_says_where_to_store_one(text) -> None:
    err = collector("ERP_DB_PASSWORD").classify(wrapped(text))
    assert err.kind is Health.AUTH_FAILED
    assert "monitor" in err.message and "10.0.0.6:5433" in err.message
    assert "`erpconsole secret set db:erp-db`" in err.message
    assert "ERP_DB_PASSWORD" in err.message
    assert "ERP_DB_PASSWORD" not in collector().classify(wrapped(text)).message


def test_no_pg_hba_entry_names_the_file() -> None:
    err = collector().classify(wrapped(
        'connection failed: connection to server at "10.0.0.6", port 5433 failed: FATAL:  '
        'no pg_hba.conf entry for host "10.0.0.2", user "monitor", database "erp", no encryption'))
    assert err.kind is Health.AUTH_FAILED and "pg_hba.conf" in err.message


@pytest.mark.parametrize("text, kind, words", [
    ("connection failed: connection to server at \"10.0.0.6\", port 5433 failed: FATAL:  "
     "sorry, too many clients already", Health.ERROR, "max_connections"),
    ("connection failed: connection to server at \"10.0.0.6\", port 5433 failed: FATAL:  "
     "the database system is starting up", Health.UNREACHABLE, "starting up"),
    # Seen on this machine; left out of the integration tests because a resolver that does
    # not answer would hold a test for its own timeout.
    ("failed to resolve host 'erp-db.invalid': [Errno -2] Name or service not known",
     Health.UNREACHABLE, "does not resolve"),
    ("something nobody has seen", Health.ERROR, "something nobody has seen"),
])
def test_other_connect_failures(text, kind, words) -> None:
    err = collector().classify(wrapped(text))
    assert err.kind is kind and words in err.message


def test_a_connect_timeout_is_timeout_as_the_scheduler_says() -> None:
    err = collector().classify(sa_exc.OperationalError(
        None, None, psycopg.errors.ConnectionTimeout("connection timeout expired")))
    assert err.kind is Health.TIMEOUT and "10.0.0.6:5433" in err.message
