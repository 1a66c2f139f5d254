"""The machine the console runs on, read through psutil (no subprocess, no network)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

import psutil

from erpconsole.services.models import (
    LOCAL_HOST,
    DiskUsage,
    HostFacts,
    HostSnapshot,
    ProcessInfo,
    Temperature,
)
from erpconsole.services.rates import RateTracker, busy_percent

log = logging.getLogger(__name__)

# Pseudo and image file systems say nothing about the space an admin can run out of.
_SKIP_FSTYPES = frozenset(
    {"tmpfs", "devtmpfs", "squashfs", "overlay", "proc", "sysfs", "devfs", "iso9660", "udf"}
)
TOP_PROCESSES = 15


def _busy_total(t: psutil._common.namedtuple) -> tuple[float, float]:  # type: ignore[name-defined]
    total = sum(t)
    # guest time is already counted in user on Linux; counting it twice inflates total.
    total -= getattr(t, "guest", 0.0) + getattr(t, "guest_nice", 0.0)
    idle = t.idle + getattr(t, "iowait", 0.0)
    return total - idle, total


class LocalCollector:
    """``collect()`` gives a HostSnapshot of this machine; rates appear from the second call."""

    def __init__(
        self,
        target: str = LOCAL_HOST,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        top_processes: int = TOP_PROCESSES,
    ) -> None:
        self.target = target
        self._clock = clock
        self._wall = wall
        self._rates = RateTracker(clock)
        self._prev_cpu: tuple[float, float] | None = None
        self._prev_cores: list[tuple[float, float]] = []
        self._procs: dict[int, psutil.Process] = {}
        self._top = top_processes
        self.facts: HostFacts | None = None

    def collect(self) -> HostSnapshot:
        if self.facts is None:
            self.facts = local_facts()
        now = self._clock()
        cpu, cores = self._cpu()
        mem = psutil.virtual_memory()
        swap = psutil.swap_memory()
        read_bps, write_bps = self._disk_io(now)
        rx_bps, tx_bps = self._net_io(now)
        return HostSnapshot(
            target=self.target,
            ts=self._wall(),
            cpu_percent=cpu,
            cpu_per_core=cores,
            cpu_count=psutil.cpu_count() or len(cores),
            load=_loadavg(),
            mem_percent=float(mem.percent),
            mem_total_bytes=int(mem.total),
            mem_used_bytes=int(mem.total - mem.available),
            swap_percent=float(swap.percent) if swap.total else 0.0,
            uptime_s=max(0.0, self._wall() - psutil.boot_time()),
            disks=_disks(),
            disk_read_bps=read_bps,
            disk_write_bps=write_bps,
            net_rx_bps=rx_bps,
            net_tx_bps=tx_bps,
            temperatures=_temperatures(),
            processes=self._processes(),
        )

    def close(self) -> None:
        self._procs.clear()

    def _cpu(self) -> tuple[float | None, tuple[float, ...]]:
        cur = _busy_total(psutil.cpu_times())
        total = busy_percent(self._prev_cpu, cur)
        self._prev_cpu = cur
        per = [_busy_total(t) for t in psutil.cpu_times(percpu=True)]
        cores: tuple[float, ...] = ()
        if len(per) == len(self._prev_cores):
            values = [busy_percent(p, c) for p, c in zip(self._prev_cores, per, strict=True)]
            if all(v is not None for v in values):
                cores = tuple(float(v) for v in values)  # type: ignore[arg-type]
        self._prev_cores = per
        return total, cores

    def _disk_io(self, now: float) -> tuple[float | None, float | None]:
        io = psutil.disk_io_counters(perdisk=False)
        if io is None:  # containers and some VMs expose no block devices
            return None, None
        return (
            self._rates.rate("disk.read", io.read_bytes, now),
            self._rates.rate("disk.write", io.write_bytes, now),
        )

    def _net_io(self, now: float) -> tuple[float | None, float | None]:
        nics = psutil.net_io_counters(pernic=True)
        rx = sum(c.bytes_recv for name, c in nics.items() if name != "lo")
        tx = sum(c.bytes_sent for name, c in nics.items() if name != "lo")
        return self._rates.rate("net.rx", rx, now), self._rates.rate("net.tx", tx, now)

    def _processes(self) -> tuple[ProcessInfo, ...]:
        seen: dict[int, psutil.Process] = {}
        rows: list[ProcessInfo] = []
        for proc in psutil.process_iter():
            # Keep Process objects between polls: cpu_percent() is a delta since the last call.
            proc = self._procs.get(proc.pid, proc)
            seen[proc.pid] = proc
            info = _process_info(proc)
            if info is not None:
                rows.append(info)
        self._procs = seen
        by_cpu = sorted(rows, key=lambda p: p.cpu_percent, reverse=True)[: self._top]
        by_mem = sorted(rows, key=lambda p: p.rss_bytes, reverse=True)[: self._top]
        merged = {p.pid: p for p in by_cpu + by_mem}
        return tuple(merged.values())


def _process_info(proc: psutil.Process) -> ProcessInfo | None:
    try:
        with proc.oneshot():
            mem = proc.memory_info()
            return ProcessInfo(
                pid=proc.pid,
                name=proc.name(),
                user=_username(proc),
                cpu_percent=float(proc.cpu_percent(interval=None)),
                mem_percent=float(proc.memory_percent()),
                rss_bytes=int(mem.rss),
            )
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def _username(proc: psutil.Process) -> str:
    try:
        return proc.username()
    except (KeyError, psutil.AccessDenied):  # uid with no passwd entry
        return str(proc.uids().real) if hasattr(proc, "uids") else "?"


def _loadavg() -> tuple[float, float, float] | None:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return None
    return one, five, fifteen


def _disks() -> tuple[DiskUsage, ...]:
    out: list[DiskUsage] = []
    devices: set[str] = set()
    for part in psutil.disk_partitions(all=False):
        if part.fstype in _SKIP_FSTYPES or part.device in devices:
            continue
        try:
            usage = psutil.disk_usage(part.mountpoint)
        except OSError:  # unmounted since, or permission denied
            continue
        if usage.total == 0:
            continue
        devices.add(part.device)
        out.append(
            DiskUsage(
                mount=part.mountpoint,
                used_percent=float(usage.percent),
                total_bytes=int(usage.total),
                used_bytes=int(usage.used),
                fstype=part.fstype,
            )
        )
    return tuple(out)


def _temperatures() -> tuple[Temperature, ...]:
    reader = getattr(psutil, "sensors_temperatures", None)
    if reader is None:
        return ()
    try:
        sensors = reader()
    except (OSError, RuntimeError):
        return ()
    out: list[Temperature] = []
    for chip, entries in sensors.items():
        for i, e in enumerate(entries):
            label = f"{chip} {e.label or i}".strip()
            out.append(Temperature(label, float(e.current), e.high, e.critical))
    return tuple(out)


def local_facts() -> HostFacts:
    """OS, kernel, CPU and memory of this machine, from the standard library and /proc."""
    import platform

    try:
        release = platform.freedesktop_os_release()
    except OSError:  # not Linux, or no os-release
        release = {}
    uname = platform.uname()
    return HostFacts(
        os_name=release.get("PRETTY_NAME", f"{uname.system} {uname.release}".strip()),
        os_id=release.get("ID", ""),
        os_version=release.get("VERSION_ID", ""),
        kernel=uname.release,
        uname=f"{uname.system} {uname.release} {uname.machine}",
        arch=uname.machine,
        cpu_model=_cpu_model() or uname.processor,
        cpu_count=psutil.cpu_count() or 0,
        mem_total_bytes=int(psutil.virtual_memory().total),
        reboot_required=os.path.exists("/var/run/reboot-required"),
    )


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""
