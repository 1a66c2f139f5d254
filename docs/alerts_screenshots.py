"""Screenshots of the Alerts page on real parts: alerts written into a fresh store by the real
alert service (a host that stopped answering, a refused login acknowledged with a comment, a
full disk under a silence, one resolved; the mail to a local port nobody listens on waits and
says why), then drawn by `erpconsole screenshot` from the real window; and its Incidents tab:
an incident opened from two of them by the shell's own command, with a query cancelled on the
database while it lasted, and an older one closed with its cause, fix and follow-ups.

    .venv/bin/python docs/alerts_screenshots.py
    .venv/bin/python docs/alerts_screenshots.py --size 1920x1080 --out /tmp/wall   # the wall display
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

# What this script draws into docs/screenshots/ (tests/test_readme_pictures.py reads it).
PICTURES = ("alerts.png", "alerts-light.png", "incidents.png", "incidents-light.png")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from erpconsole.config import load_inventory  # noqa: E402
from shots import arguments, shoot  # noqa: E402
from erpconsole.services.alerts.service import AlertService  # noqa: E402
from erpconsole.services.incidents.commands import act as incident  # noqa: E402
from erpconsole.services.incidents.store import IncidentStore  # noqa: E402
from erpconsole.services.store.audit import AuditTrail  # noqa: E402
from erpconsole.services.models import Finding, Health, Severity, TargetStatus  # noqa: E402
from erpconsole.services import checks  # noqa: E402
from erpconsole.services.notify.outbox import deliver_due  # noqa: E402
from erpconsole.services.secrets import SecretStore  # noqa: E402
from erpconsole.services.store import Store  # noqa: E402

# Closed ports on loopback: the console's own polls find these hosts unreachable, as the
# alerts say; nothing leaves the machine.
INVENTORY = """[local]
enabled = false

[[hosts]]
name = "erp-app-1"
address = "127.0.0.1"
port = 1
tags = ["prod"]

[[hosts]]
name = "erp-app-2"
address = "127.0.0.1"
port = 1
tags = ["prod"]

[[hosts]]
name = "erp-report"
address = "127.0.0.1"
port = 1
tags = ["reporting"]

[[hosts]]
name = "erp-db-1"
address = "127.0.0.1"
port = 1
tags = ["prod"]

[[channels]]                          # nobody listens on this port: the mail waits, and says why
name = "oncall-mail"
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = 1
tls = "none"
from = "erpconsole@example.org"
to = ["oncall@example.org"]

[[routes]]
severity = "critical"
channels = ["oncall-mail"]

[[people]]
name = "anna"
email = "anna@example.org"

[[people]]
name = "li.wei"
email = "li.wei@example.org"

[oncall]
time_zone = "UTC"
start = 2026-11-30
handover = "monday 09:00"
people = ["anna", "li.wei"]
"""


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _status(target: str, health: Health, message: str = "", findings=()) -> TargetStatus:
    return TargetStatus(target, "host", health, message, 5.0, findings=tuple(findings))


def main() -> None:
    out, size = arguments(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        inv_path = folder / "inventory.toml"
        inv_path.write_text(INVENTORY, encoding="utf-8")
        store_url = f"sqlite:///{folder / 'store.db'}"
        store = Store(store_url)
        now = time.time()
        clock = Clock(now - 3 * 3600)
        service = AlertService(store.engine, load_inventory(inv_path), clock=clock)
        assert service.take_lock()
        disk = Finding(Severity.CRITICAL, "erp-app-2", checks.DISK_USED, "disk / 96% used (critical at 95%)")
        report_disk = Finding(Severity.CRITICAL, "erp-report", checks.DISK_USED, "disk /var 97% used (critical at 95%)")
        steps = [
            (now - 3 * 3600, [_status("erp-report", Health.OK, findings=[report_disk])]),
            (now - 2 * 3600, [_status("erp-report", Health.OK)]),
            (now - 95 * 60, [_status("erp-app-2", Health.OK, findings=[disk])]),
            (now - 52 * 60, [_status("erp-app-1", Health.AUTH_FAILED, "Authentication failed for erpops")]),
            (now - 7 * 60, [_status("erp-db-1", Health.UNREACHABLE, "connection refused")]),
        ]
        for when, statuses in steps:  # each held over two polls: it fires (or resolves)
            for delta in (0.0, 5.0, 10.0):
                clock.now = when + delta
                for s in statuses:
                    service.observe(s)
        clock.now = now
        by_target = {r.target: r for r in service.store.alerts()}
        resolved = {r.target: r for r in service.store.alerts(True) if r.state == "resolved"}
        service.store.ack(by_target["erp-app-1"].id, "anna@erp-ops", "key rotated this morning: "
                          "putting the new one in keyring", now - 40 * 60)
        service.store.add_silence("erp-app-2", None, now - 30 * 60, now + 90 * 60,
                                  "log cleanup running, done by 15:00", "li.wei@erp-ops", now - 30 * 60)
        service.tick(now)  # the silence takes hold, as the service's thread does every second
        service.stop()
        inv = load_inventory(inv_path)
        deliver_due(store.engine, inv.channels, SecretStore(), clock=lambda: now + 1)  # refused: it waits
        _incidents(store, {**resolved, **by_target})
        store.close()
        shoot(out, size, "alerts", inv_path, store_url)
        shoot(out, size, "alerts/incidents", inv_path, store_url, name="incidents")


def _incidents(store: Store, by_target: dict) -> None:
    """Through the shell's own acts (audited as they are): the disk that filled two hours ago,
    closed; the login refused and the database down, open, with what was done meanwhile."""
    incidents = IncidentStore(store.engine)
    code, _out, err = incident(incidents, "open", alert_ids=[by_target["erp-report"].id],
                               title="erp-report /var full")
    assert code == 0, err
    code, _out, err = incident(incidents, "close", incident_id="1", cause="month-end export left 40 GB in /var/tmp",
                               fix="export files moved to the archive share",
                               follow_up=["alert at 85%", "export writes to the archive share"])
    assert code == 0, err
    AuditTrail(store.engine).append("db.cancel", "erp-db-1", {"pid": 48213, "query": "month-end stock valuation"},
                                    actor="li.wei@erp-ops")
    code, _out, err = incident(incidents, "open", alert_ids=[by_target["erp-db-1"].id, by_target["erp-app-1"].id],
                               title="ERP logins fail: database down")
    assert code == 0, err


if __name__ == "__main__":
    main()
