"""Alert rules at fleet size: client CPU per round of 500 targets x 30 rules through the real
AlertService (a SQLite store, steady state: a few targets firing, the rest fine), beside the
same round that builds every (rule, target) condition naively; and 10,000 alerts written
through their transitions and read back as the Alerts page and ``alerts list --all`` read them.

    .venv/bin/python benchmarks/alerts.py [--targets 500] [--rounds 200] [--alerts 10000]

Prints one JSON line. The time from a condition to a mail accepted by an SMTP server is the
notify sender's figure (it reads the outbox rows this writes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from erpconsole.config import HostConfig, Inventory, LocalConfig  # noqa: E402
from erpconsole.config.alerts_models import AlertsConfig, RouteConfig, RuleConfig  # noqa: E402
from erpconsole.services.alerts import engine as ev  # noqa: E402
from erpconsole.services.alerts.service import AlertService  # noqa: E402
from erpconsole.services.models import Finding, Health, Severity, TargetStatus  # noqa: E402
from erpconsole.services.store.db import make_engine, migrate  # noqa: E402

# Eight metric rules on top of the built-in ones: 30 in all.
EXTRA = tuple(RuleConfig(name=f"metric_{i}", metric=m, threshold=t) for i, (m, t) in enumerate([
    ("cpu.percent", 95), ("mem.percent", 95), ("swap.percent", 50), ("load.1", 64),
    ("net.latency_ms", 500), ("net.loss_percent", 5), ("disk.used_percent", 98), ("uptime.s", 1e12)]))


def _inventory(n: int) -> Inventory:
    hosts = tuple(HostConfig(name=f"h{i:03}", address="127.0.0.1", tags=("prod",) if i % 2 else ("qa",))
                  for i in range(n))
    return Inventory(local=LocalConfig(enabled=False), hosts=hosts, alerts=AlertsConfig(
        rules=EXTRA, routes=(RouteConfig(channels=("mail", "hook")),)))


def _statuses(n: int) -> list[TargetStatus]:
    out = []
    for i in range(n):
        name = f"h{i:03}"
        if i % 50 == 0:  # 2%: down
            out.append(TargetStatus(name, "host", Health.UNREACHABLE, "connection refused", 5.0))
            continue
        findings = (Finding(Severity.CRITICAL, name, "disk_used", "disk / at 97% (critical over 95%)"),) \
            if i % 25 == 1 else (Finding(Severity.WARNING, name, "mem_used", "memory at 91%"),) if i % 3 == 0 else ()
        out.append(TargetStatus(name, "host", Health.OK, "", 5.0, findings=findings))
    return out


def _naive_round(rules, statuses, warn: bool) -> None:
    """What a round costs when every (rule, target) pair is judged on its own."""
    for st in statuses:
        for rule in rules:
            if rule.applies_to(st.target, ()):
                ev.conditions(st, (rule,), warn)


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def bench_rounds(n: int, rounds: int, folder: Path) -> dict:
    engine = make_engine(f"sqlite:///{folder / 'rounds.sqlite3'}")
    migrate(engine)
    inv = _inventory(n)
    service = AlertService(engine, inv)
    assert service.take_lock()
    statuses = _statuses(n)
    for _warm in range(3):  # the steady state: the down and full ones are firing
        for st in statuses:
            service.observe(st)
    cpu = []
    for _r in range(rounds):
        t = time.process_time()
        for st in statuses:
            service.observe(st)
        cpu.append((time.process_time() - t) * 1000)
    naive = []
    for _r in range(max(5, rounds // 20)):
        t = time.process_time()
        _naive_round(service.rules, statuses, False)
        naive.append((time.process_time() - t) * 1000)
    firing = len(service.store.alerts())
    service.stop()
    engine.dispose()
    return {"targets": n, "rules": len(service.rules), "rounds": rounds, "firing": firing,
            "round_cpu_ms_p50": round(statistics.median(cpu), 3), "round_cpu_ms_p95": round(_pct(cpu, 0.95), 3),
            "naive_round_cpu_ms_p50": round(statistics.median(naive), 3), "target_ms": 5.0}


def bench_store(count: int, folder: Path) -> dict:
    """``count`` alerts, each pending, firing (two outbox rows) and resolved (two more)."""
    engine = make_engine(f"sqlite:///{folder / 'store.sqlite3'}")
    migrate(engine)
    service = AlertService(engine, _inventory(1))
    assert service.take_lock()
    rule = next(r for r in service.rules if r.name == "target_down")
    t0 = time.perf_counter()
    batch = []
    for i in range(count):
        since = 1_700_000_000.0 + i * 60
        tr = ev.Tracked(rule, "h000", ev.alert_id(rule.name, "h000", since), since, "critical",
                        "h000: unreachable", "unreachable", since)
        batch += [ev.Transition(ev.PENDING, tr, since), ev.Transition(ev.FIRING, tr, since + 10),
                  ev.Transition(ev.RESOLVED, tr, since + 40)]
        if len(batch) >= 300:
            service._write(batch, since)
            batch = []
    if batch:
        service._write(batch, since)
    write_s = time.perf_counter() - t0
    reads = []
    for _r in range(5):
        t = time.perf_counter()
        rows = service.store.alerts(include_resolved=True)
        reads.append((time.perf_counter() - t) * 1000)
    assert len(rows) == count and all(r.state == "resolved" for r in rows)
    outbox = len(service.store.outbox())
    service.stop()
    engine.dispose()
    return {"alerts": count, "transitions": 3 * count, "outbox_rows": outbox,
            "write_transitions_per_s": round(3 * count / write_s), "read_all_ms_p50": round(statistics.median(reads), 1),
            "read_target_ms": 300}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--targets", type=int, default=500)
    p.add_argument("--rounds", type=int, default=200)
    p.add_argument("--alerts", type=int, default=10_000)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as tmp:
        out = {"benchmark": "alerts", **bench_rounds(args.targets, args.rounds, Path(tmp)),
               **bench_store(args.alerts, Path(tmp)), "load1": round(os.getloadavg()[0], 2)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
