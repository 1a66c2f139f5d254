"""Python's garbage collector run from a GUI-thread timer instead of whenever it likes."""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer


class _Hold:
    """Automatic collection turned off while at least one hold is kept, and turned back on
    (if it was on before the first) when the last is released; releasing twice is harmless."""

    count = 0
    was_enabled = True

    def __init__(self) -> None:
        if _Hold.count == 0:
            _Hold.was_enabled = gc.isenabled()
            gc.disable()
        _Hold.count += 1
        self.kept = True

    def release(self, *_args: object) -> None:
        if not self.kept:
            return
        self.kept = False
        _Hold.count -= 1
        if _Hold.count == 0 and _Hold.was_enabled:
            gc.enable()


class GcTimer(QObject):
    """Collecting a QObject cycle in the middle of Qt work, or on another thread, can crash
    (seen in the tests: SIGSEGV during a style change): automatic collection is turned off
    and each generation is collected on this timer once it passed its usual threshold.

    ``gc.disable()`` holds for the whole process: collection comes back on when the timer
    stops (``stop()``, the application leaving its event loop, the timer deleted with its
    parent), so code that runs after the window, or beside it in a test, is not left with no
    collection at all."""

    def __init__(self, interval_s: float = 2.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        self._hold = hold = _Hold()
        # A closure, not a method of this object: when ``destroyed`` is emitted the object is
        # half gone, and its Python side may be gone already.
        self.destroyed.connect(lambda *_args: hold.release())
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_tick)
        self._timer.start(int(interval_s * 1000))

    def stop(self) -> None:
        """No more ticks; automatic collection is back on (unless another timer still runs)."""
        self._timer.stop()
        self._hold.release()

    def _on_tick(self) -> None:
        young, middle, old = gc.get_count()
        if young > self._threshold[0]:
            gc.collect(0)
            if middle > self._threshold[1]:
                gc.collect(1)
                if old > self._threshold[2]:
                    gc.collect(2)
