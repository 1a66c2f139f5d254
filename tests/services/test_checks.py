"""Checks judge snapshots and health states; the same code serves the GUI and `inspect`."""

from __future__ import annotations

import pytest

from erpconsole.services import checks
from erpconsole.services.models import DiskUsage, Finding, Health, HostSnapshot, Severity, Thresholds


def disk(mount: str, used: float) -> DiskUsage:
    return DiskUsage(mount, used, total_bytes=100, used_bytes=int(used))


def snapshot(**kw) -> HostSnapshot:
    return HostSnapshot(target="erp-app-1", ts=0.0, **kw)


def by_check(findings: list[Finding], check: str) -> list[Finding]:
    return [f for f in findings if f.check == check]


def test_quiet_host_has_no_findings():
    snap = snapshot(disks=(disk("/", 40),), mem_percent=50, load=(1.0, 1.0, 1.0), cpu_count=4)
    assert checks.host_findings(snap, Thresholds()) == []


def test_disk_per_mount_with_value_and_limit_in_the_message():
    snap = snapshot(disks=(disk("/", 50), disk("/var", 91.2), disk("/data", 96)))
    found = checks.host_findings(snap, Thresholds())
    assert found == [
        Finding(Severity.WARNING, "erp-app-1", "disk_used", "disk /var at 91% (warning over 85%)"),
        Finding(Severity.CRITICAL, "erp-app-1", "disk_used", "disk /data at 96% (critical over 95%)"),
    ]


@pytest.mark.parametrize("used, expected", [(84.9, None), (85, None), (85.01, Severity.WARNING),
                                            (95, Severity.WARNING), (95.01, Severity.CRITICAL),
                                            (100, Severity.CRITICAL)])
def test_disk_alerts_over_its_limit_not_at_it(used, expected):
    # The monitoring plugins' semantics: "warning over 85%" leaves 85% itself ok.
    found = checks.host_findings(snapshot(disks=(disk("/", used),)), Thresholds())
    assert [f.severity for f in found] == ([expected] if expected else [])


@pytest.mark.parametrize("mem, severity, text", [
    (89.9, None, None),
    (90, None, None),
    (90.3, Severity.WARNING, "memory at 90.3% (warning over 90%)"),
    (97.5, Severity.CRITICAL, "memory at 98% (critical over 97%)"),
])
def test_memory(mem, severity, text):
    found = by_check(checks.host_findings(snapshot(mem_percent=mem), Thresholds()), "mem_used")
    assert [(f.severity, f.message) for f in found] == ([(severity, text)] if severity else [])


def test_load_is_judged_per_core():
    busy = snapshot(load=(9.0, 1.0, 1.0), cpu_count=4)
    (f,) = checks.host_findings(busy, Thresholds())
    assert (f.check, f.severity) == ("load_per_core", Severity.WARNING)
    assert f.message == "load 2.25 per core (9.00 on 4 cores; warning over 2)"
    same_load_more_cores = snapshot(load=(8.0, 1.0, 1.0), cpu_count=32)
    assert checks.host_findings(same_load_more_cores, Thresholds()) == []
    dire = snapshot(load=(9.0, 1.0, 1.0), cpu_count=2)
    (f,) = checks.host_findings(dire, Thresholds())
    assert f.severity is Severity.CRITICAL and "critical over 4" in f.message


def test_load_exactly_at_its_limit_is_ok():
    assert checks.host_findings(snapshot(load=(8.0, 1.0, 1.0), cpu_count=4), Thresholds()) == []


def test_load_is_skipped_without_a_core_count_or_load():
    assert checks.host_findings(snapshot(load=(100.0, 1.0, 1.0), cpu_count=0), Thresholds()) == []
    assert checks.host_findings(snapshot(load=None, cpu_count=4), Thresholds()) == []


def test_unknown_values_give_no_findings():
    assert checks.host_findings(snapshot(), Thresholds()) == []


def test_per_host_thresholds_change_the_outcome():
    snap = snapshot(disks=(disk("/", 88),), mem_percent=92, load=(5.0, 1.0, 1.0), cpu_count=2)
    defaults = checks.host_findings(snap, Thresholds())
    assert {(f.check, f.severity) for f in defaults} == {
        ("disk_used", Severity.WARNING), ("mem_used", Severity.WARNING), ("load_per_core", Severity.WARNING)}
    relaxed = Thresholds(disk_warning=90, disk_critical=99, mem_warning=95, mem_critical=99,
                         load_per_core_warning=3, load_per_core_critical=6)
    assert checks.host_findings(snap, relaxed) == []
    strict = Thresholds(disk_warning=70, disk_critical=80, mem_warning=80, mem_critical=90,
                        load_per_core_warning=1, load_per_core_critical=2)
    found = checks.host_findings(snap, strict)
    assert {f.severity for f in found} == {Severity.CRITICAL}
    assert "disk / at 88% (critical over 80%)" in [f.message for f in found]


def test_health_finding():
    assert checks.health_finding("a", Health.OK, "") is None
    assert checks.health_finding("a", Health.PENDING, "") is None
    f = checks.health_finding("a", Health.UNREACHABLE, "connection refused on port 22")
    assert f == Finding(Severity.CRITICAL, "a", "health", "connection refused on port 22")


@pytest.mark.parametrize("state", [h for h in Health if h.is_failure])
def test_every_failed_state_is_critical_with_a_message(state):
    f = checks.health_finding("a", state.value, "")  # plain strings are accepted too
    assert f is not None and f.severity is Severity.CRITICAL and f.check == "health" and f.message


def test_worst():
    def f(s: Severity) -> Finding:
        return Finding(s, "a", "disk_used", "")

    assert checks.worst([]) is None
    assert checks.worst([f(Severity.INFO)]) is Severity.INFO
    assert checks.worst([f(Severity.WARNING), f(Severity.INFO)]) is Severity.WARNING
    assert checks.worst(iter([f(Severity.WARNING), f(Severity.CRITICAL), f(Severity.INFO)])) is Severity.CRITICAL


@pytest.mark.parametrize("status, code", [
    ("ok", 0), ("warning", 1), ("critical", 2), ("unknown", 3), ("nonsense", 3), (None, 3),
    (Severity.WARNING, 1), (Severity.CRITICAL, 2), ("CRITICAL", 2),
])
def test_exit_code_follows_the_monitoring_plugin_convention(status, code):
    assert checks.exit_code(status) == code
