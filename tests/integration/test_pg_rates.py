"""PostgreSQL's TPS and cache hit against pgbench on the machine's real server, in `inspect`
and in the monitor. PostgreSQL 15+ publishes each backend's counters about once a second, so
two readings 0.5 s apart saw 0 or 2 seconds of work (pgbench at 2,100 TPS read as 15 and
3,911). pgbench's per-transaction log (-l) gives its own count over the console's window."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from erpconsole.config import DatabaseConfig, Inventory, LocalConfig
from erpconsole.services.inspect import run_inspection, to_json
from erpconsole.services.models import DatabaseSnapshot, Health
from erpconsole.services.monitor import Monitor
from tests.conftest import require

pytestmark = pytest.mark.integration

# Each transaction reads 20 MB twice: a table that stays in shared_buffers (hits), and a
# temporary table bigger than temp_buffers (8 MB), whose blocks come from outside
# PostgreSQL's cache every time (reads). The hit ratio is the same in every transaction.
SCAN = ("CREATE TEMP TABLE IF NOT EXISTS tt AS "
        "SELECT g, repeat('x', 300) AS pad FROM generate_series(1, 60000) g;\n"
        "SELECT count(*) FROM tt;\n"
        "SELECT count(*) FROM kept;\n")


class PgBench:
    """pgbench running against one database, its per-transaction log read at the end."""

    def __init__(self, url: str, folder: Path, *, clients: int = 4, seconds: int = 12,
                 script: Path | None = None) -> None:
        require(shutil.which("pgbench") is not None, "pgbench (Debian package postgresql-client)")
        u = make_url(url)
        self.db, self.folder = u.database, folder
        self.base = ["pgbench", "-h", u.host, "-p", str(u.port or 5432), "-U", u.username]
        self.args = ["-c", str(clients), "-T", str(seconds), "-l", f"--log-prefix={folder}/tx"]
        self.args += ["-n", "-f", str(script)] if script else []
        self.proc: subprocess.Popen | None = None
        self.done: list[float] = []

    def init(self) -> None:
        subprocess.run([*self.base, "-i", "-q", self.db], check=True, capture_output=True,
                       timeout=60)

    def __enter__(self) -> PgBench:
        self.proc = subprocess.Popen([*self.base, *self.args, self.db], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        return self

    def __exit__(self, *exc) -> None:
        out, err = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, err
        for log in self.folder.glob("tx.*"):
            for line in log.read_text().splitlines():
                fields = line.split()
                self.done.append(int(fields[4]) + int(fields[5]) / 1e6)

    def tps(self, window: tuple[float, float]) -> float:
        """pgbench's own figure: transactions it finished inside the window, per second."""
        start, end = window
        return sum(start < t <= end for t in self.done) / (end - start)


def wait_running(url: str, clients: int, timeout: float = 15.0) -> None:
    """Every pgbench client connected and its counters published twice: they move in steps
    now. Fails, saying which, when that is not so within ``timeout``."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    connected = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench' "
                     "AND datname = current_database()")
    # Each statement is a transaction of its own here: it reads the counters as last published.
    commits = text("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    deadline = time.monotonic() + timeout
    try:
        with engine.connect() as conn:
            until(lambda: conn.execute(connected).scalar() >= clients, deadline,
                  f"{clients} pgbench client(s) connected")
            # A backend publishes its first transaction at once, then at most once a second:
            # the second step seen means the clients are past their first second.
            for step in ("first", "second"):
                seen = conn.execute(commits).scalar()
                until(lambda: conn.execute(commits).scalar() > seen, deadline,
                      f"pgbench's {step} step of commits published in pg_stat_database")
    finally:
        engine.dispose()


def until(condition, deadline: float, what: str) -> None:
    while not condition():
        assert time.monotonic() < deadline, f"not within the deadline: {what}"
        time.sleep(0.05)


def within(got: float, want: float, share: float) -> bool:
    return abs(got - want) <= share * want


def test_inspect_tps_is_pgbench_tps_over_the_same_window(tmp_path, pg_database) -> None:
    url = pg_database()
    bench = PgBench(url, tmp_path, clients=4, seconds=20)
    bench.init()
    inv = Inventory(local=LocalConfig(enabled=False),
                    databases=(DatabaseConfig(name="pg", url=url),))
    seen: list[DatabaseSnapshot] = []
    with bench:
        wait_running(url, 4)
        for _ in range(2):
            report = run_inspection(inv)
            assert report.databases[0].status is Health.OK, report.databases[0].message
            seen.append(report.databases[0].snapshot)
        doc = to_json(report)
    assert '"rate_window_s"' in doc and '"qps"' in doc
    for snap in seen:
        assert snap.rate_window is not None, snap.notes
        want = bench.tps(snap.rate_window)
        assert want > 50, want  # the load ran through the window
        assert within(snap.tps, want, 0.15), (snap.tps, want, snap.rate_window_s)
        assert snap.rate_window_s >= 3.9  # a second's late work is a small share of it


def test_the_monitors_tps_is_pgbench_tps_over_each_window(tmp_path, pg_database) -> None:
    url = pg_database()
    bench = PgBench(url, tmp_path, clients=4, seconds=22)
    bench.init()
    inv = Inventory(local=LocalConfig(enabled=False),
                    databases=(DatabaseConfig(name="pg", url=url, interval_s=2.0),))
    monitor = Monitor(inv, None, max_workers=2)
    seen: dict[tuple[float, float], DatabaseSnapshot] = {}
    with bench:
        wait_running(url, 4)
        monitor.start()
        try:
            deadline = time.monotonic() + 25
            while len(seen) < 5 and time.monotonic() < deadline:
                status = {s.target: s for s in monitor.statuses()}["pg"]
                snap = status.snapshot
                if snap is not None and snap.rate_window is not None:
                    seen[snap.rate_window] = snap
                time.sleep(0.05)
        finally:
            monitor.stop()
    assert len(seen) >= 5, seen
    for window, snap in seen.items():
        want = bench.tps(window)
        assert want > 50, want
        assert within(snap.tps, want, 0.15), (snap.tps, want, snap.rate_window_s)


def test_cache_hit_is_the_servers_own_over_the_run_not_100_from_an_empty_delta(
        tmp_path, pg_database) -> None:
    url = pg_database()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    counters = text("SELECT blks_hit, blks_read FROM pg_stat_database "
                    "WHERE datname = current_database()")
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE kept AS SELECT g, repeat('x', 300) AS pad "
                          "FROM generate_series(1, 60000) g"))
    script = tmp_path / "scan.sql"
    script.write_text(SCAN)
    (tmp_path / "warm").mkdir()
    with PgBench(url, tmp_path / "warm", clients=1, seconds=3, script=script):
        pass  # the cache settles into what the scans keep of the table
    with engine.connect() as conn:
        before = conn.execute(counters).one()
    bench = PgBench(url, tmp_path, clients=1, seconds=12, script=script)
    inv = Inventory(local=LocalConfig(enabled=False),
                    databases=(DatabaseConfig(name="pg", url=url),))
    with bench:
        wait_running(url, 1)
        snaps = [run_inspection(inv).databases[0].snapshot for _ in range(2)]
    with engine.connect() as conn:  # pgbench's backends published all at their exit
        after = conn.execute(counters).one()
    engine.dispose()
    hits, reads = after[0] - before[0], after[1] - before[1]
    want = 100.0 * hits / (hits + reads)
    assert 20 < want < 80, want  # half the blocks miss the cache
    for snap in snaps:
        assert snap.cache_hit_percent is not None, snap.notes
        assert abs(snap.cache_hit_percent - want) <= 6.0, (snap.cache_hit_percent, want)
