"""Store figures: ingest rate through StoreWriter, and one host's 24 h history from 30 days of
50 hosts. Prints one JSON line; compares with the naive way (a commit per sample, Row objects).

    .venv/bin/python benchmarks/store_bench.py [--rebuild]

The 30-day store is built once with bulk inserts and cached under .bench/ (gitignored).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from erpconsole.services.models import Sample  # noqa: E402
from erpconsole.services.store import Store, StoreWriter  # noqa: E402

BENCH = ROOT / ".bench"
HOSTS = 50
METRICS = ["cpu.percent", "mem.percent", "swap.percent", "load.1", "load.5", "load.15",
           "net.rx_bps", "net.tx_bps", "disk.used_percent", "net.latency_ms"]  # fmt: skip
DAYS = 30
RAW_STEP_S = 10
BUILD_VERSION = 1


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


# -- ingest -----------------------------------------------------------------------------------


def bench_ingest(folder: Path, total: int = 300_000) -> float:
    """Samples/s from the first put() to a completed flush, polls of 10 samples each."""
    store = Store(f"sqlite:///{folder / 'ingest.sqlite3'}")
    writer = StoreWriter(store)
    t0 = time.time() - total  # one poll per host per "second"
    polls = [
        [Sample(f"host-{h:02d}", m, float(i % 100), t0 + i, "") for m in METRICS]
        for i in range(total // (HOSTS * len(METRICS)))
        for h in range(HOSTS)
    ]
    started = time.perf_counter()
    for poll in polls:
        writer.put(poll)
    writer.flush(120.0)
    elapsed = time.perf_counter() - started
    writer.close()
    with store.engine.connect() as conn:
        held = conn.exec_driver_sql("SELECT COUNT(*) FROM samples").scalar_one()
    store.close()
    assert held == total, (held, total)
    return total / elapsed


def bench_naive_ingest(folder: Path, total: int = 2000) -> float:
    """The naive way: one INSERT and one commit per sample, through SQLAlchemy."""
    store = Store(f"sqlite:///{folder / 'naive.sqlite3'}")
    store.write_batch([Sample("h", "m", 0.0, 0.0)])
    sql = text("INSERT INTO samples (series_id, ts, value) VALUES (1, :ts, :v)")
    started = time.perf_counter()
    for i in range(total):
        with store.engine.begin() as conn:
            conn.execute(sql, {"ts": float(i + 1), "v": 1.0})
    elapsed = time.perf_counter() - started
    store.close()
    return total / elapsed


# -- the 30-day store -------------------------------------------------------------------------


def build_store(path: Path) -> float:
    """50 hosts x 10 series: 1-min and 1-h rollups for 30 days, raw at 10 s for 48 h."""
    path.unlink(missing_ok=True)
    now = math.floor(time.time() / 3600) * 3600 + 1800.0
    Store(f"sqlite:///{path}").close()  # schema by the real migrations
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")  # a throwaway build: no journal, no fsync
    conn.execute("PRAGMA synchronous=OFF")
    keys = [(f"host-{h:02d}", m, "") for h in range(HOSTS) for m in METRICS]
    conn.executemany("INSERT INTO series (target, metric, label) VALUES (?, ?, ?)", keys)
    wm_1m = math.floor((now - 120) / 60) * 60
    wm_1h = math.floor(wm_1m / 3600) * 3600
    start_m = math.floor((now - DAYS * 86400) / 3600) * 3600
    rng = np.random.default_rng(1)
    for sid in range(1, len(keys) + 1):
        _bulk_series(conn, sid, rng, start_m, wm_1m, wm_1h, now)
    conn.executemany("INSERT INTO rollup_state (name, watermark) VALUES (?, ?)", [("1m", wm_1m), ("1h", wm_1h)])
    conn.commit()
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    return now


def _bulk_series(conn: sqlite3.Connection, sid: int, rng, start_m: int, wm_1m: int, wm_1h: int, now: float) -> None:
    # Rows go in key order per series, so every B-tree insert is an append.
    buckets = np.arange(start_m, wm_1m, 60, dtype=np.int64)
    avg = rng.uniform(0, 100, len(buckets))
    conn.executemany(
        "INSERT INTO rollup_1m VALUES (?, ?, ?, ?, ?, 6)",
        zip([sid] * len(buckets), buckets.tolist(), (avg - 1).tolist(), (avg + 1).tolist(), avg.tolist()),
    )
    hours = np.arange(start_m, wm_1h, 3600, dtype=np.int64)
    conn.executemany(
        "INSERT INTO rollup_1h VALUES (?, ?, 0, 100, 50, 360)", zip([sid] * len(hours), hours.tolist())
    )
    raw_ts = np.arange(now - 48 * 3600, now, RAW_STEP_S, dtype=np.float64)
    conn.executemany(
        "INSERT INTO samples VALUES (?, ?, ?)",
        zip([sid] * len(raw_ts), raw_ts.tolist(), rng.uniform(0, 100, len(raw_ts)).tolist()),
    )


def cached_store() -> tuple[Path, float, float]:
    """(path, its 'now', seconds spent building: 0 when cached)."""
    BENCH.mkdir(exist_ok=True)
    path = BENCH / f"store-{DAYS}d-{HOSTS}h-v{BUILD_VERSION}.sqlite3"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path, json.loads(meta.read_text())["now"], 0.0
    started = time.perf_counter()
    now = build_store(path)
    meta.write_text(json.dumps({"now": now}))
    return path, now, time.perf_counter() - started


# -- queries ----------------------------------------------------------------------------------


def time_host_history(store: Store, now: float, rounds: int = 60) -> tuple[list[float], int]:
    rnd = random.Random(2)
    times, points = [], 0
    for _ in range(rounds):
        host = f"host-{rnd.randrange(HOSTS):02d}"
        started = time.perf_counter()
        data = store.host_history(host, now - 86400, now, now=now)
        times.append((time.perf_counter() - started) * 1000)
        points = sum(len(ts) for ts, _ in data.values())
        assert len(data) == len(METRICS) and points > 14_000, points
    return times, points


def naive_host_history(store: Store, target: str, start: float, end: float) -> dict:
    """The naive way: SQLAlchemy Row objects over a join, grouped in Python."""
    sql = text(
        "SELECT s.metric, s.label, r.bucket_ts, r.avg FROM rollup_1m r JOIN series s ON s.id = r.series_id"
        " WHERE s.target = :t AND r.bucket_ts >= :a AND r.bucket_ts < :b ORDER BY s.metric, r.bucket_ts"
    )
    grouped: dict = defaultdict(lambda: ([], []))
    with store.engine.connect() as conn:
        for row in conn.execute(sql, {"t": target, "a": start, "b": end}):
            ts, values = grouped[(row.metric, row.label)]
            ts.append(row.bucket_ts)
            values.append(row.avg)
    return {k: (np.array(ts, dtype=float), np.array(v)) for k, (ts, v) in grouped.items()}


def time_naive(store: Store, now: float, rounds: int = 20) -> list[float]:
    times = []
    for i in range(rounds):
        started = time.perf_counter()
        naive_host_history(store, f"host-{i % HOSTS:02d}", now - 86400, now)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached 30-day store")
    args = parser.parse_args()
    if args.rebuild:
        for p in BENCH.glob("store-*"):
            p.unlink()
    with tempfile.TemporaryDirectory(dir=BENCH if BENCH.exists() else None) as tmp:
        ingest = bench_ingest(Path(tmp))
        naive_ingest = bench_naive_ingest(Path(tmp))
    path, now, build_s = cached_store()
    store = Store(f"sqlite:///{path}")
    try:
        store.host_history("host-00", now - 86400, now, now=now)  # warm the page cache
        times, points = time_host_history(store, now)
        naive = time_naive(store, now)
        size = store.size_bytes()
    finally:
        store.close()
    print(json.dumps({
        "benchmark": "store",
        "ingest_samples_per_s": round(ingest),
        "naive_ingest_commit_per_sample_per_s": round(naive_ingest),
        "ingest_speedup": round(ingest / naive_ingest, 1),
        "host_24h_query_ms_p50": round(statistics.median(times), 2),
        "host_24h_query_ms_p95": round(percentile(times, 95), 2),
        "host_24h_points": points,
        "naive_host_24h_query_ms_p50": round(statistics.median(naive), 2),
        "store_hosts": HOSTS,
        "store_series": HOSTS * len(METRICS),
        "store_days": DAYS,
        "store_bytes": size,
        "build_s": round(build_s, 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
