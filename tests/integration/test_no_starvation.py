"""Dead targets cannot take the healthy ones' turn (issue 14): dozens of SSH hosts and databases
that answer nothing (a full accept queue, and addresses black-holed in a network namespace the
test makes) or refuse at once, a database frozen mid-poll, this
workstation and one good SSH host, on the scheduler the Monitor uses (8 base threads). The
workstation and the good host keep their interval: p95 lag under 1 s, no poll missed."""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from erpconsole.config import DatabaseConfig
from erpconsole.services.databases.mysql import MySQLCollector
from erpconsole.services.databases.postgres import PostgresCollector
from erpconsole.services.hosts.local import LocalCollector
from erpconsole.services.models import LOCAL_HOST, Health
from tests import netns
from tests.integration.sshd import free_port
from erpconsole.services.scheduler import Scheduler

DEAD = 25  # of each kind: silent SSH, refused SSH, silent PostgreSQL, refused MariaDB
INTERVAL_S = 1.0
BLACK_HOLED = 8  # addresses, each watched as an SSH host, a PostgreSQL and a MariaDB server
POLLS = 15  # the workstation's polls to wait for (15 s)


@pytest.fixture
def silent_ports() -> Iterator[list[int]]:
    """Ports whose accept queue is full: a connect gets no answer at all (as a black hole)."""
    servers, fillers = [], []
    for _ in range(4):
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        fillers.append(socket.create_connection(server.getsockname(), timeout=2))
        servers.append(server)
    with pytest.raises(TimeoutError):
        socket.create_connection(servers[0].getsockname(), timeout=0.5).close()
    yield [s.getsockname()[1] for s in servers]
    for sock in fillers + servers:
        sock.close()


@pytest.fixture
def black_holed() -> Iterator[tuple[str, ...]]:
    """Addresses whose every packet is dropped in a namespace of the test's (no RST, no ICMP)."""
    why = netns.available()
    if why:
        pytest.skip(why)
    with netns.black_hole(BLACK_HOLED) as hole:
        with pytest.raises(TimeoutError):
            socket.create_connection((hole.addresses[0], 22), timeout=0.5).close()
        yield hole.addresses


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


def test_dead_and_frozen_targets_do_not_starve_the_live_ones(sshd, make_collector, silent_ports,
                                                             black_holed, pg_admin,
                                                             pg_database) -> None:
    s = Scheduler(max_workers=8)
    heard: list = []
    cond = threading.Condition()

    def on_outcome(o) -> None:
        with cond:
            heard.append(o)
            cond.notify_all()

    s.subscribe(on_outcome)
    good = make_collector(sshd(), name="good")
    s.add_target(LOCAL_HOST, LocalCollector(), interval_s=INTERVAL_S)
    s.add_target("good", good, interval_s=INTERVAL_S)
    for i in range(DEAD):
        silent, refused = silent_ports[i % len(silent_ports)], free_port()
        s.add_target(f"ssh-silent-{i}", make_collector(None, trusted=False, name=f"ssh-silent-{i}", port=silent),
                     interval_s=INTERVAL_S, timeout_s=3.0)
        s.add_target(f"ssh-refused-{i}", make_collector(None, trusted=False, name=f"ssh-refused-{i}", port=refused),
                     interval_s=INTERVAL_S)
        pg = DatabaseConfig(name=f"pg-silent-{i}", url=f"postgresql+psycopg://postgres@127.0.0.1:{silent}/postgres")
        s.add_target(pg.name, PostgresCollector(pg, connect_timeout_s=2), interval_s=INTERVAL_S, timeout_s=3.0)
        my = DatabaseConfig(name=f"my-refused-{i}", url=f"mysql+pymysql://root@127.0.0.1:{refused}/test")
        s.add_target(my.name, MySQLCollector(my, connect_timeout_s=2), interval_s=INTERVAL_S)
    for i, address in enumerate(black_holed):
        s.add_target(f"ssh-hole-{i}", make_collector(None, trusted=False, name=f"ssh-hole-{i}",
                                                     address=address, port=22),
                     interval_s=INTERVAL_S, timeout_s=3.0)
        pg = DatabaseConfig(name=f"pg-hole-{i}", url=f"postgresql+psycopg://postgres@{address}:5432/postgres")
        s.add_target(pg.name, PostgresCollector(pg, connect_timeout_s=2), interval_s=INTERVAL_S, timeout_s=3.0)
        my = DatabaseConfig(name=f"my-hole-{i}", url=f"mysql+pymysql://root@{address}:3306/test")
        s.add_target(my.name, MySQLCollector(my, connect_timeout_s=2), interval_s=INTERVAL_S, timeout_s=3.0)
    url = pg_database()
    frozen = PostgresCollector(DatabaseConfig(name="frozen", url=url), statement_timeout_ms=1000)
    frozen.collect()
    with pg_admin.connect() as conn:
        [pid] = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"),
                             {"d": url.rsplit("/", 1)[1]}).scalars()
    os.kill(pid, signal.SIGSTOP)
    s.add_target("frozen", frozen, interval_s=INTERVAL_S, timeout_s=2.0)
    try:
        s.start()
        with cond:
            assert cond.wait_for(lambda: sum(o.target == LOCAL_HOST for o in heard) >= POLLS, POLLS * INTERVAL_S * 3)
            outcomes = list(heard)
    finally:
        os.kill(pid, signal.SIGCONT)
        s.stop()
        frozen.close()
    for name in (LOCAL_HOST, "good"):
        mine = [o for o in outcomes if o.target == name]
        assert all(o.health is Health.OK for o in mine), [(o.health, o.error) for o in mine if o.error]
        assert p95([o.lag_s for o in mine]) < 1.0, name
        assert s.stats(name)["skipped"] == 0, name
    assert len([o for o in outcomes if o.target == "good"]) >= POLLS - 2
    dead = {o.target: o.health for o in outcomes if o.target.startswith(("ssh-", "pg-", "my-"))}
    assert set(dead.values()) <= {Health.TIMEOUT, Health.UNREACHABLE}
    assert len(dead) == 4 * DEAD + 3 * BLACK_HOLED  # every dead target was tried, none waited for ever
    holes = {name: health for name, health in dead.items() if "-hole-" in name}
    assert set(holes.values()) == {Health.TIMEOUT}, holes  # nothing answered: timed out, not refused
