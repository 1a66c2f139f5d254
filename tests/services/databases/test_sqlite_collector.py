"""The SQLite collector on real files made in tmp_path."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from erpconsole.config import DatabaseConfig
from erpconsole.services.databases.factory import database_collector
from erpconsole.services.databases.sqlite import SQLiteCollector
from erpconsole.services.errors import CollectorError
from erpconsole.services.models import Health


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "erp.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER, note TEXT)")
        conn.execute("CREATE INDEX orders_customer ON orders (customer)")
        conn.execute('CREATE TABLE "odd ""name""" (x)')
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.executemany("INSERT INTO orders (customer, note) VALUES (?, ?)",
                         [(i % 10, "x" * 200) for i in range(2000)])
        conn.executemany("INSERT INTO customers (name) VALUES (?)", [(f"c{i}",) for i in range(10)])
    conn.close()
    return path


@pytest.fixture
def collectors() -> Iterator[Callable[..., SQLiteCollector]]:
    made: list[SQLiteCollector] = []

    def make(path: Path | str, cls: type[SQLiteCollector] = SQLiteCollector,
             **options) -> SQLiteCollector:
        c = cls(DatabaseConfig(name=f"lite{len(made)}", url=f"sqlite:///{path}"), **options)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def file_facts(path: Path) -> tuple[int, int]:
    """(size from pages, free bytes), read independently of the collector."""
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
        pages, size, free = (conn.execute(f"PRAGMA {p}").fetchone()[0]
                             for p in ("page_count", "page_size", "freelist_count"))
    conn.close()
    return pages * size, free * size


def test_factory_picks_the_sqlite_collector(db_file):
    c = database_collector(DatabaseConfig(name="lite", url=f"sqlite:///{db_file}"))
    assert isinstance(c, SQLiteCollector) and c.kind == "sqlite"


def test_poll_shows_version_size_and_tables(db_file, collectors):
    c = collectors(db_file)
    snap = c.collect()
    assert snap.kind == "sqlite" and snap.version == f"SQLite {sqlite3.sqlite_version}"
    assert snap.size_bytes == file_facts(db_file)[0]
    assert snap.connections is None and snap.sessions == () and snap.tps is None
    assert "no sessions" in snap.note("activity")
    names = [t.name for t in snap.tables]
    assert names[0] == "orders" and set(names) == {"orders", "customers", 'odd "name"'}
    orders = snap.tables[0]
    assert orders.schema == "main" and orders.size_bytes > 400_000  # 2,000 rows of 200 bytes
    assert orders.live_rows is None  # not counted: no ANALYZE statistics yet
    assert "ANALYZE" in snap.note("tables")
    assert "free pages" not in snap.note("tables")  # none in a freshly filled file
    assert snap.queries <= 6
    again = c.collect()
    assert again.queries == 1 and again.tables == snap.tables  # kept between refreshes


def test_a_missing_file_is_unreachable_and_not_created(tmp_path, collectors):
    path = tmp_path / "nowhere" / "gone.db"
    c = collectors(path)
    with pytest.raises(CollectorError) as err:
        c.collect()
    assert err.value.kind is Health.UNREACHABLE and str(path) in err.value.message
    assert not path.exists()
    result = c.run_action(c.build_action("vacuum"))
    assert not result.ok and str(path) in result.message and not path.exists()


def test_a_file_that_is_not_a_database_is_an_error(tmp_path, collectors):
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CollectorError) as err:
        collectors(path).collect()
    assert err.value.kind is Health.ERROR and "is not a SQLite database" in err.value.message


class WritingCollector(SQLiteCollector):
    def _poll(self, conn):
        self.query(conn, "CREATE TABLE sneaky (x)")
        return super()._poll(conn)


def test_the_monitoring_connection_cannot_write(db_file, collectors):
    with pytest.raises(CollectorError) as err:
        collectors(db_file, cls=WritingCollector).collect()
    assert "readonly" in err.value.message
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sneaky'").fetchone() == (0,)
    conn.close()


class SlowCollector(SQLiteCollector):
    def _poll(self, conn):
        self.query(conn, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                         "WHERE i < 100000000) SELECT COUNT(*) FROM n")
        return super()._poll(conn)


def test_a_poll_over_the_statement_timeout_is_timeout(db_file, collectors):
    c = collectors(db_file, cls=SlowCollector, statement_timeout_ms=100)
    started = time.monotonic()
    with pytest.raises(CollectorError) as err:
        c.collect()
    assert err.value.kind is Health.TIMEOUT and "100 ms" in err.value.message
    assert time.monotonic() - started < 1.0


def test_a_file_locked_by_a_writer_is_timeout(db_file, collectors):
    writer = sqlite3.connect(db_file, isolation_level=None)
    try:
        writer.execute("BEGIN EXCLUSIVE")  # rollback journal: readers wait for the lock
        with pytest.raises(CollectorError) as err:
            collectors(db_file, statement_timeout_ms=100).collect()
        assert err.value.kind is Health.TIMEOUT and "locked" in err.value.message
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_analyze_fills_row_counts(db_file, collectors):
    c = collectors(db_file)
    c.collect()
    action = c.build_action("analyze", table="orders")
    assert action.statement == 'ANALYZE "orders"'
    result = c.run_action(action)
    assert result.ok, result.message
    orders = next(t for t in c.collect().tables if t.name == "orders")
    assert orders.live_rows == 2000
    assert c.build_action("analyze", table='odd "name"').statement == 'ANALYZE "odd ""name"""'


def test_free_pages_are_noted_and_vacuum_returns_them(db_file, collectors):
    with sqlite3.connect(db_file) as conn:
        conn.execute("DELETE FROM orders WHERE id > 100")
    conn.close()
    c = collectors(db_file)
    before = c.collect()
    size, free = file_facts(db_file)
    assert free > 100_000 and "free pages: VACUUM" in before.note("tables")
    result = c.run_action(c.build_action("vacuum"))
    assert result.ok and result.action.statement == "VACUUM"
    after = c.collect()
    assert "free pages" not in after.note("tables") and after.size_bytes < size - 100_000


def test_explain_shows_the_plan_of_one_statement(db_file, collectors):
    c = collectors(db_file)
    action = c.build_action("explain", query="SELECT * FROM orders WHERE customer = 3;")
    assert action.statement == "EXPLAIN QUERY PLAN SELECT * FROM orders WHERE customer = 3"
    result = c.run_action(action)
    assert result.ok and any("orders_customer" in cell for row in result.rows for cell in row)
    # Semicolons in quotes, brackets and comments end nothing.
    quoted = c.build_action("explain", query="SELECT ';' AS [a;b] -- ;\n")
    assert quoted.statement == "EXPLAIN QUERY PLAN SELECT ';' AS [a;b] -- ;"
    with pytest.raises(ValueError, match="single statement"):
        c.build_action("explain", query="SELECT 1; DELETE FROM orders")


@pytest.mark.parametrize("action", ["cancel", "terminate", "optimize", "reindex"])
def test_actions_sqlite_does_not_have_are_refused(db_file, collectors, action):
    with pytest.raises(ValueError):
        collectors(db_file).build_action(action, pid=1, table="orders")
