"""Performance data items: the ranges we write mean, to the Monitoring Plugins' own library,
what our checks decide, at a limit and just over it; labels are safe to quote."""

from __future__ import annotations

import pytest

from erpconsole.services import checks, perfdata
from erpconsole.services.models import (
    DatabaseSnapshot, DbThresholds, DiskUsage, HostSnapshot, Severity, Thresholds,
)
from tests.plugin_parsers import monitoring_plugin_parse

_STATUS = {None: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


def _disk_item(used: float) -> tuple[perfdata.PerfItem, Severity | None]:
    snap = HostSnapshot("erp-db-1", 0.0, disks=(DiskUsage("/", used, total_bytes=100, used_bytes=int(used)),))
    (item,) = [i for i in perfdata.host_items("erp-db-1", snap, Thresholds()) if "disk" in i.label]
    found = checks.host_findings(snap, Thresholds())
    return item, (found[0].severity if found else None)


@pytest.mark.parametrize("used", [84.9, 85.0, 85.01, 95.0, 95.01, 100.0])
def test_the_library_and_our_checks_agree_at_and_over_a_limit(used):
    item, severity = _disk_item(used)
    assert item.text() == f"'erp-db-1_disk_/'={perfdata._num(used)}%;85;95;0;100"
    (parsed,) = monitoring_plugin_parse(item.text())
    assert parsed["status"] == _STATUS[severity]
    assert item.alerts() is (severity is not None)


@pytest.mark.parametrize("hit", [94.9, 95.0, 99.0])
def test_a_lower_limit_is_written_as_a_range_the_library_reads_the_same_way(hit):
    snap = DatabaseSnapshot("erp-db", 0.0, "postgresql", cache_hit_percent=hit)
    (item,) = [i for i in perfdata.db_items("erp-db", snap, DbThresholds()) if i.label.endswith("cache_hit")]
    (parsed,) = monitoring_plugin_parse(item.text())
    found = checks.db_findings(snap, DbThresholds())
    assert parsed["warning"] == "95:" and parsed["status"] == (1 if found else 0)
    assert (hit < 95) is bool(found)


def test_a_label_never_breaks_the_output():
    item = perfdata.PerfItem("odd=name's|disk\n/", 1.5, "%")
    assert item.text() == "'odd_name_s_disk_/'=1.5%"
    (parsed,) = monitoring_plugin_parse(item.text() + " 'b c'=2s;1;3")[:1]
    assert parsed["label"] == "odd_name_s_disk_/" and parsed["value"] == 1.5


def test_numbers_are_plain_decimals():
    assert perfdata.PerfItem("x", 1e-7, "s").text() == "'x'=0s"
    assert perfdata.PerfItem("x", 12345678901.0, "B").text() == "'x'=12345678901B"
    assert perfdata.PerfItem("x", 0.0012, "s", "0.5", "1", 0.0).text() == "'x'=0.0012s;0.5;1;0"


def test_load_limits_are_per_core_times_the_cores():
    snap = HostSnapshot("h", 0.0, load=(3.0, 1.0, 1.0), cpu_count=2)
    (load,) = [i for i in perfdata.host_items("h", snap, Thresholds()) if i.label == "h_load1"]
    assert (load.warn, load.crit) == ("4", "8")


def test_a_database_gives_its_rates_and_sizes_with_the_guidelines_units():
    snap = DatabaseSnapshot("maria", 0.0, "mariadb", connections=12, max_connections=151,
                            commits_ps=40.0, queries_ps=812.5, replication_lag_s=3.0, size_bytes=4096)
    items = {i.label: i.text() for i in perfdata.db_items("maria", snap, DbThresholds())}
    assert items["maria_connections"] == "'maria_connections'=12;;;0;151"
    assert items["maria_transactions_per_s"] == "'maria_transactions_per_s'=40;;;0"
    assert items["maria_queries_per_s"] == "'maria_queries_per_s'=812.5;;;0"
    assert items["maria_replication_lag"] == "'maria_replication_lag'=3s;60;300;0"
    assert items["maria_size"] == "'maria_size'=4096B;;;0"
