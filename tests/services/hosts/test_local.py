"""psutil collector: invariants on the real machine (Glances' way)."""

from __future__ import annotations

import time

from erpconsole.services.hosts.local import LocalCollector
from erpconsole.services.models import LOCAL_HOST


def _two_polls():
    c = LocalCollector()
    first = c.collect()
    time.sleep(0.3)
    return first, c.collect()


def test_first_poll_has_no_rates_second_has():
    first, second = _two_polls()
    assert first.cpu_percent is None and first.net_rx_bps is None and first.cpu_per_core == ()
    assert second.cpu_percent is not None
    assert second.net_rx_bps is not None and second.net_tx_bps is not None


def test_values_within_their_ranges():
    _, s = _two_polls()
    assert s.target == LOCAL_HOST
    assert 0.0 <= s.cpu_percent <= 100.0
    assert s.cpu_count >= 1
    assert len(s.cpu_per_core) == s.cpu_count
    assert all(0.0 <= v <= 100.0 for v in s.cpu_per_core)
    assert 0.0 <= s.mem_percent <= 100.0
    assert 0.0 <= s.swap_percent <= 100.0
    assert 0 < s.mem_used_bytes <= s.mem_total_bytes
    assert s.load is not None and all(v >= 0 for v in s.load)
    assert s.uptime_s > 0
    assert s.net_rx_bps >= 0 and s.net_tx_bps >= 0
    assert abs(s.ts - time.time()) < 5


def test_disks_are_real_file_systems():
    _, s = _two_polls()
    assert s.disks, "the root file system should be listed"
    mounts = [d.mount for d in s.disks]
    assert "/" in mounts
    assert len(mounts) == len(set(mounts))
    for d in s.disks:
        assert d.fstype not in ("tmpfs", "proc", "sysfs")
        assert 0.0 <= d.used_percent <= 100.0
        assert 0 <= d.used_bytes <= d.total_bytes
    assert s.busiest_disk.used_percent == max(d.used_percent for d in s.disks)


def test_top_processes_include_this_one():
    import os

    _, s = _two_polls()
    pids = {p.pid for p in s.processes}
    assert s.processes and len(pids) == len(s.processes)
    for p in s.processes:
        assert p.cpu_percent >= 0 and 0 <= p.mem_percent <= 100 and p.rss_bytes >= 0
        assert p.name
    # The test process uses memory; the top lists by memory should normally hold a python.
    assert any("python" in p.name or p.pid == os.getpid() for p in s.processes)


def test_samples_name_every_series():
    _, s = _two_polls()
    metrics = {(x.metric, x.label) for x in s.samples()}
    assert ("cpu.percent", "") in metrics and ("mem.percent", "") in metrics
    assert ("disk.used_percent", "/") in metrics and ("net.rx_bps", "") in metrics
    assert all(x.target == LOCAL_HOST and x.ts == s.ts for x in s.samples())


def test_facts_describe_this_machine():
    import platform

    c = LocalCollector()
    c.collect()
    f = c.facts
    assert f.kernel == platform.release() and f.cpu_count >= 1 and f.mem_total_bytes > 0
    assert f.os_name  # PRETTY_NAME on Linux
    assert isinstance(f.reboot_required, bool)
