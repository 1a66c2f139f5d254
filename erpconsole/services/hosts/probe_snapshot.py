"""One probe answer, plus what the previous poll left, becomes a ``HostSnapshot``.

Pure: the caller (the SSH collector) owns the clock and keeps the returned ``ProbeState`` for
the next poll. Counters become rates through ``rates.py`` and per device or interface: the
kernel's 32-bit counters wrap one by one, and a sum of several would hide where. The first
poll, a reconnect (pass ``prev_state=None``) and a device that just appeared give no rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from erpconsole.services.hosts.probe_answer import fail
from erpconsole.services.hosts.procparse import (
    SECTOR_BYTES,
    CpuStat,
    CpuTimes,
    parse_diskstats,
    parse_loadavg,
    parse_meminfo,
    parse_net_dev,
    parse_stat,
    parse_uptime,
    whole_disks,
)
from erpconsole.services.hosts.sysparse import disk_usages, parse_df, parse_temperatures
from erpconsole.i18n import _
from erpconsole.services.models import HostSnapshot
from erpconsole.services.rates import RateTracker, busy_percent

REQUIRED_SECTIONS = ("stat", "meminfo", "loadavg", "uptime")
_NET_SKIP = frozenset({"lo"})  # loopback traffic never leaves the host (as LocalCollector)


@dataclass(frozen=True, slots=True)
class ProbeState:
    """What the next poll needs from this one: jiffies and raw counters at a monotonic time."""

    mono: float
    cpu: CpuTimes
    cores: tuple[CpuTimes, ...]
    # "disk.read.sda" -> sectors, "net.rx.eth0" -> bytes: the units the kernel counts in, so a
    # 32-bit wrap of the kernel counter is a 32-bit wrap here too.
    counters: Mapping[str, int] = field(default_factory=dict)


def snapshot_from_sections(
    target: str,
    sections: Mapping[str, str],
    prev_state: ProbeState | None,
    now_mono: float,
    now_wall: float,
) -> tuple[HostSnapshot, ProbeState]:
    """The snapshot of one poll and the state for the next; ProbeParseError on garbage."""
    _require(sections)
    stat = parse_stat(sections["stat"])
    mem = parse_meminfo(sections["meminfo"])
    load = parse_loadavg(sections["loadavg"])
    counters = _counters(sections)
    rates = _rates(prev_state, counters, now_mono)
    cpu, cores = _cpu(prev_state, stat)
    snapshot = HostSnapshot(
        target=target,
        ts=now_wall,
        cpu_percent=cpu,
        cpu_per_core=cores,
        cpu_count=len(stat.cores) or 1,
        load=(load.one, load.five, load.fifteen),
        mem_percent=mem.percent,
        mem_total_bytes=mem.total,
        mem_used_bytes=mem.used,
        swap_percent=mem.swap_percent,
        uptime_s=parse_uptime(sections["uptime"]),
        disks=disk_usages(parse_df(sections.get("df", ""))),
        disk_read_bps=_sum_rates(rates, "disk.read.", SECTOR_BYTES),
        disk_write_bps=_sum_rates(rates, "disk.write.", SECTOR_BYTES),
        net_rx_bps=_sum_rates(rates, "net.rx.", 1),
        net_tx_bps=_sum_rates(rates, "net.tx.", 1),
        temperatures=parse_temperatures(sections.get("temp", "")),
    )
    return snapshot, ProbeState(now_mono, stat.cpu, stat.cores, counters)


def _require(sections: Mapping[str, str]) -> None:
    for name in REQUIRED_SECTIONS:
        if not sections.get(name, "").strip():
            raise fail(name, _("the host sent nothing for it"))


def _cpu(prev: ProbeState | None, stat: CpuStat) -> tuple[float | None, tuple[float, ...]]:
    if prev is None:
        return None, ()
    total = busy_percent(_pair(prev.cpu), _pair(stat.cpu))
    # A CPU taken offline or brought online shifts every index: no per-core figures this time.
    if len(prev.cores) != len(stat.cores):
        return total, ()
    per = [busy_percent(_pair(p), _pair(c)) for p, c in zip(prev.cores, stat.cores, strict=True)]
    if any(v is None for v in per):
        return total, ()
    return total, tuple(float(v) for v in per if v is not None)


def _pair(t: CpuTimes) -> tuple[float, float]:
    return float(t.busy), float(t.total)


def _counters(sections: Mapping[str, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, d in whole_disks(parse_diskstats(sections.get("diskstats", ""))).items():
        out[f"disk.read.{name}"] = d.sectors_read
        out[f"disk.write.{name}"] = d.sectors_written
    for name, c in parse_net_dev(sections.get("net_dev", "")).items():
        if name not in _NET_SKIP:
            out[f"net.rx.{name}"] = c.rx_bytes
            out[f"net.tx.{name}"] = c.tx_bytes
    return out


def _rates(prev: ProbeState | None, counters: Mapping[str, int], now: float
           ) -> dict[str, float | None]:
    # A RateTracker primed with the previous poll's counters keeps ProbeState immutable while
    # the wrap and reset rules stay in rates.py, in one place.
    tracker = RateTracker()
    if prev is not None:
        tracker.rates(prev.counters, prev.mono)
    return tracker.rates(counters, now)


def _sum_rates(rates: Mapping[str, float | None], prefix: str, unit: int) -> float | None:
    """Sum over the devices that have a rate; None when none has (first poll, no devices)."""
    known = [v for k, v in rates.items() if k.startswith(prefix) and v is not None]
    return sum(known) * unit if known else None
