"""What a host poll sees (the snapshot, the rarely changing facts) and the shapes of its SSH
host keys and of the connection test."""

from __future__ import annotations

from dataclasses import dataclass

from erpconsole.services.metrics import series_metrics
from erpconsole.services.models.core import Health, Sample

# A host's packet loss is the share of its last this-many keepalive probes (3 a poll: 20 polls)
# that were not answered in time; the hosts page and inspect's JSON (``loss_probes``) say so.
LOSS_WINDOW_PROBES = 60

@dataclass(frozen=True, slots=True)
class DiskUsage:
    mount: str
    used_percent: float
    total_bytes: int
    used_bytes: int
    fstype: str = ""


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    pid: int
    name: str
    user: str
    cpu_percent: float
    mem_percent: float
    rss_bytes: int


@dataclass(frozen=True, slots=True)
class Temperature:
    label: str
    celsius: float
    high: float | None = None
    critical: float | None = None


@dataclass(frozen=True, slots=True)
class HostSnapshot:
    """Everything one host poll saw. A rate is None on the first poll (no delta yet)."""

    target: str
    ts: float
    cpu_percent: float | None = None
    cpu_per_core: tuple[float, ...] = ()
    cpu_count: int = 0
    load: tuple[float, float, float] | None = None
    mem_percent: float | None = None
    mem_total_bytes: int = 0
    mem_used_bytes: int = 0
    swap_percent: float | None = None
    uptime_s: float | None = None
    disks: tuple[DiskUsage, ...] = ()
    disk_read_bps: float | None = None
    disk_write_bps: float | None = None
    net_rx_bps: float | None = None
    net_tx_bps: float | None = None
    latency_ms: float | None = None
    loss_percent: float | None = None
    loss_probes: int = 0  # how many keepalive probes loss_percent is over (the window, or fewer)
    temperatures: tuple[Temperature, ...] = ()
    processes: tuple[ProcessInfo, ...] = ()

    @property
    def busiest_disk(self) -> DiskUsage | None:
        return max(self.disks, key=lambda d: d.used_percent, default=None)

    def samples(self) -> list[Sample]:
        """The snapshot as store/chart series (metric names are stable keys)."""
        return [Sample(self.target, m.name, float(value), self.ts, label)
                for m in series_metrics() for label, value in m.values(self)]


@dataclass(frozen=True, slots=True)
class HostFacts:
    """What changes rarely: polled every few minutes, shown on the host page."""

    os_name: str = ""  # PRETTY_NAME, e.g. "Debian GNU/Linux 12 (bookworm)"
    os_id: str = ""
    os_version: str = ""
    kernel: str = ""  # uname -r
    uname: str = ""  # uname -srm
    arch: str = ""
    cpu_model: str = ""
    cpu_count: int = 0
    mem_total_bytes: int = 0
    reboot_required: bool = False
    newest_kernel: str = ""  # newest /boot/vmlinuz-* version, "" when /boot shows none


@dataclass(frozen=True, slots=True)
class KnownKeyLine:
    """One known_hosts line that names a host: which file, which line, whose file."""

    path: str
    line_no: int
    key_type: str
    fingerprint: str
    own: bool  # the console's own file (it may edit it) or the user's (it never does)


@dataclass(frozen=True, slots=True)
class HostKeyInfo:
    """What the trust-key dialog shows for one host."""

    target: str
    host: str
    port: int
    health: Health
    message: str
    key_type: str = ""  # of the key the host offered (an unknown key)
    fingerprint: str = ""
    lines: tuple[KnownKeyLine, ...] = ()  # keys on file for host:port
    own_path: str = ""


@dataclass(frozen=True, slots=True)
class ForgetResult:
    removed: int
    own_path: str
    remaining: tuple[KnownKeyLine, ...] = ()  # in the user's files: ssh-keygen -R is theirs
    command: str = ""  # the ssh-keygen -R command for them


@dataclass(frozen=True, slots=True)
class ConnectionStep:
    """One step of "Test connection": resolve, connect, host key, authenticate, probe."""

    key: str
    ok: bool | None  # None: not reached
    message: str
    hint: str = ""
