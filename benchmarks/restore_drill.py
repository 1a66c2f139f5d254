"""A restore drill of a PostgreSQL dump of about 1 GB through ``run_drill``, beside a plain
``createdb`` + ``pg_restore`` of the same dump by hand in the same run: the console's overhead
(source row counts, checks, process handling) as a percentage. Target: under 5%.

Both restores use the same pg_restore options (``--no-owner --no-privileges --exit-on-error``),
the dump file is in the page cache for both (it was just written), and with ``--repeat N`` they
alternate, by hand first, and the medians are compared. Everything made is dropped at the end.

    .venv/bin/python benchmarks/restore_drill.py [--size-mb 1024] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402

from erpconsole.config import DatabaseConfig, Inventory  # noqa: E402
from erpconsole.services.backups.drill import run_drill  # noqa: E402
from erpconsole.services.backups.models import DUMP, DUMPDIR, Backup, BackupSetConfig  # noqa: E402

HOST, PORT, USER = "127.0.0.1", "5432", "postgres"
ADMIN = f"postgresql+psycopg://{USER}@{HOST}:{PORT}/postgres"
PG_ENV = {"PGHOST": HOST, "PGPORT": PORT, "PGUSER": USER}
ROWS_PER_MB = 9_000  # measured for the tables below, heap and indexes together
EMPTY_MB = 8  # an empty database and the partners table


def admin(sql: str) -> list[tuple]:
    engine = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = conn.execute(text(sql))
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def make_source(name: str, size_mb: int) -> float:
    """Creates ``name`` with three tables of about ``size_mb`` in all; returns its size in MB."""
    admin(f'CREATE DATABASE "{name}"')
    rows = max(1000, (size_mb - EMPTY_MB) * ROWS_PER_MB)
    engine = create_engine(f"postgresql+psycopg://{USER}@{HOST}:{PORT}/{name}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE partners (id int PRIMARY KEY, name text NOT NULL)"))
        conn.execute(text("INSERT INTO partners SELECT g, 'partner ' || g "
                          "FROM generate_series(1, 10000) g"))
        conn.execute(text("CREATE TABLE orders (id bigint PRIMARY KEY, partner_id int NOT NULL, "
                          "total numeric(12,2), note text, created timestamptz)"))
        conn.execute(text(f"INSERT INTO orders SELECT g, 1 + g % 10000, (g % 99991) / 7.0, "
                          f"md5(g::text), now() - g * interval '1 second' "
                          f"FROM generate_series(1, {rows * 6 // 10}) g"))
        conn.execute(text("CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint NOT NULL, "
                          "qty int, price numeric(12,2), product text)"))
        conn.execute(text(f"INSERT INTO lines SELECT g, 1 + g % {max(1, rows * 6 // 10)}, g % 17, "
                          f"(g % 1000) / 3.0, 'product ' || (g % 5000) "
                          f"FROM generate_series(1, {rows * 4 // 10}) g"))
        conn.execute(text("CREATE INDEX lines_order ON lines (order_id)"))
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return size / 2**20


def by_hand(dump: Path, made: list[str]) -> float:
    """createdb + pg_restore, as a person would type them; seconds."""
    name = f"erpconsole_bench_hand_{secrets.token_hex(4)}"
    made.append(name)
    t0 = time.monotonic()
    subprocess.run(["createdb", name], check=True, env=_env(), timeout=3600)
    subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                    "--dbname", name, str(dump)], check=True, env=_env(), timeout=3600)
    took = time.monotonic() - t0
    admin(f'DROP DATABASE "{name}" WITH (FORCE)')
    return took


def _env() -> dict[str, str]:
    return {**os.environ, **PG_ENV}


def drill(dump: Path, source: str) -> tuple[float, float, bool, str, dict[str, float]]:
    """(measured RTO, run_drill wall time including the drop, ok, message, seconds per phase)."""
    cfg = BackupSetConfig(name="bench", tool=DUMPDIR, repo=str(dump.parent), database="bench-src",
                          drill_target=ADMIN, key_tables=("partners", "orders", "lines"),
                          sanity_queries=("SELECT 1 FROM orders WHERE id = 1",))
    inventory = Inventory(databases=(DatabaseConfig(
        "bench-src", f"postgresql+psycopg://{USER}@{HOST}:{PORT}/{source}"),))
    backup = Backup("bench", dump.name, DUMP, dump.stat().st_mtime, location=str(dump))
    marks: list[tuple[str, float]] = []

    def progress(phase: str, _fraction: float) -> None:
        phase = phase.split(" ")[0]  # "restoring bench.dump" -> "restoring"
        if not marks or marks[-1][0] != phase:
            marks.append((phase, time.monotonic()))

    t0 = time.monotonic()
    result = run_drill(cfg, backup, inventory, progress=progress)
    phases = {a[0]: round(b[1] - a[1], 3) for a, b in zip(marks, marks[1:])}
    return result.duration_s, time.monotonic() - t0, result.ok, result.message, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for tool in ("pg_dump", "pg_restore", "createdb"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed")
    source = f"erpconsole_bench_src_{secrets.token_hex(4)}"
    made: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="erpconsole-drill-bench-"))
    try:
        out = run(args, source, work, made)
    finally:
        for name in [source, *made]:
            admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(out))


def run(args, source: str, work: Path, made: list[str]) -> dict:
    t0 = time.monotonic()
    db_mb = make_source(source, args.size_mb)
    fill_s = time.monotonic() - t0
    dump = work / "bench.dump"
    t0 = time.monotonic()
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), source], check=True, env=_env(),
                   timeout=3600)
    dump_s = time.monotonic() - t0
    hand, rto, wall, oks, message, phases = [], [], [], [], "", {}
    for _ in range(args.repeat):
        hand.append(by_hand(dump, made))
        r, w, ok, message, phases = drill(dump, source)
        rto.append(r)
        wall.append(w)
        oks.append(ok)
    h, d = statistics.median(hand), statistics.median(rto)
    return {"benchmark": "restore_drill", "size_mb_requested": args.size_mb,
            "db_size_mb": round(db_mb, 1), "dump_mb": round(dump.stat().st_size / 2**20, 1),
            "fill_s": round(fill_s, 2), "pg_dump_s": round(dump_s, 2), "repeat": args.repeat,
            "by_hand_s": round(h, 3), "drill_rto_s": round(d, 3),
            "drill_wall_with_drop_s": round(statistics.median(wall), 3),
            "overhead_percent": round((d - h) * 100.0 / h, 2), "target_percent": 5.0,
            "drill_ok": all(oks), "drill_message": message, "last_drill_phases_s": phases,
            "by_hand_runs_s": [round(x, 3) for x in hand], "drill_runs_s": [round(x, 3) for x in rto]}


if __name__ == "__main__":
    main()
