"""Each host metric is declared once; samples, checks, inspect's JSON and the charts read it."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from erpconsole.services import checks, metrics
from erpconsole.services.metrics import HOST_METRICS, Kind
from erpconsole.services.models import DiskUsage, HostSnapshot, Temperature, Thresholds

# The host "metrics" keys of inspect's JSON as DESIGN.md (Contracts) fixes them, in order, then
# the ones added since (loss, issue 15).
CONTRACT_KEYS = ["cpu_percent", "mem_percent", "swap_percent", "load1", "uptime_s", "disks",
                 "net_rx_bps", "net_tx_bps", "latency_ms", "loss_percent", "loss_probes"]


def full_snapshot() -> HostSnapshot:
    return HostSnapshot(
        "erp-app-1", 1000.0, cpu_percent=12.5, cpu_per_core=(10.0, 15.0), cpu_count=2,
        load=(0.5, 0.25, 0.125), mem_percent=40.0, swap_percent=1.5, uptime_s=3600.0,
        disks=(DiskUsage("/", 50.0, 100, 50), DiskUsage("/var", 91.0, 100, 91)),
        disk_read_bps=100.0, disk_write_bps=200.0, net_rx_bps=300.0, net_tx_bps=400.0,
        latency_ms=0.75, loss_percent=0.0, loss_probes=100, temperatures=(Temperature("Package id 0", 45.0),))


@pytest.mark.parametrize("m", HOST_METRICS, ids=lambda m: m.name)
def test_every_declaration_is_complete(m):
    assert m.name and m.label and isinstance(m.kind, Kind)
    assert (m.read is None) != (m.each is None), "read one way: a value, or one per label"
    assert bool(m.per) == (m.each is not None), "a metric per label names what the label is"
    assert not m.json_list or (m.per and m.json_key)
    assert m.label_for("x") and "{" not in m.label_for("x")
    if m.legend:
        assert "{" not in m.legend_for("x")
    if m.unit == "%":
        assert m.y_range == (0.0, 100.0), "a percentage is drawn on a fixed 0-100 axis"
    if m.unit.endswith("/s"):
        assert m.kind is Kind.RATE
    if m.limits is not None:
        assert m.limits.warning < m.limits.critical


def test_names_are_unique():
    names = [m.name for m in HOST_METRICS]
    assert len(names) == len(set(names))
    assert metrics.metric("mem.percent").name == "mem.percent"
    with pytest.raises(KeyError, match="no host metric 'mem.pct'"):
        metrics.metric("mem.pct")
    with pytest.raises(KeyError, match="no limits"):
        metrics.limits("swap.percent")


def test_default_limits_equal_the_inventorys_thresholds():
    """The config layer cannot import services, so Thresholds keeps the numbers too: the two
    must agree, and every threshold the inventory takes belongs to one declaration."""
    defaults = Thresholds()
    claimed: list[str] = []
    for m in metrics.limited():
        assert getattr(defaults, m.limits.warning_field) == m.limits.warning, m.name
        assert getattr(defaults, m.limits.critical_field) == m.limits.critical, m.name
        claimed += [m.limits.warning_field, m.limits.critical_field]
    assert sorted(claimed) == sorted(f.name for f in fields(Thresholds))


def test_the_limits_are_todays_defaults_and_check_names():
    found = {m.name: (m.limits.check, m.limits.warning, m.limits.critical) for m in metrics.limited()}
    assert found == {"disk.used_percent": ("disk_used", 85.0, 95.0),
                     "mem.percent": ("mem_used", 90.0, 97.0),
                     "load.1": ("load_per_core", 2.0, 4.0)}
    assert (checks.DISK_USED, checks.MEM_USED, checks.LOAD_PER_CORE) == ("disk_used", "mem_used", "load_per_core")


def test_a_changed_limit_is_what_the_check_uses():
    snap = HostSnapshot("a", 0.0, mem_percent=80.0)
    assert checks.host_findings(snap, Thresholds()) == []
    (found,) = checks.host_findings(snap, Thresholds(mem_warning=75.0))
    assert found.message == "memory at 80% (warning over 75%)"


def test_inspect_json_keys_come_from_the_declarations_and_equal_the_contract():
    declared = [m.json_list or m.json_key for m in HOST_METRICS if m.json_key]
    assert declared == CONTRACT_KEYS
    assert list(metrics.host_json(full_snapshot())) == CONTRACT_KEYS
    assert metrics.host_json(None) == {}


def test_inspect_json_is_byte_for_byte_what_it_was():
    expected = ('{"cpu_percent": 12.5, "mem_percent": 40.0, "swap_percent": 1.5, "load1": 0.5, '
                '"uptime_s": 3600.0, "disks": [{"mount": "/", "used_percent": 50.0}, '
                '{"mount": "/var", "used_percent": 91.0}], "net_rx_bps": 300.0, "net_tx_bps": 400.0, '
                '"latency_ms": 0.75, "loss_percent": 0.0, "loss_probes": 100}')
    assert json.dumps(metrics.host_json(full_snapshot())) == expected
    empty = json.dumps(metrics.host_json(HostSnapshot("a", 0.0)))
    assert empty == ('{"cpu_percent": null, "mem_percent": null, "swap_percent": null, "load1": null, '
                     '"uptime_s": null, "disks": [], "net_rx_bps": null, "net_tx_bps": null, '
                     '"latency_ms": null, "loss_percent": null, "loss_probes": null}')


def test_samples_are_the_declared_series():
    got = {(s.metric, s.label): s.value for s in full_snapshot().samples()}
    assert got == {
        ("cpu.percent", ""): 12.5, ("cpu.core_percent", "0"): 10.0, ("cpu.core_percent", "1"): 15.0,
        ("load.1", ""): 0.5, ("load.5", ""): 0.25, ("load.15", ""): 0.125,
        ("mem.percent", ""): 40.0, ("swap.percent", ""): 1.5,
        ("disk.used_percent", "/"): 50.0, ("disk.used_percent", "/var"): 91.0,
        ("disk.read_bps", ""): 100.0, ("disk.write_bps", ""): 200.0,
        ("net.rx_bps", ""): 300.0, ("net.tx_bps", ""): 400.0,
        ("net.latency_ms", ""): 0.75, ("net.loss_percent", ""): 0.0,
        ("temp.celsius", "Package id 0"): 45.0,
    }
    assert {m for m, _l in got} == {m.name for m in metrics.series_metrics()}
    assert all(type(s.value) is float for s in full_snapshot().samples())


def test_an_unmeasured_value_gives_no_sample():
    """The first poll has no rates: no sample, not a zero."""
    snap = HostSnapshot("a", 0.0, cpu_percent=5.0)
    assert [(s.metric, s.value) for s in snap.samples()] == [("cpu.percent", 5.0)]


def test_series_names_on_the_charts():
    assert metrics.legend("cpu.percent", "") == "total"
    assert metrics.legend("cpu.core_percent", "3") == "core 3"
    assert metrics.legend("swap.percent", "") == "swap"
    assert metrics.legend("disk.used_percent", "/var") == "/var"
    assert metrics.legend("temp.celsius", "Package id 0") == "Package id 0"
    assert metrics.legend("net.latency_ms", "") == "SSH keepalive"
    assert metrics.legend("no.such", "") == "no.such" and metrics.legend("no.such", "x") == "x"
    assert metrics.metric("disk.used_percent").label_for("/var") == "Disk /var"
