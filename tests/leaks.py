"""Fails a test that leaves a thread or a timer running after its teardown (napari's leak
fixtures): a leaked worker polls on into later tests, holds a server connection, or touches a
deleted widget, and the failure then lands on a test that did nothing wrong."""

from __future__ import annotations

import sys
import sysconfig
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

# Threads that a library owns for the life of the process, by name prefix, with the reason.
ALLOWED_THREADS: dict[str, str] = {
    # apprise 2 keeps process-wide pools for its service calls and name lookups (the notify
    # sender names the first two; apprise names its resolver's).
    "apprise-send": "apprise's shared pool of service calls",
    "apprise-coordinate": "apprise's shared pool of coordinators",
    "apprise-http-resolve": "apprise's shared pool of name lookups",
    "deadlines": "erpconsole's shared deadline thread (services/deadlines.py): idle, it ends "
                 "after a minute without a deadline; one that starts per poll costs 0.3 ms",
}

# A thread told to stop may still be finishing its last step (closing a socket, a last write).
DEADLINE_S = 5.0

_STDLIB = sysconfig.get_paths()["stdlib"]


@dataclass
class QtStarts:
    """The Qt timers, threads and pools started since the last reset, and where."""

    timers: list[tuple[weakref.ref, str]] = field(default_factory=list)
    threads: list[tuple[weakref.ref, str]] = field(default_factory=list)
    pools: list[tuple[weakref.ref, str]] = field(default_factory=list)

    def reset(self) -> None:
        self.timers.clear()
        self.threads.clear()
        self.pools.clear()


def _caller() -> str:
    """The first frame outside this file and PySide6: the line that started the object."""
    frame = sys._getframe(2)
    while frame is not None and (
        frame.f_code.co_filename == __file__ or "PySide6" in frame.f_code.co_filename
    ):
        frame = frame.f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame else "?"


def _recording(original: Callable, into: list) -> Callable:
    def start(self, *args, **kwargs):
        into.append((weakref.ref(self), _caller()))
        return original(self, *args, **kwargs)

    start.__wrapped__ = original
    return start


def patch_qt(starts: QtStarts) -> Callable[[], None]:
    """Records every QTimer.start, QThread.start and QThreadPool.start; returns the undo."""
    from PySide6.QtCore import QThread, QThreadPool, QTimer

    patched = [(QTimer, starts.timers), (QThread, starts.threads), (QThreadPool, starts.pools)]
    originals = [(cls, cls.start) for cls, _ in patched]
    for cls, into in patched:
        cls.start = _recording(cls.start, into)

    def undo() -> None:
        for cls, original in originals:
            cls.start = original

    return undo


def _alive_qt(refs: list[tuple[weakref.ref, str]], running: Callable[[object], bool]):
    import shiboken6

    for ref, where in refs:
        obj = ref()
        if obj is not None and shiboken6.isValid(obj) and running(obj):
            yield obj, where


def _describe_qobject(obj, where: str) -> str:
    parent = obj.parent()
    owner = type(parent).__name__ if parent is not None else "no parent"
    name = obj.objectName() or type(obj).__name__
    return f"{name} (parent: {owner}), started at {where}"


def qt_leaks(starts: QtStarts, deadline: float) -> list[str]:
    from PySide6.QtCore import QThreadPool

    found = []
    for timer, where in _alive_qt(starts.timers, lambda t: t.isActive()):
        found.append(f"QTimer {_describe_qobject(timer, where)}, every {timer.interval()} ms")
    for thread, where in _alive_qt(starts.threads, lambda t: t.isRunning()):
        thread.wait(max(0, int((deadline - time.monotonic()) * 1000)))
        if thread.isRunning():
            found.append(f"QThread {_describe_qobject(thread, where)}")
    pools = [(QThreadPool.globalInstance(), "the global pool")] + list(
        _alive_qt(starts.pools, lambda p: True)
    )
    for pool, where in pools:
        pool.waitForDone(max(0, int((deadline - time.monotonic()) * 1000)))
        if pool.activeThreadCount():
            found.append(f"QThreadPool ({where}) with {pool.activeThreadCount()} active threads")
    return found


def _allowed(thread: threading.Thread) -> bool:
    return any(thread.name.startswith(prefix) for prefix in ALLOWED_THREADS)


def _where_running(thread: threading.Thread) -> str:
    """The innermost frame outside the standard library: whose code the thread is in."""
    frame = sys._current_frames().get(thread.ident or -1)
    stack = traceback.extract_stack(frame) if frame is not None else []
    ours = [f for f in stack if not f.filename.startswith(_STDLIB)] or stack
    return f"{ours[-1].filename}:{ours[-1].lineno} in {ours[-1].name}" if ours else "?"


def thread_leaks(before: set[threading.Thread], deadline: float) -> list[str]:
    new = [t for t in threading.enumerate() if t not in before and not _allowed(t)]
    for thread in new:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [
        f"thread {t.name!r} (daemon={t.daemon}), now at {_where_running(t)}"
        for t in new
        if t.is_alive()
    ]
