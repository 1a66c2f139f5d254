"""GcTimer turns Python's automatic collection off for the whole process while it runs: it must
come back on when the timer stops or goes away, or everything after the window (or beside it,
in the tests) runs with no collection at all and cycles pile up."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject

from erpconsole.ui.common.gc_timer import GcTimer


@pytest.fixture(autouse=True)
def collection_on() -> Iterator[None]:
    """Whatever the code under test does, later tests get automatic collection back."""
    gc.enable()
    yield
    gc.enable()


def test_stopping_the_timer_turns_automatic_collection_back_on(qtbot) -> None:
    timer = GcTimer(0.05)
    assert not gc.isenabled()
    timer.stop()
    assert gc.isenabled()
    timer.stop()  # twice is harmless
    assert gc.isenabled()
    timer.deleteLater()


def test_a_timer_deleted_with_its_parent_turns_it_back_on(qtbot) -> None:
    parent = QObject()
    timer = GcTimer(0.05, parent)
    assert not gc.isenabled()
    with qtbot.waitSignal(timer.destroyed, timeout=5000):
        parent.deleteLater()
    assert gc.isenabled()


def test_it_stays_off_while_another_timer_runs_and_stays_off_if_it_was_off_before(qtbot) -> None:
    first, second = GcTimer(0.05), GcTimer(0.05)
    first.stop()
    assert not gc.isenabled()  # the second still collects on its ticks
    second.stop()
    assert gc.isenabled()
    gc.disable()  # someone else's choice, before the timer
    third = GcTimer(0.05)
    third.stop()
    assert not gc.isenabled()
    for t in (first, second, third):
        t.deleteLater()


def test_its_ticks_collect_what_automatic_collection_no_longer_does(qtbot) -> None:
    class Node:
        pass

    timer = GcTimer(0.02)
    try:
        gc.collect()
        for _ in range(2 * gc.get_threshold()[0]):
            a, b = Node(), Node()
            a.other, b.other = b, a  # a cycle: only the collector frees it
        del a, b
        qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=5000)
    finally:
        timer.stop()
        timer.deleteLater()
