"""From a condition that has held for for_s to the mail accepted by a local SMTP server: the
real AlertService fires (one outbox row, same transaction), the real sender loop delivers it to
aiosmtpd on loopback. Timed from the observe() call that fires the alert to the server's
DATA accepted, over --alerts alerts; with the loop passing every 0.25 s as the console runs it,
and with the alerts service waking it (``OutboxSender.wake``) for comparison.

    .venv/bin/python benchmarks/notify.py [--alerts 40]

Prints one JSON line (p50 / p95 / max in ms, and the load average).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from aiosmtpd.controller import Controller  # noqa: E402

from erpconsole.config import load_inventory  # noqa: E402
from erpconsole.services.alerts.service import AlertService  # noqa: E402
from erpconsole.services.models import Health, TargetStatus  # noqa: E402
from erpconsole.services.notify.outbox import OutboxSender  # noqa: E402
from erpconsole.services.secrets import SecretStore  # noqa: E402
from erpconsole.services.store.db import make_engine, migrate  # noqa: E402

INVENTORY = """
[[hosts]]
name = "erp-app-1"
address = "127.0.0.1"

[alerts]
for_s = 10
clear_s = 10

[[channels]]
name = "mail"
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {port}
tls = "none"
from = "erpconsole@example.org"
to = ["oncall@example.org"]

[[routes]]
channels = ["mail"]
"""


class Inbox:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.arrived: list[float] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.cond:
            self.arrived.append(time.monotonic())
            self.cond.notify_all()
        return "250 OK"

    def wait(self, count: int, timeout_s: float = 30.0) -> float:
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.arrived) >= count, timeout_s):
                raise TimeoutError(f"mail {count} not accepted within {timeout_s} s")
            return self.arrived[count - 1]


class Clock:
    """The rules' clock, an hour behind: each alert's for_s passes at once, its rows are due."""

    def __init__(self) -> None:
        self.now = time.time() - 3600

    def __call__(self) -> float:
        return self.now


def status(health: Health) -> TargetStatus:
    return TargetStatus("erp-app-1", "host", health, "connection refused" if health.is_failure else "", 5.0)


def run(folder: Path, alerts: int, woken: bool) -> list[float]:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    path = folder / f"inv-{woken}.toml"
    path.write_text(INVENTORY.format(port=port))
    inventory = load_inventory(path)
    engine = make_engine(f"sqlite:///{folder / f'store-{woken}.db'}")
    migrate(engine)
    clock = Clock()
    service = AlertService(engine, inventory, clock=clock)
    service.take_lock()
    sender = OutboxSender(engine, inventory.channels, SecretStore(), active=lambda: service.evaluating)
    sender.start()
    latencies, mails = [], 0
    try:
        for _ in range(alerts):
            service.take_lock()  # what the service's own tick does: renews the lease on its clock
            service.observe(status(Health.UNREACHABLE))
            clock.now += 11
            started = time.monotonic()
            service.observe(status(Health.UNREACHABLE))  # held for for_s: fires, writes the row
            if woken:
                sender.wake()
            mails += 1
            latencies.append((inbox.wait(mails) - started) * 1000)
            service.observe(status(Health.OK))
            clock.now += 11
            service.observe(status(Health.OK))  # resolves: one more mail
            mails += 1
            inbox.wait(mails)
            clock.now += 1
    except TimeoutError:
        for row in service.store.outbox():
            print(row, file=sys.stderr)
        raise
    finally:
        sender.stop()
        service.stop()
        controller.stop()
        engine.dispose()
    return latencies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--alerts", type=int, default=40)
    args = p.parse_args()
    out: dict = {"benchmark": "notify", "alerts": args.alerts}
    with tempfile.TemporaryDirectory(prefix="bench-notify-") as tmp:
        for name, woken in (("polled", False), ("woken", True)):
            ms = run(Path(tmp), args.alerts, woken)
            out[f"condition_to_mail_{name}_ms"] = {"p50": _pct(ms, 0.5), "p95": _pct(ms, 0.95),
                                                   "max": round(max(ms), 1)}
    out["load1"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
