"""A page of the main window built the first time it is shown or asked for.

The detail pages hold a score of live charts (pyqtgraph, 0.5 s to load, and 15 ms a chart):
built with the window, they stood between the start and the first painted window.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget


class LazyPage(QWidget):
    """Stands in the window's stack for the page ``build`` makes; passes the window's calls
    (refresh, theme, saving its state) on once the page exists."""

    def __init__(self, build: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build = build
        self._page: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def page(self) -> QWidget:
        if self._page is None:
            self._page = self._build()
            self.layout().addWidget(self._page)
            if self.isVisible():  # else Qt shows it a turn of the event loop later
                self._page.show()
        return self._page

    def is_built(self) -> bool:
        return self._page is not None

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        self.page()
        super().showEvent(event)

    def refresh(self) -> None:
        if self._page is not None and hasattr(self._page, "refresh"):
            self._page.refresh()

    def apply_theme(self, name: str) -> None:
        if self._page is not None and hasattr(self._page, "apply_theme"):
            self._page.apply_theme(name)

    def save_state(self, settings: QSettings) -> None:
        if self._page is not None and hasattr(self._page, "save_state"):
            self._page.save_state(settings)
