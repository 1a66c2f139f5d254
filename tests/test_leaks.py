"""The leak check itself: a leaked thread, pool worker or timer is named; one that ends in
time is not."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tests import leaks


def test_a_thread_still_running_is_named_with_where_it_waits():
    before = set(threading.enumerate())
    release = threading.Event()
    thread = threading.Thread(target=release.wait, args=(30,), name="left-behind")
    thread.start()
    try:
        found = leaks.thread_leaks(before, time.monotonic() + 0.2)
    finally:
        release.set()
        thread.join(5)
    assert len(found) == 1
    assert found[0].startswith("thread 'left-behind'") and "test_leaks.py" not in found[0]


def test_a_pool_worker_that_ends_before_the_deadline_is_not_a_leak():
    before = set(threading.enumerate())
    release = threading.Event()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ending")
    pool.submit(release.wait, 30)
    pool.shutdown(wait=False)
    threading.Timer(0.1, release.set).start()
    assert leaks.thread_leaks(before, time.monotonic() + 5) == []


def test_an_active_timer_is_named_with_where_it_was_started(qapp):
    from PySide6.QtCore import QObject, QTimer

    starts = leaks.QtStarts()
    undo = leaks.patch_qt(starts)
    owner = QObject()
    try:
        timer = QTimer(owner)
        timer.setObjectName("refresh")
        timer.start(250)
        found = leaks.qt_leaks(starts, time.monotonic())
        timer.stop()
        assert leaks.qt_leaks(starts, time.monotonic()) == []
    finally:
        undo()
    assert len(found) == 1
    assert found[0].startswith("QTimer refresh (parent: QObject), started at ")
    assert "test_leaks.py" in found[0] and found[0].endswith("every 250 ms")
