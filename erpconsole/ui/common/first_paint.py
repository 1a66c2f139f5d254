"""The window's first paint: what waits for it (the store opening) and the probe the start-up
benchmark reads. Qt only; moved out of app.py, which wires the layers."""

from __future__ import annotations

import os
import time


STORE_OPEN_FALLBACK_MS = 2000  # should the window not paint (minimised at start)


def after_first_paint(window, call) -> None:
    """``call()`` once the window has painted (or after STORE_OPEN_FALLBACK_MS)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class _Once(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint:
                obj.removeEventFilter(self)
                QTimer.singleShot(0, call)  # after this paint, not inside it
            return False

    window._after_paint = _Once(window)
    window.installEventFilter(window._after_paint)
    QTimer.singleShot(STORE_OPEN_FALLBACK_MS, call)


def watch_first_paint(window, app) -> None:
    """For benchmarks/startup.py: print the monotonic time of the first paint, then quit."""
    if not os.environ.get("ERPCONSOLE_EXIT_AFTER_FIRST_PAINT"):
        return
    from PySide6.QtCore import QEvent, QObject

    class _Probe(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint:
                print(f"first-paint {time.monotonic():.6f}", flush=True)
                obj.removeEventFilter(self)
                app.quit()
            return False

    window._first_paint_probe = _Probe(window)
    window.installEventFilter(window._first_paint_probe)
