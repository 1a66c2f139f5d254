"""MariaDB's TPS and QPS against sysbench oltp_read_write on the machine's real server. TPS
counted Handler_commit, which moves per statement inside a transaction: sysbench reported 777
TPS while the console showed 12,566-17,760."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from erpconsole.config import DatabaseConfig, Inventory, LocalConfig
from erpconsole.services.databases.mysql import MySQLCollector
from erpconsole.services.inspect import run_inspection, to_table
from erpconsole.services.models import Health
from erpconsole.services.secrets import SecretStore
from tests.conftest import require

pytestmark = pytest.mark.integration


class Sysbench:
    def __init__(self, url: str, threads: int = 4, seconds: int = 8) -> None:
        require(shutil.which("sysbench") is not None, "sysbench (Debian package sysbench)")
        u = make_url(url)
        self.common = ["oltp_read_write", "--db-driver=mysql", f"--mysql-host={u.host}",
                       f"--mysql-port={u.port or 3306}", f"--mysql-user={u.username}",
                       f"--mysql-db={u.database}", "--tables=1", "--table-size=10000"]
        self.run_args = [f"--threads={threads}", f"--time={seconds}"]
        self.tps = self.qps = 0.0
        self.transactions = self.queries = 0

    def prepare(self) -> None:
        subprocess.run(["sysbench", *self.common, "prepare"], check=True, capture_output=True,
                       timeout=120)

    def run(self) -> None:
        out = subprocess.run(["sysbench", *self.common, *self.run_args, "run"], check=True,
                             capture_output=True, text=True, timeout=120).stdout
        t = re.search(r"transactions:\s+(\d+)\s+\(([\d.]+) per sec", out)
        q = re.search(r"queries:\s+(\d+)\s+\(([\d.]+) per sec", out)
        assert t and q, out
        self.transactions, self.tps = int(t[1]), float(t[2])
        self.queries, self.qps = int(q[1]), float(q[2])


def wait_running(url: str, threads: int, timeout: float = 20.0) -> None:
    """sysbench's threads all connected to the schema, each past a whole transaction (20
    statements in oltp_read_write): it runs steady. Fails, saying which, when that is not so
    within ``timeout``."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    # MariaDB's QUERY_ID: the number of each session's current statement (performance_schema,
    # which would count per session, is off on this server).
    sessions = text("SELECT ID, QUERY_ID FROM information_schema.PROCESSLIST "
                    "WHERE DB = DATABASE() AND ID <> CONNECTION_ID()")
    deadline = time.monotonic() + timeout
    try:
        with engine.connect() as conn:
            def query_ids() -> dict[int, int]:
                return dict(conn.execute(sessions).all())

            until(lambda: len(query_ids()) >= threads, deadline,
                  f"{threads} sysbench thread(s) connected")
            first = query_ids()
            until(lambda: all(q - first.get(i, q) >= 20 for i, q in query_ids().items()),
                  deadline, "every sysbench thread past its first transaction")
    finally:
        engine.dispose()


def until(condition, deadline: float, what: str) -> None:
    while not condition():
        assert time.monotonic() < deadline, f"not within the deadline: {what}"
        time.sleep(0.05)


def within(got: float, want: float, share: float = 0.15) -> bool:
    return abs(got - want) <= share * want


def test_tps_and_qps_are_sysbenchs_over_the_same_window(my_database) -> None:
    url = my_database()
    bench = Sysbench(url)
    bench.prepare()
    c = MySQLCollector(DatabaseConfig(name="maria", url=url), SecretStore())
    try:
        c.collect()
        bench.run()
        snap = c.collect()
    finally:
        c.close()
    assert snap.rate_window is not None
    # sysbench's own counts over the console's window (which holds its whole run, plus the
    # start and the end of the process).
    window = snap.rate_window_s
    assert within(snap.tps, bench.transactions / window), (snap.tps, bench.transactions / window)
    assert within(snap.queries_ps, bench.queries / window), (snap.queries_ps, bench.queries / window)
    assert within(snap.tps, bench.tps, 0.3) and snap.tps < 2 * bench.tps  # not 20 times
    assert ("db.queries_ps", "") in {(s.metric, s.label) for s in snap.samples()}


def test_inspect_shows_sysbenchs_queries_per_transaction(my_database) -> None:
    url = my_database()
    bench = Sysbench(url, seconds=6)
    bench.prepare()
    inv = Inventory(local=LocalConfig(enabled=False),
                    databases=(DatabaseConfig(name="maria", url=url),))
    proc = subprocess.Popen(["sysbench", *bench.common, *bench.run_args, "run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_running(url, threads=4)
        report = run_inspection(inv)
    finally:
        out, _err = proc.communicate(timeout=60)
    d = report.databases[0]
    assert d.status is Health.OK, d.message
    t = re.search(r"transactions:\s+(\d+)", out)
    q = re.search(r"queries:\s+(\d+)", out)
    per_transaction = int(q[1]) / int(t[1])  # 20 in oltp_read_write: 18 statements, BEGIN, COMMIT
    s = d.snapshot
    assert s.tps and s.queries_ps and s.rate_window_s >= 1.0
    assert within(s.queries_ps / s.tps, per_transaction), (s.queries_ps / s.tps, per_transaction)
    header, row = [line.split() for line in to_table(report).splitlines()
                   if line.startswith(("DATABASE", "maria"))]
    assert header[4:6] == ["TPS", "QPS"] and row[5] == f"{s.queries_ps:.1f}", (header, row)
