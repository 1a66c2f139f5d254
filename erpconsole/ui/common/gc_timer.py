"""Python's garbage collector run from a GUI-thread timer instead of whenever it likes."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GcTimer(QObject):
    """Collecting a QObject cycle in the middle of Qt work, or on another thread, can crash
    (seen in the tests: SIGSEGV during a style change): automatic collection is turned off
    and each generation is collected on this timer once it passed its usual threshold."""

    def __init__(self, interval_s: float = 2.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_tick)
        self._timer.start(int(interval_s * 1000))

    def _on_tick(self) -> None:
        young, middle, old = gc.get_count()
        if young > self._threshold[0]:
            gc.collect(0)
            if middle > self._threshold[1]:
                gc.collect(1)
                if old > self._threshold[2]:
                    gc.collect(2)
