"""Which series go on which Host detail chart; units, axes and series names come from the
metrics' declarations (services/metrics.py)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from erpconsole.services import metrics
from erpconsole.services.models import LOSS_WINDOW_PROBES


def _tr(text: str) -> str:
    return QCoreApplication.translate("host_charts", text)


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    unit: str
    y_range: tuple[float, float] | None
    metrics: tuple[str, ...]
    hide_when_empty: bool = False


def _spec(key: str, title: str, names: tuple[str, ...], hide_when_empty: bool = False) -> ChartSpec:
    """The series of one chart share a unit and an axis: the first one's declaration says."""
    first = metrics.metric(names[0])
    return ChartSpec(key, title, first.unit, first.y_range, names, hide_when_empty)


def chart_specs() -> list[ChartSpec]:
    return [
        _spec("cpu", _tr("CPU (total and per core)"), ("cpu.percent", "cpu.core_percent")),
        _spec("load", _tr("Load average"), ("load.1", "load.5", "load.15")),
        _spec("mem", _tr("Memory and swap"), ("mem.percent", "swap.percent")),
        _spec("disk", _tr("Disk usage per mount"), ("disk.used_percent",)),
        _spec("diskio", _tr("Disk read / write"), ("disk.read_bps", "disk.write_bps")),
        _spec("net", _tr("Network receive / send"), ("net.rx_bps", "net.tx_bps")),
        _spec("latency", _tr("Network latency"), ("net.latency_ms",), hide_when_empty=True),
        _spec("loss", _tr("Packet loss (last {n} keepalive probes)").format(n=LOSS_WINDOW_PROBES),
              ("net.loss_percent",), hide_when_empty=True),
        _spec("temp", _tr("Temperatures"), ("temp.celsius",), hide_when_empty=True),
    ]


def series_name(metric: str, label: str) -> str:
    return metrics.legend(metric, label)


def series_key(metric: str, label: str) -> str:
    return f"{metric}|{label}"
