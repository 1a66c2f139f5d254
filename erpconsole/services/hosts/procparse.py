"""Pure parsers of the probe's answer: its sections and the /proc files in it.

No Qt, no I/O, no paramiko: text in, frozen dataclasses or dicts of numbers out. Every parser
either returns a value or raises ``ProbeParseError`` with a sentence a person understands and
a short raw excerpt; garbage never escapes as another exception type. Numbers are read with
strict ASCII patterns, because ``int()`` and ``float()`` accept "nan", "1_000" and non-Latin
digits that no kernel writes. The non-/proc sections (df, sensors, facts) are in
``sysparse``; turning parsed values into a ``HostSnapshot`` is ``probe_snapshot``'s job.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts.probe import (
    END,
    FACTS_SECTIONS,
    MARKER,
    PROBE_SECTIONS,
    PROC_BUNDLE,
    PROC_FILES,
)
from erpconsole.i18n import _
from erpconsole.services.models import Health

SECTOR_BYTES = 512  # /proc/diskstats counts 512-byte sectors whatever the device's own size
_EXCERPT_CHARS = 300
_LINE_CHARS = 60

_INT_RE = re.compile(r"[0-9]{1,30}")
_FLOAT_RE = re.compile(r"-?[0-9]{1,30}(?:\.[0-9]{1,30})?")
_SECTION_RE = re.compile(r"[a-z_]{1,32}")
_HEAD_RE = re.compile(r"==> (.+) <==")


class ProbeParseError(CollectorError):
    """A section of the probe's answer that is garbage or cut short (health ``parse_error``)."""

    def __init__(self, section: str, message: str, excerpt: str = "") -> None:
        super().__init__(Health.PARSE_ERROR, message, excerpt)
        self.section = section
        self.excerpt = excerpt


def source_of(section: str) -> str:
    """Where a section comes from on the host, as a person would name it."""
    if section == END:
        return _("The probe's answer")
    if section == PROC_BUNDLE:
        return "/proc"
    return PROBE_SECTIONS.get(section) or FACTS_SECTIONS.get(section) or section


def excerpt(text: str, line_no: int | None = None) -> str:
    """A short, printable piece of ``text``: the bad line and its neighbours, or the start."""
    lines = text.split("\n")
    if line_no is not None and lines:
        lo = max(0, line_no - 2)
        text = "\n".join(f"{i + 1}: {ln[:120]}" for i, ln in enumerate(lines) if lo <= i <= line_no)
    # Binary garbage would corrupt a log line or a details box; escape what is not printable.
    shown = "".join(_printable(c) for c in text[:_EXCERPT_CHARS])
    return shown[:_EXCERPT_CHARS]


def _printable(c: str) -> str:
    return c if c.isprintable() or c == "\n" else repr(c)[1:-1]


def fail(section: str, problem: str, text: str = "", line_no: int | None = None) -> ProbeParseError:
    """The error for ``section``; ``line_no`` (0-based) points the excerpt at the bad line."""
    message = _("{source} from the host could not be read: {problem}").format(
        source=source_of(section), problem=problem
    )
    return ProbeParseError(section, message, excerpt(text, line_no))


def line_problem(n: int, line: str, what: str) -> str:
    """``line 3 'xyz' has no value`` (``n`` is 0-based; ``what`` is already translated)."""
    shown = line.strip()[:_LINE_CHARS]
    return _("line {n} '{line}' {what}").format(n=n + 1, line=shown, what=what)


def bad_numbers(section: str, n: int, line: str, text: str) -> ProbeParseError:
    return fail(section, line_problem(n, line, _("has no valid numbers")), text, n)


def to_int(token: str) -> int:
    """A non-negative decimal integer, or ValueError (the callers turn it into a parse error)."""
    if not _INT_RE.fullmatch(token):
        raise ValueError(token)
    return int(token)


def to_float(token: str) -> float:
    if not _FLOAT_RE.fullmatch(token):
        raise ValueError(token)
    value = float(token)
    if not math.isfinite(value):
        raise ValueError(token)
    return value


def content_lines(text: str) -> list[tuple[int, str]]:
    """(0-based line number, line) of the lines that are not blank."""
    # split("\n"), not splitlines(): garbage holding \f or \x1c must not shift line numbers.
    return [(i, ln) for i, ln in enumerate(text.split("\n")) if ln.strip()]


# --- sections -------------------------------------------------------------------------------


def split_sections(text: str | bytes, token: str | None = None) -> dict[str, str]:
    """The probe's answer as {section name: text}; ProbeParseError when it was cut short.

    Text before the first marker (a login banner, an echo) is ignored. With ``token`` only the
    end line carrying it counts, and whatever an earlier, abandoned poll left before its own
    end line is dropped: output of one poll can never pass for another's.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    # A pseudo-terminal turns \n into \r\n.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    end = _find_end(lines, token)
    if end is None:
        raise fail(END, _("it was cut short (no end marker)"), text[-_EXCERPT_CHARS:])
    start = max((i + 1 for i in range(end) if _is_end(lines[i])), default=0)
    out = _collect(lines, start, end, text)
    bundle = out.pop(PROC_BUNDLE, None)
    if bundle is not None:
        out.update(_split_bundle(bundle))
    return out


def _collect(lines: list[str], start: int, end: int, text: str) -> dict[str, str]:
    """The marked sections among ``lines[start:end]``; lines before the first are ignored."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for n in range(start, end):
        line = lines[n]
        if line.startswith(MARKER):
            name = line[len(MARKER):].strip()
            if not _SECTION_RE.fullmatch(name) or name in sections:
                problem = line_problem(n, line, _("is repeated or is no section name"))
                raise fail(END, problem, text, n)
            current = sections[name] = []
        elif current is not None:
            current.append(line)
    return {name: "\n".join(body).strip("\n") for name, body in sections.items()}


def _is_end(line: str) -> bool:
    return line == MARKER + END or line.startswith(MARKER + END + " ")


def _find_end(lines: list[str], token: str | None) -> int | None:
    for n in range(len(lines) - 1, -1, -1):
        if _is_end(lines[n]) and (token is None or lines[n].split(" ", 1)[-1] == token):
            return n
    return None


def _split_bundle(text: str) -> dict[str, str]:
    """The /proc files read by one ``head``, split at its ``==> FILE <==`` headers."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for n, line in enumerate(text.split("\n")):
        m = _HEAD_RE.fullmatch(line)
        if m is not None:
            name = PROC_FILES.get(m.group(1))
            if name is None or name in out:
                raise fail(PROC_BUNDLE, line_problem(n, line, _("names no expected file")), text, n)
            current = out[name] = []
        elif current is not None:
            current.append(line)
        elif line.strip():
            raise fail(PROC_BUNDLE, line_problem(n, line, _("comes before any file name")), text, n)
    return {name: "\n".join(body).strip("\n") for name, body in out.items()}


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
    values = [to_int(f) for f in fields]
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


def meminfo_values(text: str, section: str = "meminfo") -> dict[str, int]:
    """Every ``Key: value [kB]`` line, in bytes where the kernel gives kB."""
    values: dict[str, int] = {}
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
            v = [to_int(f) for f in fields]
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
            nums = [to_int(x) for x in f[:2] + f[3:14]]
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
