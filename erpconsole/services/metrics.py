"""Each host metric declared once, as data: the series name the store and the charts key on,
its unit, gauge or rate, its default limits, its key in ``inspect``'s JSON and the words a
person reads. Samples, checks, ``inspect``, the report and the charts all read this list.

The default limits also stand in the inventory's ``Thresholds`` (the config layer imports no
services); tests/services/test_metrics.py keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from erpconsole.i18n import N_, _

if TYPE_CHECKING:
    from erpconsole.services.models import HostSnapshot

PERCENT_RANGE = (0.0, 100.0)


class Kind(StrEnum):
    GAUGE = "gauge"  # a level read as it is (percent used, load)
    RATE = "rate"  # a counter's change per second: none on the first poll


@dataclass(frozen=True, slots=True)
class Limits:
    """Where a value becomes a finding. ``field`` names the inventory's threshold pair
    (``{field}_warning``, ``{field}_critical``); ``check`` is the finding's stable key."""

    check: str
    field: str
    warning: float
    critical: float

    @property
    def warning_field(self) -> str:
        return f"{self.field}_warning"

    @property
    def critical_field(self) -> str:
        return f"{self.field}_critical"


Reader = Callable[["HostSnapshot"], object]
EachReader = Callable[["HostSnapshot"], Iterable[tuple[str, object]]]


@dataclass(frozen=True, slots=True)
class Metric:
    """One host metric. A metric with ``per`` is a series per label (a mount, a core, a
    sensor) and is read with ``each``; any other with ``read``, None meaning not measured."""

    name: str  # the series key in samples, the store and the charts
    unit: str
    kind: Kind
    label: str  # N_: the metric on its own ("Memory", "Disk {label}")
    legend: str  # N_: the series among others on its chart ("swap"); "" shows the label part
    json_key: str | None = None  # the key in inspect's host "metrics"; None: not in the JSON
    json_list: str = ""  # the JSON list a per-label metric goes in ("disks")
    per: str = ""  # what the label is ("mount"); the key it has in ``json_list`` items
    y_range: tuple[float, float] | None = None  # a fixed chart axis; None scales to the data
    limits: Limits | None = None
    series: bool = True  # False: read for the JSON but not kept as a time series
    read: Reader | None = None
    each: EachReader | None = None

    def value(self, snap: HostSnapshot) -> object:
        """The value as the snapshot holds it (None when not measured)."""
        return self.read(snap) if self.read is not None else None

    def values(self, snap: HostSnapshot) -> list[tuple[str, object]]:
        """(label, value) of every series this metric has in ``snap``, measured ones only."""
        if self.each is not None:
            return list(self.each(snap))
        value = self.value(snap)
        return [] if value is None else [("", value)]

    def label_for(self, label: str = "") -> str:
        return _(self.label).format(label=label)

    def legend_for(self, label: str = "") -> str:
        return _(self.legend).format(label=label) if self.legend else label


def _load(index: int) -> Reader:
    return lambda s: s.load[index] if s.load else None


# Order matters: it is the order of the keys in inspect's JSON and of series on a chart.
HOST_METRICS: tuple[Metric, ...] = (
    Metric("cpu.percent", "%", Kind.GAUGE, N_("CPU"), N_("total"), json_key="cpu_percent",
           y_range=PERCENT_RANGE, read=lambda s: s.cpu_percent),
    Metric("cpu.core_percent", "%", Kind.GAUGE, N_("CPU core {label}"), N_("core {label}"),
           per="core", y_range=PERCENT_RANGE,
           each=lambda s: ((str(i), v) for i, v in enumerate(s.cpu_per_core))),
    Metric("mem.percent", "%", Kind.GAUGE, N_("Memory"), N_("memory"), json_key="mem_percent",
           y_range=PERCENT_RANGE, limits=Limits("mem_used", "mem", 90.0, 97.0),
           read=lambda s: s.mem_percent),
    Metric("swap.percent", "%", Kind.GAUGE, N_("Swap"), N_("swap"), json_key="swap_percent",
           y_range=PERCENT_RANGE, read=lambda s: s.swap_percent),
    # Judged per core: a load of 8 is idle on 32 cores and dire on 2.
    Metric("load.1", "", Kind.GAUGE, N_("Load (1 min)"), N_("1 min"), json_key="load1",
           limits=Limits("load_per_core", "load_per_core", 2.0, 4.0), read=_load(0)),
    Metric("load.5", "", Kind.GAUGE, N_("Load (5 min)"), N_("5 min"), read=_load(1)),
    Metric("load.15", "", Kind.GAUGE, N_("Load (15 min)"), N_("15 min"), read=_load(2)),
    Metric("uptime.s", "s", Kind.GAUGE, N_("Uptime"), N_("uptime"), json_key="uptime_s",
           series=False, read=lambda s: s.uptime_s),
    Metric("disk.used_percent", "%", Kind.GAUGE, N_("Disk {label}"), "", json_key="used_percent",
           json_list="disks", per="mount", y_range=PERCENT_RANGE,
           limits=Limits("disk_used", "disk", 85.0, 95.0),
           each=lambda s: ((d.mount, d.used_percent) for d in s.disks)),
    Metric("disk.read_bps", "B/s", Kind.RATE, N_("Disk read"), N_("read"),
           read=lambda s: s.disk_read_bps),
    Metric("disk.write_bps", "B/s", Kind.RATE, N_("Disk write"), N_("write"),
           read=lambda s: s.disk_write_bps),
    Metric("net.rx_bps", "B/s", Kind.RATE, N_("Network receive"), N_("receive"),
           json_key="net_rx_bps", read=lambda s: s.net_rx_bps),
    Metric("net.tx_bps", "B/s", Kind.RATE, N_("Network send"), N_("send"),
           json_key="net_tx_bps", read=lambda s: s.net_tx_bps),
    # Both from keepalive requests on the kept SSH connection (services/hosts/ssh_latency.py):
    # the median of a poll's probes answered in time, and the share of the last probes (the
    # window, loss_probes of them) that were not.
    Metric("net.latency_ms", "ms", Kind.GAUGE, N_("Network latency"), N_("SSH keepalive"),
           json_key="latency_ms", read=lambda s: s.latency_ms),
    Metric("net.loss_percent", "%", Kind.GAUGE, N_("Packet loss"), N_("loss"),
           json_key="loss_percent", y_range=PERCENT_RANGE, read=lambda s: s.loss_percent),
    Metric("net.loss_probes", "", Kind.GAUGE, N_("Packet loss window"), N_("probes"),
           json_key="loss_probes", series=False, read=lambda s: s.loss_probes or None),
    Metric("temp.celsius", "°C", Kind.GAUGE, N_("Temperature {label}"), "", per="sensor",
           each=lambda s: ((t.label, t.celsius) for t in s.temperatures)),
)

_BY_NAME = {m.name: m for m in HOST_METRICS}
_SERIES = tuple(m for m in HOST_METRICS if m.series)


def metric(name: str) -> Metric:
    """The declaration of ``name``; a KeyError names the unknown metric."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no host metric {name!r}") from None


def find(name: str) -> Metric | None:
    return _BY_NAME.get(name)


def limits(name: str) -> Limits:
    """The limits of a metric that has them (a declaration without limits is a KeyError)."""
    found = metric(name).limits
    if found is None:
        raise KeyError(f"host metric {name!r} has no limits")
    return found


def limited() -> list[Metric]:
    return [m for m in HOST_METRICS if m.limits is not None]


def series_metrics() -> tuple[Metric, ...]:
    """The metrics kept as time series, in chart order."""
    return _SERIES


def host_json(snap: HostSnapshot | None) -> dict:
    """A host's "metrics" object of ``inspect --format json`` (a stable contract)."""
    if snap is None:
        return {}
    out: dict = {}
    for m in HOST_METRICS:
        if m.json_key is None:
            continue
        if m.json_list:
            out[m.json_list] = [{m.per: label, m.json_key: value} for label, value in m.values(snap)]
        else:
            out[m.json_key] = m.value(snap)
    return out


def legend(name: str, label: str) -> str:
    """A series' name on its chart; a series this list does not know is named by its label."""
    found = find(name)
    if found is None:
        return label or name
    return found.legend_for(label)
