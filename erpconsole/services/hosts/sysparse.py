"""Pure parsers of the probe's sections that are not /proc counters: df, sensors, slow facts.

Same rules as ``procparse``: text in, frozen values out, ``ProbeParseError`` on garbage. These
sections are optional: a host without sensors, without df or without /boot sends an empty
section (or none), and that gives empty results, not an error.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from erpconsole.services.hosts.probe import PSEUDO_FSTYPES
from erpconsole.services.hosts.probe_answer import (
    content_lines,
    fail,
    line_problem,
    to_float,
    to_int,
)
from erpconsole.services.hosts.procparse import meminfo_values
from erpconsole.i18n import _
from erpconsole.services.models import DiskUsage, HostFacts, Temperature

# --- df -P -k -------------------------------------------------------------------------------

_DF_NUM = re.compile(r"[0-9]{1,30}|-")
_DF_CAP = re.compile(r"[0-9]{1,3}%|-")
_TOKEN = re.compile(r"\S+")
_OCTAL = re.compile(r"\\([0-7]{3})")
_MAX_DF_LINE = 8192  # longer is garbage; also keeps the token scan cheap
# Without -T (BusyBox) only the source names the pseudo file systems.
_PSEUDO_SOURCES = frozenset(PSEUDO_FSTYPES) | {"udev", "none", "shm", "run", "cgroup_root"}


@dataclass(frozen=True, slots=True)
class DfEntry:
    source: str
    fstype: str  # "" when df printed no Type column (BusyBox, plain POSIX df)
    mount: str
    total_bytes: int
    used_bytes: int
    avail_bytes: int

    @property
    def used_percent(self) -> float:
        """Used against used + available, as df counts it: blocks reserved for root are not
        available to the ERP's service account, so a disk is full before used reaches total."""
        room = self.used_bytes + self.avail_bytes
        return 100.0 * self.used_bytes / room if room else 0.0


def parse_df(text: str) -> list[DfEntry]:
    """Rows of ``df -P -k [-T]``; mount points and sources may hold spaces."""
    lines = content_lines(text)
    if not lines:
        return []
    n0, header = lines[0]
    if not header.startswith("Filesystem"):
        raise fail("df", line_problem(n0, header, _("is not df's header")), text, n0)
    typed = header.split()[1:2] == ["Type"]
    out: list[DfEntry] = []
    pending = ""
    for n, line in lines[1:]:
        entry = _df_row(pending + line, typed) if len(line) <= _MAX_DF_LINE else None
        if entry is not None:
            out.append(entry)
            pending = ""
        elif not pending and len(line.split()) == 1:
            pending = line + " "  # a long source name alone on its line, numbers on the next
        else:
            raise fail("df", line_problem(n, line, _("has no sizes and mount point")), text, n)
    if pending:
        raise fail("df", _("the last line has no sizes"), text, lines[-1][0])
    return out


def _df_row(line: str, typed: bool) -> DfEntry | None:
    spans = [(m.start(), m.group()) for m in _TOKEN.finditer(line)]
    toks = [t for _pos, t in spans]
    # The first run "total used avail NN%" followed by an absolute path is the row's middle.
    for i in range(2 if typed else 1, len(toks) - 4):
        sizes, cap = toks[i:i + 3], toks[i + 3]
        if not (all(_DF_NUM.fullmatch(t) for t in sizes) and _DF_CAP.fullmatch(cap)):
            continue
        mount = line[spans[i + 4][0]:].rstrip()
        if not mount.startswith("/"):
            return None
        total, used, avail = (0 if t == "-" else int(t) * 1024 for t in toks[i:i + 3])
        src_end = spans[i - 1][0] if typed else spans[i][0]
        return DfEntry(
            source=line[:src_end].strip(),
            fstype=toks[i - 1] if typed else "",
            mount=_OCTAL.sub(lambda m: chr(int(m.group(1), 8)), mount),
            total_bytes=total,
            used_bytes=used,
            avail_bytes=avail,
        )
    return None


def disk_usages(entries: list[DfEntry]) -> tuple[DiskUsage, ...]:
    """The file systems an admin can run out of: no pseudo, no empty, each device once.

    A device mounted twice (bind mounts, btrfs subvolumes) is the same space: the first mount
    df lists (the outermost) stands for it.
    """
    out: list[DiskUsage] = []
    seen: set[str] = set()
    for e in entries:
        pseudo = e.fstype in PSEUDO_FSTYPES if e.fstype else e.source in _PSEUDO_SOURCES
        if pseudo or e.total_bytes == 0 or e.source in seen:
            continue
        seen.add(e.source)
        out.append(DiskUsage(e.mount, e.used_percent, e.total_bytes, e.used_bytes, e.fstype))
    return tuple(out)


# --- temperatures ---------------------------------------------------------------------------

# A disconnected probe reads -128, 127 or 255 degrees; nothing an admin should see plotted.
_PLAUSIBLE_C = (-60.0, 200.0)


def parse_temperatures(text: str) -> tuple[Temperature, ...]:
    """Tab-separated lines ``thermal zone type milli`` and
    ``hwmon chip sensor label milli max crit`` (millidegrees; empty where unreadable)."""
    hwmon: list[Temperature] = []
    thermal: list[tuple[str, Temperature]] = []
    chips: set[str] = set()
    for n, line in content_lines(text):
        f = [x.strip() for x in line.split("\t")]
        try:
            if f[0] == "hwmon" and len(f) == 7:
                chips.add(f[1])
                t = _temperature(f"{f[1]} {f[3] or f[2]}".strip(), f[4], f[5], f[6])
                hwmon.extend([t] if t else [])
            elif f[0] == "thermal" and len(f) == 4:
                t = _temperature(f[2] or f[1], f[3], "", "")
                thermal.extend([(f[2], t)] if t else [])
            else:
                raise ValueError(line)
        except ValueError:
            problem = line_problem(n, line, _("is not a sensor reading"))
            raise fail("temp", problem, text, n) from None
    # The same sensor often shows both as a thermal zone and a hwmon chip of the same name.
    return tuple(hwmon) + tuple(t for kind, t in thermal if kind not in chips)


def _temperature(label: str, value: str, high: str, crit: str) -> Temperature | None:
    if not value:
        return None  # the driver refused the read (sensor asleep); not garbage
    celsius = to_float(value) / 1000.0
    if not _PLAUSIBLE_C[0] < celsius < _PLAUSIBLE_C[1]:
        return None
    return Temperature(
        label=label,
        celsius=celsius,
        high=to_float(high) / 1000.0 if high else None,
        critical=to_float(crit) / 1000.0 if crit else None,
    )


# --- slow facts -----------------------------------------------------------------------------


_OS_LINE = re.compile(r"([A-Z0-9_]+)=(.*)")
# Model lines by architecture: x86 "model name", old ARM "Processor"/"Hardware", MIPS
# "cpu model", POWER "cpu". The first one present wins.
_MODEL_KEYS = ("model name", "cpu model", "Processor", "cpu", "Hardware")


def parse_os_release(text: str) -> dict[str, str]:
    """os-release is shell syntax; a hand-edited line that is not ``KEY=value`` is skipped."""
    out: dict[str, str] = {}
    for _n, line in content_lines(text):
        m = _OS_LINE.fullmatch(line.strip())
        if m is None:
            continue
        try:
            out[m.group(1)] = " ".join(shlex.split(m.group(2)))
        except ValueError:  # unbalanced quotes
            out[m.group(1)] = m.group(2).strip("\"'")
    return out


def parse_cpuinfo(text: str) -> tuple[str, int]:
    """(model, number of ``processor`` entries) from the probe's filtered /proc/cpuinfo."""
    fields: dict[str, str] = {}
    count = 0
    for _n, line in content_lines(text):
        key, _sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "processor":
            count += 1
        else:
            fields.setdefault(key, value)
    model = next((fields[k] for k in _MODEL_KEYS if fields.get(k)), "")
    return model, count


def kernel_key(version: str) -> tuple[int | str, ...]:
    """Sort key that puts 6.1.0-18 after 6.1.0-9. Digit runs land on odd positions in every
    key, so two keys never compare an int with a str."""
    parts = re.split(r"([0-9]+)", version)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def newest_kernel(text: str) -> str:
    names = [ln.strip() for _n, ln in content_lines(text) if "rescue" not in ln]
    return max(names, key=kernel_key, default="")


def parse_facts(sections: dict[str, str]) -> HostFacts:
    """The slow facts from the sections of ``FACTS_SCRIPT``'s answer; all of them optional."""
    osr = parse_os_release(sections.get("os_release", ""))
    model, processors = parse_cpuinfo(sections.get("cpuinfo", ""))
    kernel = sections.get("kernel", "").strip()
    uname = sections.get("uname", "").strip()
    newest = newest_kernel(sections.get("kernels", ""))
    # "Newer than running", not "differs": a kernel built or booted outside /boot is no reason.
    pending = bool(newest and kernel) and kernel_key(newest) > kernel_key(kernel)
    return HostFacts(
        os_name=osr.get("PRETTY_NAME") or osr.get("NAME", ""),
        os_id=osr.get("ID", ""),
        os_version=osr.get("VERSION_ID") or osr.get("VERSION", ""),
        kernel=kernel,
        uname=uname,
        arch=uname.split()[-1] if len(uname.split()) >= 3 else "",
        cpu_model=model,
        cpu_count=_cpu_count(sections.get("cpus", "")) or processors,
        mem_total_bytes=meminfo_values(sections.get("memtotal", ""), "memtotal").get("MemTotal", 0),
        reboot_required="required" in sections.get("reboot", "") or pending,
        newest_kernel=newest,
    )


def _cpu_count(text: str) -> int:
    if not text.strip():
        return 0
    try:
        return to_int(text.strip())
    except ValueError:
        raise fail("cpus", _("it is not a number"), text) from None
