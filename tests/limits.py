"""Limits that no working machine crosses, for tests that need a target to be exactly "ok"
whatever the load, memory and disks of the machine that runs them (a busy CI runner, five
engineers' test runs at once): the test builds the state it asserts."""

from __future__ import annotations

from erpconsole.services.models import DbThresholds, Thresholds

# The highest the inventory accepts (0-100, warning below critical).
NEVER_CROSSED = Thresholds(
    disk_warning=99.9, disk_critical=100.0,
    mem_warning=99.9, mem_critical=100.0,
    load_per_core_warning=99.9, load_per_core_critical=100.0,
)

NEVER_CROSSED_TOML = "".join(f"{key} = {getattr(NEVER_CROSSED, key)}\n" for key in (
    "disk_warning", "disk_critical", "mem_warning", "mem_critical",
    "load_per_core_warning", "load_per_core_critical"))

DB_NEVER_CROSSED = DbThresholds(
    connections_warning=99.9, connections_critical=100.0,
    cache_hit_warning=0.0,
    replication_lag_warning_s=1e9, replication_lag_critical_s=2e9,
    long_query_warning_s=1e9,
    lock_wait_warning_s=1e9, lock_wait_critical_s=2e9,
    wraparound_warning=99.9, wraparound_critical=100.0,
)
