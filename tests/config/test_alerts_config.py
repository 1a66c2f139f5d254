"""The inventory's alerting part: what it accepts, and each refusal with its FILE:LINE."""

from __future__ import annotations

from pathlib import Path

import pytest

from erpconsole.config import InventoryError, load_inventory
from erpconsole.services.alerts.rules import compile_rules

from .test_loader import refused, write

HOST = '[[hosts]]\nname = "erp-app-1"\naddress = "10.0.0.5"\ntags = ["prod"]\n\n'


def test_the_issue_s_example_reads(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, HOST + """
[alerts]
for_s = 10
clear_s = 10
escalate_after_s = 900
repeat_s = 3600
warn = false

[[routes]]
severity = "critical"
channels = ["oncall-mail", "hook"]
escalate_to = ["lead-dingtalk"]

[[rules]]
name = "disk_used"
severity = "critical"
for_s = 60
tags = ["prod"]

[[rules]]
name = "slow_link"
metric = "net.latency_ms"
threshold = 200
targets = ["erp-app-1"]

[[maintenance]]
tag = "prod"
every = "sunday 02:00-04:00"
reason = "patch window"

[[channels]]
name = "oncall-mail"
kind = "email"
smtp_host = "127.0.0.1"
tls = "none"
from = "erpconsole@example.org"
to = ["oncall@example.org"]

[[channels]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:8099/alerts"

[[channels]]
name = "lead-dingtalk"
kind = "dingtalk"
"""))
    a = inv.alerts
    assert (a.for_s, a.clear_s, a.escalate_after_s, a.repeat_s, a.warn) == (10, 10, 900, 3600, False)
    assert a.routes[0].channels == ("oncall-mail", "hook") and a.routes[0].escalate_to == ("lead-dingtalk",)
    (window,) = a.maintenance
    assert (window.weekday, window.start_min, window.end_min) == (6, 120, 240)
    rules = {r.name: r for r in compile_rules(inv)}
    assert (rules["disk_used"].severity, rules["disk_used"].for_s) == ("critical", 60)
    assert (rules["slow_link"].kind, rules["slow_link"].threshold) == ("metric", 200)
    assert rules["target_down"].states == {"unreachable", "hostkey_mismatch", "auth_failed"}


def test_a_rule_naming_a_target_or_tag_that_does_not_exist(tmp_path: Path) -> None:
    err = refused(tmp_path, HOST + '[[rules]]\nname = "disk_used"\ntargets = ["erp-app-9"]\n')
    assert err.line == 8 and 'target "erp-app-9" is not in this inventory' in err.message
    err = refused(tmp_path, HOST + '[[rules]]\nname = "disk_used"\ntags = ["qa"]\n')
    assert err.line == 8 and 'tag "qa"' in err.message


@pytest.mark.parametrize(("rule", "said"), [
    ('name = "x"\nmetric = "disk.used_procent"\nthreshold = 90\n', 'metric "disk.used_procent" does not exist'),
    ('name = "x"\ncheck = "disk_full"\n', 'check "disk_full" does not exist'),
    ('name = "x"\n', "needs check"),
])
def test_a_rule_naming_a_check_or_metric_that_does_not_exist(tmp_path: Path, rule: str, said: str) -> None:
    path = write(tmp_path, HOST + "[[rules]]\n" + rule)
    with pytest.raises(InventoryError) as info:
        compile_rules(load_inventory(path))
    assert info.value.line == 6 and said in info.value.message
    assert str(info.value).startswith(f"{path}:6: ")


def test_a_maintenance_window_without_an_end_is_refused(tmp_path: Path) -> None:
    err = refused(tmp_path, HOST + '[[maintenance]]\ntag = "prod"\nfrom = 2026-12-06T02:00:00\nreason = "x"\n')
    assert err.line == 6 and "has an end" in err.message
    err = refused(tmp_path, HOST + '[[maintenance]]\ntarget = "erp-app-1"\nevery = "sunday 02:00"\nreason = "x"\n')
    assert err.line == 8 and "sunday 02:00-04:00" in err.message


def test_a_route_must_send_somewhere(tmp_path: Path) -> None:
    err = refused(tmp_path, HOST + '[[routes]]\nseverity = "critical"\n')
    assert err.line == 6 and "sends nowhere" in err.message
    err = refused(tmp_path, HOST + '[[routes]]\nseverity = "fatal"\nchannels = ["m"]\n')
    assert err.line == 7 and "severity must be one of warning, critical" in err.message
