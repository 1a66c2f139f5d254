"""One ring buffer per (target, series), recorded once however many pages hand a poll in."""

from __future__ import annotations

import numpy as np

from erpconsole.services.models import HostSnapshot
from erpconsole.ui.common.series_store import SeriesStore


def test_one_buffer_per_target_and_series():
    store = SeriesStore(8)
    assert store.buffer("a", ("cpu.percent", "")) is store.buffer("a", ("cpu.percent", ""))
    assert store.buffer("a", ("cpu.percent", "")) is not store.buffer("b", ("cpu.percent", ""))
    assert store.buffer("a", ("cpu.percent", "")).capacity == 8


def test_a_poll_handed_in_twice_counts_once():
    store = SeriesStore(8)
    snap = HostSnapshot("a", 10.0, cpu_percent=5.0, mem_percent=50.0)
    assert store.record_host(snap) is True
    assert store.record_host(snap) is False  # the second page to see the same status
    assert store.record_host(HostSnapshot("a", 11.0, cpu_percent=6.0)) is True
    ts, values = store.buffer("a", ("cpu.percent", "")).arrays()
    assert ts.tolist() == [10.0, 11.0] and values.tolist() == [5.0, 6.0]
    assert len(store.buffer("a", ("mem.percent", ""))) == 1
    assert set(store.series("a")) == {("cpu.percent", ""), ("mem.percent", "")}


def test_seed_puts_older_stored_points_in_front_whoever_asks_first():
    store = SeriesStore(100)
    key = ("cpu.percent", "")
    store.record("a", 100.0, [(key, 1.0)])
    store.seed("a", {key: (np.array([40.0, 70.0, 100.0]), np.array([7.0, 8.0, 9.0]))})
    # A longer look back arriving later adds only what is older still.
    store.seed("a", {key: (np.array([10.0, 40.0, 70.0]), np.array([6.0, 7.0, 8.0])),
                     ("mem.percent", ""): (np.array([]), np.array([]))})
    ts, values = store.buffer("a", key).arrays()
    assert ts.tolist() == [10.0, 40.0, 70.0, 100.0] and values.tolist() == [6.0, 7.0, 8.0, 1.0]
    assert ("mem.percent", "") not in store.series("a")


def test_a_poll_seeded_from_the_store_before_its_status_arrives_counts_once():
    """A page built while polls run asks the store for history; the poll just written there
    may still be on its way as a status."""
    store = SeriesStore(100)
    cpu, mem = ("cpu.percent", ""), ("mem.percent", "")
    store.seed("a", {cpu: (np.array([40.0, 70.0]), np.array([7.0, 8.0]))})
    assert store.record("a", 70.0, [(cpu, 8.0), (mem, 50.0)]) is True
    assert store.record("a", 75.0, [(cpu, 9.0), (mem, 51.0)]) is True
    assert store.buffer("a", cpu).arrays()[0].tolist() == [40.0, 70.0, 75.0]
    assert store.buffer("a", mem).arrays()[0].tolist() == [70.0, 75.0]  # not seeded: kept


def test_seed_keeps_the_newest_when_the_store_has_more_than_fits():
    store = SeriesStore(4)
    key = ("cpu.percent", "")
    store.record("a", 100.0, [(key, 1.0)])
    store.seed("a", {key: (np.arange(10.0), np.arange(10.0))})
    assert store.buffer("a", key).arrays()[0].tolist() == [7.0, 8.0, 9.0, 100.0]


def test_drop_forgets_the_target():
    store = SeriesStore(8)
    snap = HostSnapshot("a", 10.0, cpu_percent=5.0)
    store.record_host(snap)
    store.drop("a")
    assert store.series("a") == {}
    assert store.record_host(snap) is True  # a host added back under the old name starts anew
