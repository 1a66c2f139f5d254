"""The audit trail: append-only in the database itself, a hash chain that `audit verify` walks,
and no secrets. Run on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import exc as sa_exc, text

from erpconsole.cli import main
from erpconsole.services.store import Store
from erpconsole.services.store.audit import GENESIS


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path) -> Store:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
    s = Store(url)
    yield s
    s.close()


def _fill(store: Store, n: int = 5) -> None:
    for i in range(n):
        store.audit.append("db.terminate", "erp-db", {"statement": f"SELECT pg_terminate_backend({i})"},
                           actor="alice@ws1", ts=1_800_000_000.0 + i / 3)


def test_rows_chain_from_genesis_and_verify(any_store: Store) -> None:
    _fill(any_store)
    rows = list(reversed(any_store.audit.entries()))
    assert [r.id for r in rows] == sorted(r.id for r in rows)
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:]))
    assert json.loads(rows[2].details) == {"statement": "SELECT pg_terminate_backend(2)"}
    result = any_store.audit.verify()
    assert (result.ok, result.count, result.head) == (True, 5, rows[-1].hash)


@pytest.mark.parametrize("sql", ["UPDATE audit SET actor = 'mallory'", "DELETE FROM audit"])
def test_update_and_delete_are_refused_by_the_database(any_store: Store, sql: str) -> None:
    _fill(any_store, 2)
    with pytest.raises(sa_exc.DBAPIError, match="append-only"):
        with any_store.engine.begin() as conn:
            conn.execute(text(sql))
    assert any_store.audit.verify().count == 2


def _drop_guard(store: Store) -> None:
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER audit_append_only ON audit"))
        else:
            conn.execute(text("DROP TRIGGER audit_no_update"))
            conn.execute(text("DROP TRIGGER audit_no_delete"))


def test_a_changed_row_breaks_the_chain_there(any_store: Store) -> None:
    _fill(any_store)
    third = sorted(e.id for e in any_store.audit.entries())[2]
    _drop_guard(any_store)
    with any_store.engine.begin() as conn:
        conn.execute(text("UPDATE audit SET details = '{}' WHERE id = :id"), {"id": third})
    result = any_store.audit.verify()
    assert not result.ok
    assert (result.broken_id, result.count) == (third, 2)
    assert "changed" in result.reason


def test_a_removed_row_breaks_the_chain_after_it(any_store: Store) -> None:
    _fill(any_store)
    ids = sorted(e.id for e in any_store.audit.entries())
    _drop_guard(any_store)
    with any_store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit WHERE id = :id"), {"id": ids[1]})
    result = any_store.audit.verify()
    assert (result.ok, result.broken_id) == (False, ids[2])
    assert "removed" in result.reason


def test_secrets_are_refused(any_store: Store) -> None:
    with pytest.raises(ValueError, match="secret"):
        any_store.audit.append("db.connect", "erp-db", {"password": "hunter2"})
    assert any_store.audit.verify().count == 0


def test_writers_racing_keep_one_chain(tmp_path) -> None:
    """Two stores on one file stand for two consoles: the chain stays linear."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    a, b = Store(url), Store(url)
    try:
        def write(store: Store, who: str) -> None:
            for i in range(25):
                store.audit.append("note", "t", {"i": i}, actor=who)

        threads = [threading.Thread(target=write, args=(s, w)) for s, w in ((a, "a"), (b, "b"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert a.audit.verify() == b.audit.verify()
        assert a.audit.verify().count == 50
    finally:
        a.close()
        b.close()


def test_cli_verify_reports_ok_then_the_broken_row(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    store = Store(url)
    _fill(store, 3)
    head = store.audit.verify().head
    assert main(["audit", "verify", "--store", url]) == 1  # intact, but nothing signed it yet
    assert "WARNING: 3 rows, head" in capsys.readouterr().out
    assert main(["audit", "head", "--store", url]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--store", url]) == 0
    assert f"OK: 3 rows, head {head}" in capsys.readouterr().out
    _drop_guard(store)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit SET actor = 'mallory' WHERE id = 2"))
    store.close()
    assert main(["audit", "verify", "--store", url]) == 2
    out = capsys.readouterr().out
    assert out.startswith("BROKEN at row 2:")
    assert main(["audit", "list", "--store", url]) == 0
    assert "mallory" in capsys.readouterr().out


def test_cli_verify_without_a_store_says_so(tmp_path, capsys) -> None:
    missing = tmp_path / "none.sqlite3"
    assert main(["audit", "verify", "--store", f"sqlite:///{missing}"]) == 3
    assert "no store at" in capsys.readouterr().err
    assert not missing.exists()
