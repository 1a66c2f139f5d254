"""``erpconsole alerts ...`` as a person runs it from the shell: a real subprocess against a real
store holding an alert the real service fired. The JSON keys are the issue's contract."""

from __future__ import annotations

import getpass
import json
import socket
from pathlib import Path

import pytest

from erpconsole.config import load_inventory
from erpconsole.services.alerts.service import AlertService
from erpconsole.services.models import Health
from erpconsole.services.store.db import make_engine, migrate
from tests.services.alerts.conftest import INVENTORY, Clock, status
from tests.test_cli import run

CONTRACT_KEYS = {"id", "rule", "target", "severity", "state", "summary", "started_at", "resolved_at",
                 "acked_by", "acked_at", "comment"}
ME = f"{getpass.getuser()}@{socket.gethostname()}"


@pytest.fixture
def fired(tmp_path: Path) -> tuple[str, str]:
    """(store URL, id of a firing alert)."""
    inv = tmp_path / "inv.toml"
    inv.write_text(INVENTORY, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    service = AlertService(engine, load_inventory(inv), clock=Clock())
    try:
        assert service.take_lock()
        service.observe(status(Health.UNREACHABLE))
        service.clock.advance(5)
        service.observe(status(Health.UNREACHABLE))
        [row] = service.store.alerts()
    finally:
        service.stop()
        engine.dispose()
    return url, row.id


def _list(url: str, *more: str) -> list[dict]:
    done = run("alerts", "list", "--store", url, "--format", "json", *more)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_list_ack_unack_as_the_contract_says(fired) -> None:
    url, alert_id = fired
    [alert] = _list(url)
    assert CONTRACT_KEYS <= set(alert)
    assert (alert["id"], alert["state"], alert["rule"], alert["target"]) == (
        alert_id, "firing", "target_down", "erp-app-1")
    table = run("alerts", "list", "--store", url)
    assert table.returncode == 0 and alert_id in table.stdout and "firing" in table.stdout
    # The service that fired it stopped (and gave its lease up): the list says nobody keeps it.
    assert "no console or agent evaluates the rules for this store now" in table.stdout

    done = run("alerts", "ack", alert_id, "--comment", "restarting sshd", "--store", url)
    assert done.returncode == 0, done.stderr
    [alert] = _list(url)
    assert (alert["state"], alert["acked_by"], alert["comment"]) == ("acknowledged", ME, "restarting sshd")
    assert alert["acked_at"] > 0

    assert run("alerts", "unack", alert_id, "--store", url).returncode == 0
    audit = run("audit", "list", "--store", url)
    assert audit.returncode == 0, audit.stderr
    [ack_line] = [ln for ln in audit.stdout.splitlines() if "alert.ack" in ln]
    assert ME in ack_line and "erp-app-1" in ack_line and "restarting sshd" in ack_line
    assert any("alert.unack" in ln for ln in audit.stdout.splitlines())
    [alert] = _list(url)
    assert (alert["state"], alert["acked_by"]) == ("firing", None)


def test_an_unknown_id_says_where_to_find_ids(fired) -> None:
    url, _id = fired
    done = run("alerts", "ack", "nosuchalert", "--comment", "x", "--store", url)
    assert done.returncode == 3
    assert "no alert nosuchalert" in done.stderr and "alerts list --all" in done.stderr


def test_silence_has_an_end_and_unsilence_ends_it(fired) -> None:
    url, _id = fired
    for bad in ("forever", "0m", "", "365d"):
        done = run("alerts", "silence", "--tag", "prod", "--for", bad, "--comment", "patching", "--store", url)
        assert done.returncode == 3, bad
        assert "--for:" in done.stderr
    done = run("alerts", "silence", "--target", "erp-app-1", "--for", "2h", "--comment", "patching",
               "--store", url)
    assert done.returncode == 0, done.stderr
    silence_id = done.stdout.split()[1].rstrip(":")
    assert run("alerts", "unsilence", silence_id, "--store", url).returncode == 0
    again = run("alerts", "unsilence", silence_id, "--store", url)
    assert again.returncode == 3 and "no active silence" in again.stderr
    both = run("alerts", "silence", "--target", "a", "--tag", "b", "--for", "1h", "--comment", "x", "--store", url)
    assert both.returncode == 3 and "not allowed with" in both.stderr  # one of --target or --tag


def test_no_store_yet_is_said_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite3"
    done = run("alerts", "list", "--store", f"sqlite:///{missing}")
    assert done.returncode == 3 and "no store at" in done.stderr
    assert not missing.exists()


def test_a_rule_on_a_metric_that_does_not_exist_is_refused_at_load(tmp_path: Path) -> None:
    inv = tmp_path / "inv.toml"
    inv.write_text('[[rules]]\nname = "hot"\nmetric = "cpu.procent"\nthreshold = 90\n', encoding="utf-8")
    done = run("inspect", "--inventory", str(inv))
    assert done.returncode == 3
    assert f"{inv}:1: " in done.stderr and 'metric "cpu.procent" does not exist' in done.stderr


def test_the_list_names_the_process_that_keeps_it_up_to_date(fired, tmp_path: Path) -> None:
    url, _id = fired
    inv = tmp_path / "inv.toml"
    engine = make_engine(url)
    service = AlertService(engine, load_inventory(inv), holder="ops@noc-1:4242")
    try:
        assert service.take_lock()
        done = run("alerts", "list", "--store", url)
        assert done.returncode == 0 and "rules evaluated by ops@noc-1:4242" in done.stdout
    finally:
        service.stop()
        engine.dispose()
