"""The console's database rates beside the tools people trust, in one short run on the
machine's PostgreSQL and MariaDB:

- PostgreSQL: pgbench -c 4 (TPC-B) for a few seconds; `inspect`'s TPS (its rate window) and
  the monitor's (polls 5 s apart) beside pgbench's own count over the same windows, from its
  per-transaction log; and the naive way, two readings of pg_stat_database 0.5 s apart.
- MariaDB: sysbench oltp_read_write; the collector's TPS and QPS over sysbench's run beside
  sysbench's own, and the old figure (Handler_commit per second) over the same window.

    .venv/bin/python benchmarks/db_rates.py [--seconds N]

Prints one JSON line; the machine's load average is in it (the figures move when it is busy).
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402

from erpconsole.config import DatabaseConfig, Inventory, LocalConfig  # noqa: E402
from erpconsole.services.databases.mysql import MySQLCollector  # noqa: E402
from erpconsole.services.databases.postgres import PostgresCollector  # noqa: E402
from erpconsole.services.inspect import run_inspection  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MY_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/"


def _pg(seconds: int, folder: Path) -> dict:
    name = f"erpc_bench_{secrets.token_hex(3)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    base = ["pgbench", "-h", "127.0.0.1", "-U", "postgres"]
    try:
        subprocess.run([*base, "-i", "-q", name], check=True, capture_output=True, timeout=120)
        bench = subprocess.Popen([*base, "-c", "4", "-T", str(seconds), "-l",
                                  f"--log-prefix={folder}/tx", name],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2.0)  # connected and past its first published second
        inv = Inventory(local=LocalConfig(enabled=False),
                        databases=(DatabaseConfig(name="pg", url=url),))
        inspect = []
        for _ in range(2):
            started = time.monotonic()
            snap = run_inspection(inv).databases[0].snapshot
            inspect.append((snap, time.monotonic() - started))
        naive = _naive_pg(url)
        monitor = PostgresCollector(DatabaseConfig(name="pg", url=url, interval_s=5.0))
        polls, awake = [], []
        for _ in range(3):
            started = time.perf_counter()
            polls.append(monitor.collect())
            awake.append(time.perf_counter() - started - monitor.rate_wait_s)
            time.sleep(max(0.0, 5.0 - (time.time() - polls[-1].ts)))
        monitor.close()
        bench.communicate(timeout=120)
        done = sorted(int(f[4]) + int(f[5]) / 1e6 for log in folder.glob("tx.*")
                      for f in (line.split() for line in log.read_text().splitlines()))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def pgbench_tps(window: tuple[float, float]) -> float:
        return (bisect.bisect_right(done, window[1]) - bisect.bisect_right(done, window[0])) \
            / (window[1] - window[0])

    def pair(snap) -> dict:
        if snap is None or snap.rate_window is None:
            return {"console": None, "pgbench": None}
        return {"console": round(snap.tps, 1), "pgbench": round(pgbench_tps(snap.rate_window), 1),
                "window_s": round(snap.rate_window_s, 2)}

    return {
        "inspect": [dict(pair(s), run_s=round(d, 2)) for s, d in inspect],
        "monitor_5s": [dict(pair(s), statements=s.queries, awake_ms=round(a * 1000, 1))
                       for s, a in zip(polls[1:], awake[1:], strict=True)],
        "naive_0_5s": [{"console": round(tps, 1), "pgbench": round(pgbench_tps(w), 1)}
                       for tps, w in naive],
    }


def _naive_pg(url: str) -> list[tuple[float, tuple[float, float]]]:
    """Two readings 0.5 s apart, as inspect did before: 0 or about double."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    out = []
    sql = text("SELECT extract(epoch FROM clock_timestamp())::float8, xact_commit + xact_rollback "
               "FROM pg_stat_database WHERE datname = current_database()")
    with engine.connect() as conn:
        for _ in range(4):
            t0, c0 = conn.execute(sql).one()
            time.sleep(0.5)
            t1, c1 = conn.execute(sql).one()
            out.append(((c1 - c0) / (t1 - t0), (t0, t1)))
    engine.dispose()
    return out


def _maria(seconds: int) -> dict:
    name = f"erpc_bench_{secrets.token_hex(3)}"
    admin = create_engine(MY_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}`"))
    url = f"mysql+pymysql://root@127.0.0.1:3306/{name}"
    common = ["oltp_read_write", "--db-driver=mysql", "--mysql-host=127.0.0.1",
              "--mysql-user=root", f"--mysql-db={name}", "--tables=1", "--table-size=10000"]
    handler = text("SHOW GLOBAL STATUS LIKE 'Handler_commit'")
    try:
        subprocess.run(["sysbench", *common, "prepare"], check=True, capture_output=True, timeout=120)
        c = MySQLCollector(DatabaseConfig(name="maria", url=url))
        c.collect()
        with admin.connect() as conn:
            h0, t0 = float(conn.execute(handler).one()[1]), time.monotonic()
        out = subprocess.run(["sysbench", *common, "--threads=4", f"--time={seconds}", "run"],
                             check=True, capture_output=True, text=True, timeout=300).stdout
        with admin.connect() as conn:
            h1, t1 = float(conn.execute(handler).one()[1]), time.monotonic()
        snap = c.collect()
        c.close()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()
    tx = re.search(r"transactions:\s+(\d+)\s+\(([\d.]+) per sec", out)
    q = re.search(r"queries:\s+(\d+)\s+\(([\d.]+) per sec", out)
    window = snap.rate_window_s
    return {
        "tps": {"console": round(snap.tps, 1), "sysbench": float(tx[2]),
                "sysbench_over_console_window": round(int(tx[1]) / window, 1)},
        "qps": {"console": round(snap.queries_ps, 1), "sysbench": float(q[2]),
                "sysbench_over_console_window": round(int(q[1]) / window, 1)},
        "handler_commit_ps_before": round((h1 - h0) / (t1 - t0), 1),
        "window_s": round(window, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30, help="pgbench run (sysbench: a third)")
    args = parser.parse_args()
    missing = [tool for tool in ("pgbench", "sysbench") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"db_rates: {', '.join(missing)} not found (make test installs them)")
    with tempfile.TemporaryDirectory() as folder:
        pg = _pg(args.seconds, Path(folder))
    maria = _maria(max(5, args.seconds // 3))
    print(json.dumps({"benchmark": "db_rates", "postgresql": pg, "mariadb": maria,
                      "load_avg": [round(v, 2) for v in os.getloadavg()]}))


if __name__ == "__main__":
    main()
