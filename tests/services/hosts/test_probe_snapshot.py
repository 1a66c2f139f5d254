"""A probe answer plus the previous poll's state becomes a HostSnapshot."""

from __future__ import annotations

import pytest

from erpconsole.services.hosts.probe_snapshot import ProbeState, snapshot_from_sections
from erpconsole.services.hosts.probe_answer import ProbeParseError, split_sections
from erpconsole.services.hosts.procparse import CpuTimes
from tests.services.hosts.procfs_fixtures import probe_answer

KIB = 1024


def _sections(system: str = "debian12-vm") -> dict[str, str]:
    return split_sections(probe_answer(system), token="t0k3n")


def _later(sections: dict[str, str], cpu_busy: int, cpu_idle: int, read_sectors: int,
           rx: int) -> dict[str, str]:
    """debian12-vm's sample a while later: more busy and idle jiffies, more I/O."""
    out = dict(sections)
    out["stat"] = (f"cpu  {3166 + cpu_busy} 0 1885 {60638 + cpu_idle} 430 0 45 24 0 0\n"
                   f"cpu0 {642 + cpu_busy} 0 594 31799 33 0 5 9 0 0\n"
                   f"cpu1 2523 0 1291 {28839 + cpu_idle} 396 0 39 15 0 0\n")
    out["diskstats"] = sections["diskstats"].replace(" 1870018 ", f" {1870018 + read_sectors} ")
    out["net_dev"] = sections["net_dev"].replace(" 125467449 ", f" {125467449 + rx} ")
    return out


def test_first_poll_has_gauges_but_no_rates():
    snap, state = snapshot_from_sections("erp-app-1", _sections(), None, 100.0, 1.7e9)
    assert (snap.target, snap.ts) == ("erp-app-1", 1.7e9)
    assert snap.cpu_percent is None and snap.cpu_per_core == ()
    assert snap.disk_read_bps is None and snap.net_rx_bps is None
    assert snap.cpu_count == 2 and snap.load == (0.05, 0.10, 0.04)
    assert snap.mem_total_bytes == 24684096 * KIB
    assert snap.mem_used_bytes == (24684096 - 24386884) * KIB
    assert snap.mem_percent == pytest.approx(100 * (24684096 - 24386884) / 24684096)
    assert snap.swap_percent == 0.0 and snap.uptime_s == 332.57
    assert [d.mount for d in snap.disks] == ["/", "/mnt/sandboxing/model_tools_env/v1/python"]
    assert snap.temperatures == ()
    assert state.mono == 100.0 and state.counters["disk.read.vda"] == 1870018
    assert "net.rx.lo" not in state.counters and "disk.read.loop0" not in state.counters


def test_second_poll_gives_rates():
    first = _sections()
    _snap, state = snapshot_from_sections("h", first, None, 100.0, 1.7e9)
    later = _later(first, cpu_busy=30, cpu_idle=70, read_sectors=2000, rx=50_000)
    snap, state2 = snapshot_from_sections("h", later, state, 102.0, 1.7e9 + 2)
    assert snap.cpu_percent == pytest.approx(30.0)
    assert snap.cpu_per_core == (pytest.approx(100.0), pytest.approx(0.0))
    assert snap.disk_read_bps == pytest.approx(2000 * 512 / 2)
    assert snap.disk_write_bps == 0.0
    assert snap.net_rx_bps == pytest.approx(25_000.0) and snap.net_tx_bps == 0.0
    assert state2.mono == 102.0


def test_counter_wrap_and_reset():
    counters = {"net.rx.eth0": 2**32 - 1000, "disk.read.vda": 10**12}
    state = ProbeState(0.0, CpuTimes(0, 0), (), counters)
    sections = _sections()
    sections["net_dev"] = sections["net_dev"].replace(" 125467449 ", " 3000 ")
    snap, _ = snapshot_from_sections("h", sections, state, 1.0, 0.0)
    assert snap.net_rx_bps == pytest.approx(4000.0)  # 32-bit wrap unwrapped by rates.py
    assert snap.disk_read_bps is None  # a counter that went back (reboot): no rate this time


def test_cpu_hotplug_drops_per_core_values_only():
    first = _sections()
    _snap, state = snapshot_from_sections("h", first, None, 0.0, 0.0)
    later = _later(first, 10, 10, 0, 0)
    later["stat"] = "\n".join(later["stat"].splitlines()[:2])  # cpu1 went offline
    snap, _ = snapshot_from_sections("h", later, state, 1.0, 0.0)
    assert snap.cpu_percent is not None and snap.cpu_per_core == () and snap.cpu_count == 1


def test_missing_required_section_names_it():
    sections = _sections("node-exporter-sample")  # that sample has no /proc/uptime
    with pytest.raises(ProbeParseError) as err:
        snapshot_from_sections("h", sections, None, 0.0, 0.0)
    assert err.value.section == "uptime" and "/proc/uptime" in err.value.message


def test_missing_optional_sections_give_empty_results():
    sections = {k: v for k, v in _sections().items()
                if k in ("stat", "meminfo", "loadavg", "uptime")}
    snap, state = snapshot_from_sections("h", sections, None, 0.0, 0.0)
    snap2, _ = snapshot_from_sections("h", sections, state, 1.0, 0.0)
    assert snap2.disks == () and snap2.temperatures == ()
    assert snap2.disk_read_bps is None and snap2.net_rx_bps is None  # nothing to measure
    assert snap2.cpu_percent is None  # no jiffies went by between identical samples

