"""A target that answers nothing is "timeout" for every collector and in `inspect`, as the
scheduler's own deadline says it in the window: one word for one host, whichever clock fires
first. The silence is real: a listening socket whose accept queue is full drops the SYNs."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from erpconsole.config import DatabaseConfig, HostConfig, Inventory, LocalConfig
from erpconsole.services.errors import CollectorError
from erpconsole.services.models import Health


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port on which a TCP connect gets no answer at all (not refused: dropped)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port), timeout=2)  # the one place in the queue
    with pytest.raises(TimeoutError):  # the premise of every test here, checked, not assumed
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    yield port
    filler.close()
    server.close()


def _failure(collector) -> CollectorError:
    try:
        with pytest.raises(CollectorError) as info:
            collector.collect()
    finally:
        collector.close()
    return info.value


def test_ssh_connect_with_no_answer_is_timeout(make_collector, silent_port) -> None:
    err = _failure(make_collector(None, trusted=False, port=silent_port))
    assert err.kind is Health.TIMEOUT
    assert f"127.0.0.1:{silent_port}" in err.message and "no answer within 2 s" in err.message


def test_postgresql_connect_with_no_answer_is_timeout(silent_port) -> None:
    from erpconsole.services.databases.postgres import PostgresCollector

    cfg = DatabaseConfig(name="erp-pg", url=f"postgresql+psycopg://postgres@127.0.0.1:{silent_port}/postgres")
    err = _failure(PostgresCollector(cfg, connect_timeout_s=2))
    assert err.kind is Health.TIMEOUT and f"127.0.0.1:{silent_port}" in err.message


def test_mariadb_connect_with_no_answer_is_timeout(silent_port) -> None:
    from erpconsole.services.databases.mysql import MySQLCollector

    cfg = DatabaseConfig(name="erp-my", url=f"mysql+pymysql://root@127.0.0.1:{silent_port}/test")
    err = _failure(MySQLCollector(cfg, connect_timeout_s=2))
    assert err.kind is Health.TIMEOUT and f"127.0.0.1:{silent_port}" in err.message


def test_inspect_says_timeout_as_the_window_does(tmp_path, client_keys, silent_port) -> None:
    """`inspect`'s budget (15 s) outlasts the SSH connect timeout (5 s): the collector's own
    word decides, and it is the scheduler's word for the same silence."""
    from erpconsole.services.inspect import run_inspection

    known = tmp_path / "known_hosts"
    known.write_text("")
    host = HostConfig(name="erp-silent", address="127.0.0.1", port=silent_port, user="root",
                      key_file=str(client_keys.plain), known_hosts=str(known))
    report = run_inspection(Inventory(local=LocalConfig(enabled=False), hosts=(host,)), timeout_s=15.0)
    (silent,) = report.hosts
    assert silent.status is Health.TIMEOUT, silent.message
    assert report.status == "critical"
