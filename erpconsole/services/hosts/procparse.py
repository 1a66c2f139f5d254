"""Pure parsers of the /proc files in the probe's answer: stat, meminfo, loadavg, uptime,
net/dev and diskstats.

No Qt, no I/O, no paramiko: text in, frozen dataclasses or dicts of numbers out, or a
``ProbeParseError`` (see ``probe_answer``, which also splits the answer into its sections).
The non-/proc sections (df, sensors, facts) are in ``sysparse``; turning parsed values into a
``HostSnapshot`` is ``probe_snapshot``'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from erpconsole.i18n import _
from erpconsole.services.hosts.probe_answer import (
    bad_numbers,
    content_lines,
    fail,
    line_problem,
    to_float,
    to_int,
    to_ints,
)

SECTOR_BYTES = 512  # /proc/diskstats counts 512-byte sectors whatever the device's own size


# --- /proc/stat -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CpuTimes:
    """Jiffies since boot: ``busy`` = ``total`` - idle - iowait (guest is already in user)."""

    busy: int
    total: int


@dataclass(frozen=True, slots=True)
class CpuStat:
    cpu: CpuTimes
    cores: tuple[CpuTimes, ...]  # online CPUs in number order
    ctxt: int | None = None
    processes: int | None = None  # forks since boot
    procs_running: int | None = None
    procs_blocked: int | None = None
    btime: int | None = None


_STAT_SCALARS = ("ctxt", "processes", "procs_running", "procs_blocked", "btime")


def parse_stat(text: str) -> CpuStat:
    cpu: CpuTimes | None = None
    cores: dict[int, CpuTimes] = {}
    scalars: dict[str, int] = {}
    for n, line in content_lines(text):
        key, _sep, rest = line.strip().partition(" ")
        if not key.startswith("cpu") and key not in _STAT_SCALARS:
            continue  # intr, softirq, page...: not wanted, and their length varies
        try:
            if key == "cpu":
                cpu = _cpu_times(rest.split())
            elif key.startswith("cpu"):
                cores[to_int(key[3:])] = _cpu_times(rest.split())
            else:
                scalars[key] = to_int(rest.strip())
        except ValueError:
            raise bad_numbers("stat", n, line, text) from None
    if cpu is None:
        raise fail("stat", _("there is no 'cpu' line"), text)
    return CpuStat(cpu, tuple(cores[k] for k in sorted(cores)), **scalars)


def _cpu_times(fields: list[str]) -> CpuTimes:
    # user nice system idle [iowait irq softirq steal [guest guest_nice]]: guest and guest_nice
    # are already counted in user and nice, so the total stops at steal.
    if len(fields) < 4:
        raise ValueError("too few fields")
    values = to_ints(fields)
    total = sum(values[:8])
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return CpuTimes(busy=total - idle, total=total)


# --- /proc/meminfo --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemInfo:
    """Bytes. ``available_estimated``: the kernel (before 3.14) gave no MemAvailable."""

    total: int
    available: int
    free: int
    swap_total: int
    swap_free: int
    available_estimated: bool = False

    @property
    def used(self) -> int:
        return max(0, self.total - self.available)

    @property
    def percent(self) -> float | None:
        return 100.0 * self.used / self.total if self.total else None

    @property
    def swap_percent(self) -> float:
        used = max(0, self.swap_total - self.swap_free)
        return 100.0 * used / self.swap_total if self.swap_total else 0.0


_MEMINFO_RE = re.compile(r"([^:\s][^:]*):\s*([0-9]{1,30})(?:\s+(kB))?\s*")
# The same lines as _MEMINFO_RE takes, read all at once where every line is one of them (as
# the kernel writes them): a pattern match per line was the dearest part of a poll's parsing.
_MEMINFO_LINES_RE = re.compile(r"^[ \t]*([^:\s][^:\n]*):[ \t]*([0-9]{1,30})(?:[ \t]+(kB))?[ \t]*$",
                               re.MULTILINE)


def meminfo_values(text: str, section: str = "meminfo") -> dict[str, int]:
    """Every ``Key: value [kB]`` line, in bytes where the kernel gives kB."""
    found = _MEMINFO_LINES_RE.findall(text)
    if len(found) == text.count("\n") + 1:
        return {key: int(number) * (1024 if kb else 1) for key, number, kb in found}
    values: dict[str, int] = {}  # blank lines, odd white space, or garbage: line by line
    for n, line in content_lines(text):
        m = _MEMINFO_RE.fullmatch(line.strip())
        if m is None:
            raise fail(section, line_problem(n, line, _("has no value")), text, n)
        values[m.group(1)] = int(m.group(2)) * (1024 if m.group(3) else 1)
    return values


def parse_meminfo(text: str) -> MemInfo:
    v = meminfo_values(text)
    if "MemTotal" not in v or "MemFree" not in v:
        raise fail("meminfo", _("MemTotal or MemFree is missing"), text)
    estimated = "MemAvailable" not in v
    # Old kernels: free + buffers + page cache + reclaimable slab is what `free` showed then.
    available = v["MemAvailable"] if not estimated else min(
        v["MemTotal"],
        v["MemFree"] + v.get("Buffers", 0) + v.get("Cached", 0) + v.get("SReclaimable", 0),
    )
    return MemInfo(
        total=v["MemTotal"],
        available=available,
        free=v["MemFree"],
        swap_total=v.get("SwapTotal", 0),
        swap_free=v.get("SwapFree", 0),
        available_estimated=estimated,
    )


# --- /proc/loadavg, /proc/uptime, process count ---------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadAvg:
    one: float
    five: float
    fifteen: float
    running: int | None = None  # runnable threads now
    threads: int | None = None  # threads that exist now


def parse_loadavg(text: str) -> LoadAvg:
    fields = text.split()
    try:
        one, five, fifteen = (to_float(f) for f in fields[:3])
        running = threads = None
        if len(fields) > 3:
            r, _sep, t = fields[3].partition("/")
            running, threads = to_int(r), to_int(t)
    except ValueError:
        raise fail("loadavg", _("it does not start with three load averages"), text) from None
    return LoadAvg(one, five, fifteen, running, threads)


def parse_uptime(text: str) -> float:
    """Seconds since boot."""
    fields = text.split()
    try:
        return to_float(fields[0])
    except (ValueError, IndexError):
        raise fail("uptime", _("it does not start with a number of seconds"), text) from None


def parse_proc_count(text: str) -> int | None:
    """Number of processes; None when the host sent none (the count is optional)."""
    if not text.strip():
        return None
    try:
        return to_int(text.strip())
    except ValueError:
        raise fail("procs", _("it is not a number"), text) from None


# --- /proc/net/dev --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NetCounters:
    rx_bytes: int
    rx_packets: int
    rx_errors: int
    rx_dropped: int
    tx_bytes: int
    tx_packets: int
    tx_errors: int
    tx_dropped: int


def parse_net_dev(text: str) -> dict[str, NetCounters]:
    """Counters per interface; the two header lines (with '|') are skipped."""
    out: dict[str, NetCounters] = {}
    for n, line in content_lines(text):
        if "|" in line:
            continue
        # Interface names cannot hold ':' (the kernel refuses them), so the first one ends the
        # name, even where a long name touches the first number ("enp0s31f6:1234").
        name, sep, rest = line.partition(":")
        fields = rest.split()
        if not sep or not name.strip() or len(fields) != 16:
            raise fail("net_dev", line_problem(n, line, _("does not hold 16 counters")), text, n)
        try:
            v = to_ints(fields)
        except ValueError:
            raise bad_numbers("net_dev", n, line, text) from None
        out[name.strip()] = NetCounters(v[0], v[1], v[2], v[3], v[8], v[9], v[10], v[11])
    return out


def net_totals(ifaces: dict[str, NetCounters], skip: frozenset[str] = frozenset({"lo"})
               ) -> tuple[int, int]:
    """(rx, tx) bytes over all interfaces but ``skip``: loopback traffic never leaves the host."""
    kept = [c for name, c in ifaces.items() if name not in skip]
    return sum(c.rx_bytes for c in kept), sum(c.tx_bytes for c in kept)


# --- /proc/diskstats ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiskStat:
    major: int
    minor: int
    name: str
    reads: int
    sectors_read: int
    writes: int
    sectors_written: int
    io_ms: int | None = None  # time spent doing I/O; None on the old 7-field partition lines

    @property
    def read_bytes(self) -> int:
        return self.sectors_read * SECTOR_BYTES

    @property
    def write_bytes(self) -> int:
        return self.sectors_written * SECTOR_BYTES


def parse_diskstats(text: str) -> dict[str, DiskStat]:
    """Every device line: 14 fields (before 4.18), 18 (discard, 4.18+), 20 (flush, 5.5+).

    More fields (a future kernel) are accepted: the ones read come first. Partitions of kernels
    before 2.6.25 have 7 fields (reads, sectors read, writes, sectors written).
    """
    out: dict[str, DiskStat] = {}
    for n, line in content_lines(text):
        f = line.split()
        if len(f) != 7 and len(f) < 14:
            problem = _("has {count} fields, not 14, 18 or 20").format(count=len(f))
            raise fail("diskstats", line_problem(n, line, problem), text, n)
        try:
            nums = to_ints(f[:2] + f[3:14])
        except ValueError:
            raise bad_numbers("diskstats", n, line, text) from None
        major, minor, s = nums[0], nums[1], nums[2:]
        if len(f) == 7:
            out[f[2]] = DiskStat(major, minor, f[2], s[0], s[1], s[2], s[3])
        else:
            out[f[2]] = DiskStat(major, minor, f[2], s[0], s[2], s[4], s[6], s[9])
    return out


# Physical whole disks: SCSI/SATA/virtio/Xen/IDE disks, NVMe namespaces, SD/eMMC cards. Their
# partitions (sda1, nvme0n1p2, mmcblk0p1) are left out: counting both counts every byte twice.
_WHOLE_DISK_RE = re.compile(r"(?:[shv]d[a-z]+|xvd[a-z]+|nvme[0-9]+n[0-9]+|mmcblk[0-9]+)")
# Device mapper (LVM, LUKS) and MD RAID sit on top of those disks: counted only on hosts that
# show no physical disk (some virtual machines and containers), for the same reason.
_STACKED_RE = re.compile(r"(?:dm-[0-9]+|md[0-9]+)")


def whole_disks(stats: dict[str, DiskStat]) -> dict[str, DiskStat]:
    """The devices whose sum is the host's disk I/O without double counting.

    loop*, ram*, zram*, fd*, sr* (images, memory, floppy, optical) never count.
    """
    disks = {k: v for k, v in stats.items() if _WHOLE_DISK_RE.fullmatch(k)}
    return disks or {k: v for k, v in stats.items() if _STACKED_RE.fullmatch(k)}
