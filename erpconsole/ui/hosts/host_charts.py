"""Which series go on which Host detail chart, and what each series is called."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication


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


def chart_specs() -> list[ChartSpec]:
    return [
        ChartSpec("cpu", _tr("CPU (total and per core)"), "%", (0, 100), ("cpu.percent", "cpu.core_percent")),
        ChartSpec("load", _tr("Load average"), "", None, ("load.1", "load.5", "load.15")),
        ChartSpec("mem", _tr("Memory and swap"), "%", (0, 100), ("mem.percent", "swap.percent")),
        ChartSpec("disk", _tr("Disk usage per mount"), "%", (0, 100), ("disk.used_percent",)),
        ChartSpec("diskio", _tr("Disk read / write"), "B/s", None, ("disk.read_bps", "disk.write_bps")),
        ChartSpec("net", _tr("Network receive / send"), "B/s", None, ("net.rx_bps", "net.tx_bps")),
        ChartSpec("latency", _tr("Network latency"), "ms", None, ("net.latency_ms",), hide_when_empty=True),
        ChartSpec("loss", _tr("Packet loss"), "%", (0, 100), ("net.loss_percent",), hide_when_empty=True),
        ChartSpec("temp", _tr("Temperatures"), "°C", None, ("temp.celsius",), hide_when_empty=True),
    ]


def series_name(metric: str, label: str) -> str:
    names = {
        "cpu.percent": _tr("total"),
        "load.1": _tr("1 min"),
        "load.5": _tr("5 min"),
        "load.15": _tr("15 min"),
        "mem.percent": _tr("memory"),
        "swap.percent": _tr("swap"),
        "disk.read_bps": _tr("read"),
        "disk.write_bps": _tr("write"),
        "net.rx_bps": _tr("receive"),
        "net.tx_bps": _tr("send"),
        "net.latency_ms": _tr("TCP connect"),
        "net.loss_percent": _tr("loss"),
    }
    if metric == "cpu.core_percent":
        return _tr("core {0}").format(label)
    return names.get(metric, label or metric)


def series_key(metric: str, label: str) -> str:
    return f"{metric}|{label}"
