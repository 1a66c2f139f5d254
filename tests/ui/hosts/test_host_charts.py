"""The Host detail charts take units, axes and series names from the metric declarations."""

from __future__ import annotations

from erpconsole.services import metrics
from erpconsole.ui.hosts.host_charts import chart_specs, series_name

PCT = (0.0, 100.0)


def test_units_and_axes_are_the_declarations_and_what_they_were(qapp):
    got = [(s.key, s.unit, s.y_range, s.metrics) for s in chart_specs()]
    assert got == [
        ("cpu", "%", PCT, ("cpu.percent", "cpu.core_percent")),
        ("load", "", None, ("load.1", "load.5", "load.15")),
        ("mem", "%", PCT, ("mem.percent", "swap.percent")),
        ("disk", "%", PCT, ("disk.used_percent",)),
        ("diskio", "B/s", None, ("disk.read_bps", "disk.write_bps")),
        ("net", "B/s", None, ("net.rx_bps", "net.tx_bps")),
        ("latency", "ms", None, ("net.latency_ms",)),
        ("loss", "%", PCT, ("net.loss_percent",)),
        ("temp", "°C", None, ("temp.celsius",)),
    ]
    for spec in chart_specs():
        for name in spec.metrics:  # one chart, one unit and one axis for all its series
            assert (metrics.metric(name).unit, metrics.metric(name).y_range) == (spec.unit, spec.y_range)


def test_every_series_has_a_chart_and_a_name(qapp):
    charted = {name for spec in chart_specs() for name in spec.metrics}
    assert charted == {m.name for m in metrics.series_metrics()}
    names = {m: series_name(m, "") for m in ("cpu.percent", "load.1", "load.5", "load.15", "mem.percent",
                                             "swap.percent", "disk.read_bps", "disk.write_bps", "net.rx_bps",
                                             "net.tx_bps", "net.latency_ms", "net.loss_percent")}
    assert names == {"cpu.percent": "total", "load.1": "1 min", "load.5": "5 min", "load.15": "15 min",
                     "mem.percent": "memory", "swap.percent": "swap", "disk.read_bps": "read",
                     "disk.write_bps": "write", "net.rx_bps": "receive", "net.tx_bps": "send",
                     "net.latency_ms": "SSH keepalive", "net.loss_percent": "loss"}
    assert series_name("cpu.core_percent", "2") == "core 2"
    assert series_name("disk.used_percent", "/var") == "/var"
