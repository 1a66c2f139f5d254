"""``erpconsole incidents ...`` as a person runs it from the shell: a real subprocess against a
real store holding two alerts the real alert service fired and an action in the audit trail.
The incident's timeline shows both alerts, the acknowledgement and the action; closing it
without cause, fix and follow-ups is refused; the figures give its TTA and TTR."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from erpconsole.config import load_inventory
from erpconsole.services.alerts.service import AlertService
from erpconsole.services.models import Health
from erpconsole.services.store.audit import AuditTrail
from erpconsole.services.store.db import make_engine, migrate
from tests.services.alerts.conftest import INVENTORY, Clock, status
from tests.test_cli import run

TWO_HOSTS = INVENTORY + """
[[hosts]]
name = "erp-db-1"
address = "127.0.0.2"
"""


@pytest.fixture
def fired(tmp_path: Path) -> tuple[str, list[str]]:
    """(store URL, ids of two firing alerts, on erp-app-1 and erp-db-1, fired ten minutes ago)."""
    inv = tmp_path / "inv.toml"
    inv.write_text(TWO_HOSTS, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    service = AlertService(engine, load_inventory(inv), clock=Clock(time.time() - 600))
    try:
        assert service.take_lock()
        for _round in range(2):
            service.observe(status(Health.UNREACHABLE))
            service.observe(status(Health.UNREACHABLE, target="erp-db-1"))
            service.clock.advance(5)
        rows = service.store.alerts()
        AuditTrail(engine).append("host.service_restart", "erp-app-1", {"service": "erp-api"},
                                  actor="anna@desk", ts=time.time() - 300)
    finally:
        service.stop()
        engine.dispose()
    assert {r.target for r in rows} == {"erp-app-1", "erp-db-1"} and all(r.state == "firing" for r in rows)
    return url, sorted(r.id for r in rows)


def _json(*args: str):
    done = run(*args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_open_show_close_and_figures(fired) -> None:
    url, (first, second) = fired
    assert run("alerts", "ack", first, "--comment", "looking at the API", "--store", url).returncode == 0
    opened = run("incidents", "open", first, second, "--title", "ERP down", "--store", url)
    assert opened.returncode == 0, opened.stderr
    assert "incident 1 opened with 2 alerts" in opened.stdout

    shown = _json("incidents", "show", "1", "--store", url)
    assert (shown["state"], shown["alerts"], shown["targets"]) == ("open", [first, second],
                                                                  ["erp-app-1", "erp-db-1"])
    texts = [(e["source"], e["target"], e["text"]) for e in shown["timeline"]]
    fired_lines = [t for t in texts if t[0] == "alert" and " fired: " in t[2]]
    assert {t[1] for t in fired_lines} == {"erp-app-1", "erp-db-1"}
    assert any(s == "note" and "acknowledged: looking at the API" in t for s, _t, t in texts)
    assert [t for t in texts if t[0] == "audit"] == [
        ("audit", "erp-app-1", 'host.service_restart {"service":"erp-api"}')]
    assert [e["ts"] for e in shown["timeline"]] == sorted(e["ts"] for e in shown["timeline"])
    assert shown["tta_s"] is not None and shown["ttr_s"] is None  # acknowledged, not repaired

    refused = run("incidents", "close", "1", "--cause", "disk full", "--store", url)
    assert refused.returncode == 3
    assert "--fix" in refused.stderr and "--follow-up" in refused.stderr
    assert _json("incidents", "list", "--store", url)[0]["state"] == "open"

    closed = run("incidents", "close", "1", "--cause", "disk full", "--fix", "logs rotated", "--follow-up",
                 "alert at 85%", "--follow-up", "logrotate daily", "--store", url)
    assert closed.returncode == 0, closed.stderr
    [row] = _json("incidents", "list", "--store", url)
    assert (row["state"], row["cause"], row["fix"], row["follow_ups"]) == (
        "closed", "disk full", "logs rotated", "alert at 85%\nlogrotate daily")
    again = run("incidents", "close", "1", "--cause", "x", "--fix", "y", "--follow-up", "z", "--store", url)
    assert again.returncode == 3 and "already closed" in again.stderr

    figures = {r["target"]: r for r in _json("incidents", "figures", "--store", url)}
    assert figures["erp-app-1"]["incidents"] == 1 and figures["erp-app-1"]["by_severity"] == {"critical": 1}
    assert figures["erp-app-1"]["mtta_s"] == pytest.approx(shown["tta_s"])
    table = run("incidents", "figures", "--store", url)
    assert table.returncode == 0 and "erp-db-1" in table.stdout and "MTTA" in table.stdout


def test_bad_input_says_what_to_do(fired) -> None:
    url, (first, _second) = fired
    unknown = run("incidents", "open", first, "no-such-alert", "--title", "x", "--store", url)
    assert unknown.returncode == 3 and "no alert no-such-alert" in unknown.stderr
    assert _json("incidents", "list", "--store", url) == []
    month = run("incidents", "figures", "--month", "2026-13", "--store", url)
    assert month.returncode == 3 and "2026-12" in month.stderr
    missing = run("incidents", "show", "7", "--store", url)
    assert missing.returncode == 3 and "incidents list" in missing.stderr


def test_open_from_a_targets_active_alerts(fired) -> None:
    url, ids = fired
    shown = {r["id"]: r["target"] for r in json.loads(run("alerts", "list", "--store", url, "--format",
                                                          "json").stdout)}
    opened = run("incidents", "open", "--target", "erp-db-1", "--title", "database down", "--store", url)
    assert opened.returncode == 0, opened.stderr
    [row] = _json("incidents", "list", "--store", url)
    assert row["alerts"] == [i for i in ids if shown[i] == "erp-db-1"] and row["targets"] == ["erp-db-1"]
    none = run("incidents", "open", "--target", "erp-mail", "--title", "x", "--store", url)
    assert none.returncode == 3 and "erp-mail has no active alert" in none.stderr
    bare = run("incidents", "open", "--title", "x", "--store", url)
    assert bare.returncode == 3 and "--target NAME" in bare.stderr
