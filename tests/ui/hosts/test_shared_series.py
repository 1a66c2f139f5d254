"""The overview's sparkline and the host detail chart draw one buffer per series, fed once."""

from __future__ import annotations

import numpy as np

from erpconsole.services.models import LOCAL_HOST

CPU = ("cpu.percent", "")


def test_overview_and_host_detail_draw_the_same_buffer(console_factory, qtbot):
    console = console_factory()
    console.start()
    window = console.window
    window.show()
    qtbot.waitExposed(window)
    window.host_detail.set_target(LOCAL_HOST)
    window.show_page("host")
    chart = window.host_detail.charts["cpu"]
    spark = window.overview.spark_buffer(LOCAL_HOST)
    qtbot.waitUntil(lambda: chart.has_series("cpu.percent|") and len(spark) >= 4, timeout=15000)
    assert spark is window.series.buffer(LOCAL_HOST, CPU)
    assert chart.shows_buffer("cpu.percent|", spark)
    ts, values = chart.series_data("cpu.percent|")
    spark_ts, spark_values = spark.arrays()
    assert np.shares_memory(values, spark_values)
    # Both pages hand every status in; each poll is still one point, not two.
    assert np.all(np.diff(spark_ts) > 0)
    assert len(spark_ts) == len(ts)
    window.show_page("overview")
    window.overview.refresh()
    shown = window.overview.tile(LOCAL_HOST).sparkline().values()
    assert shown.tolist() == spark.arrays()[1][-len(shown):].tolist() and len(shown) >= 4
    # The line says what it draws and in what range.
    assert window.overview.tile(LOCAL_HOST).sparkline_caption() == ("CPU, last 15 min", "0–100 %")



def test_seeded_series_keep_the_declared_order(qtbot):
    """The store answers in name order (load.1, load.15, load.5); the legend must not."""
    import time

    from erpconsole.services.models import Health, TargetStatus
    from erpconsole.ui.hosts.host_detail_page import HostDetailPage
    from tests.ui.fakes import FakeHostsBridge

    now = time.time()
    ts = np.array([now - 120, now - 60])
    bridge = FakeHostsBridge([TargetStatus("erp-app", "host", Health.OK, "", 5.0, last_poll_ts=now)])
    bridge.history["erp-app"] = {(metric, ""): (ts, np.array([1.0, 2.0]))
                                 for metric in ("load.1", "load.15", "load.5")}
    page = HostDetailPage(bridge)
    qtbot.addWidget(page)
    page.set_target("erp-app")
    chart = page.charts["load"]
    qtbot.waitUntil(lambda: len(chart.series_keys()) == 3, timeout=5000)
    assert chart.series_keys() == ["load.1|", "load.5|", "load.15|"]
