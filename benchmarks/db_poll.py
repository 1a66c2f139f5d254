"""One poll of a PostgreSQL and of a MariaDB target on loopback: wall time, statements per
poll, and the database server's own CPU per poll; beside it, in the same run, one scrape of
the same PostgreSQL by Debian's prometheus-postgres-exporter when that is installed.

Target (the issue): a poll under 20 ms on loopback, not counting the time a PostgreSQL poll
sleeps until its counters have moved on (pg_rates; reported as waited_ms). Every 6th poll
also refreshes the slow panels (tables, statements), so the figures are over a run of polls,
not one. Polls here follow each other at once, so most PostgreSQL ones are too soon for a
rate and read the counters once; a poll at the monitor's interval reads them until they move
(benchmarks/db_rates.py reports those).

Server CPU: PostgreSQL's is the collector's own backend process (pg_backend_pid, from
/proc/PID/stat); MariaDB runs connections as threads of one process, so its figure is the
whole mariadbd process during the run (the machine's MariaDB is otherwise idle).

    .venv/bin/python benchmarks/db_poll.py [--polls N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psutil  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from erpconsole.config import DatabaseConfig  # noqa: E402
from erpconsole.services.databases.factory import database_collector  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MY_URL = "mysql+pymysql://root@127.0.0.1:3306/mysql"
EXPORTER = "/usr/bin/prometheus-postgres-exporter"
TICK = os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def mariadb_pid() -> int | None:
    for p in psutil.process_iter(["name"]):
        if p.info["name"] in ("mariadbd", "mysqld"):
            return p.pid
    return None


def run_polls(name: str, url: str, polls: int, server_pid) -> dict:
    collector = database_collector(DatabaseConfig(name=name, url=url))
    try:
        snap = collector.collect()  # connect; the first poll has no rates
        pid = server_pid(collector)
        cpu0, times, queries, waits = proc_cpu_s(pid) if pid else None, [], [], []
        for _ in range(polls):
            t0 = time.perf_counter()
            snap = collector.collect()
            # PostgreSQL's poll sleeps until its counters move on (pg_rates): the cost of a
            # poll is its time awake; the sleep is reported beside it.
            waits.append(getattr(collector, "rate_wait_s", 0.0))
            times.append(time.perf_counter() - t0 - waits[-1])
            queries.append(snap.queries)
        cpu = (proc_cpu_s(pid) - cpu0) / polls if pid else None
    finally:
        collector.close()
    return {"kind": snap.kind, "version": snap.version, "polls": polls,
            "poll_ms_p50": round(statistics.median(times) * 1000, 2),
            "poll_ms_p95": round(pct(times, 0.95) * 1000, 2),
            "queries_per_poll_p50": statistics.median(queries), "queries_per_poll_max": max(queries),
            "waited_ms_p50": round(statistics.median(waits) * 1000, 1),
            "server_cpu_ms_per_poll": None if cpu is None else round(cpu * 1000, 3)}


def pg_backend(collector) -> int:
    with create_engine(PG_URL).connect() as conn:
        return conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'erpconsole' "
            "ORDER BY backend_start DESC LIMIT 1")).scalar()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exporter_scrapes(scrapes: int) -> dict | None:
    if not shutil.which(EXPORTER):
        return None
    port = free_port()
    env = {**os.environ, "DATA_SOURCE_NAME": "postgresql://postgres@127.0.0.1:5432/postgres?sslmode=disable"}
    proc = subprocess.Popen([EXPORTER, f"--web.listen-address=127.0.0.1:{port}"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    return {"error": "exporter did not answer"}
                time.sleep(0.1)
        times = []
        for _ in range(scrapes):
            t0 = time.perf_counter()
            body = urllib.request.urlopen(url, timeout=10).read()
            times.append(time.perf_counter() - t0)
        return {"scrapes": scrapes, "scrape_ms_p50": round(statistics.median(times) * 1000, 2),
                "metrics_lines": body.count(b"\n")}
    finally:
        proc.terminate()
        proc.wait(5)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--polls", type=int, default=60)
    args = ap.parse_args()
    my_pid = mariadb_pid()
    out = {
        "benchmark": "db_poll",
        "machine": f"{os.cpu_count()} cores, {round(psutil.virtual_memory().total / 2**30)} GiB",
        "postgresql": run_polls("pg", PG_URL, args.polls, pg_backend),
        "mariadb": run_polls("maria", MY_URL, args.polls, lambda _c: my_pid),
        "prometheus_postgres_exporter": exporter_scrapes(min(args.polls, 20)),
        "target_poll_ms": 20,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
