import pytest
import shiboken6
from PySide6.QtCore import QEvent, QObject


class PaintCounter(QObject):
    """Counts Paint events reaching a widget (for a chart: its graphics view viewport)."""

    def __init__(self, target):
        super().__init__()
        self.count = 0
        self._target = target
        target.installEventFilter(self)

    def eventFilter(self, watched, event):  # noqa: N802
        if watched is self._target and event.type() == QEvent.Type.Paint:
            self.count += 1
        return False

    def remove(self):
        if shiboken6.isValid(self._target):  # qtbot may have closed and deleted it first
            self._target.removeEventFilter(self)


@pytest.fixture
def paint_counter():
    counters = []

    def attach(widget):
        counter = PaintCounter(widget)
        counters.append(counter)
        return counter

    yield attach
    for counter in counters:
        counter.remove()
