"""The Alerts page opening the history of 10,000 resolved alerts: written through their
transitions by the real AlertService into a SQLite store, read by the page's real bridge on the
store's reader thread and shown in its table (offscreen). Times from the history box ticked to
the last row in the table, the first opening (columns fitted) and the later ones.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/alerts_page.py [--alerts 10000] [--runs 7]

Prints one JSON line.
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
sys.path.insert(0, str(REPO / "benchmarks"))

from PySide6.QtWidgets import QApplication  # noqa: E402

from alerts import _inventory  # noqa: E402
from erpconsole.config import Inventory  # noqa: E402
from erpconsole.services.alerts import engine as ev  # noqa: E402
from erpconsole.services.alerts.service import AlertService  # noqa: E402
from erpconsole.services.monitor import Monitor  # noqa: E402
from erpconsole.services.store import Store  # noqa: E402
from erpconsole.ui.alerts.alerts_page import AlertsPage  # noqa: E402
from erpconsole.ui.alerts.bridge import AlertsBridge  # noqa: E402
from erpconsole.ui.common.bridge_base import StoreReader  # noqa: E402


def _write(store: Store, count: int) -> None:
    service = AlertService(store.engine, _inventory(1))
    assert service.take_lock()
    rule = next(r for r in service.rules if r.name == "target_down")
    batch = []
    for i in range(count):
        since = time.time() - 86400 * 30 + i * 60
        tr = ev.Tracked(rule, "h000", ev.alert_id(rule.name, "h000", since), since, "critical",
                        "h000: unreachable", "unreachable", since)
        batch += [ev.Transition(ev.PENDING, tr, since), ev.Transition(ev.FIRING, tr, since + 10),
                  ev.Transition(ev.RESOLVED, tr, since + 40)]
        if len(batch) >= 300:
            service._write(batch, since)
            batch = []
    if batch:
        service._write(batch, since)
    service.stop()


def _until(app: QApplication, done, deadline_s: float = 30.0) -> None:
    end = time.monotonic() + deadline_s
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the page did not show the rows in time")
        app.processEvents()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--alerts", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=7)
    args = p.parse_args()
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="bench-alerts-page-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'store.sqlite3'}")
        _write(store, args.alerts)
        reader = StoreReader()
        bridge = AlertsBridge(Monitor(Inventory()), reader)
        reader.attach_store(store)
        page = AlertsPage(bridge)
        page.resize(1400, 800)
        page.show()
        times = []
        for _run in range(args.runs):
            page.history.setChecked(False)
            _until(app, lambda: page.model.rowCount() == 0)
            start = time.perf_counter()
            page.history.setChecked(True)
            _until(app, lambda: page.model.rowCount() == args.alerts)
            app.processEvents()
            times.append((time.perf_counter() - start) * 1000)
        reader.shutdown()
        bridge.shutdown()
        store.close()
    later = sorted(times[1:])
    print(json.dumps({"benchmark": "alerts_page", "resolved_alerts": args.alerts, "first_open_ms": round(times[0]),
                      "open_ms_p50": round(statistics.median(later)),
                      "open_ms_max": round(later[-1]), "target_ms": 300,
                      "load1": round(os.getloadavg()[0], 2)}))


if __name__ == "__main__":
    main()
