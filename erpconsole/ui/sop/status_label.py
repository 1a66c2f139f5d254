"""The status bar's SOP word: "checking…" until the SOP service has said what is due, then
"N overdue", or "unknown" when it cannot say. Never a 0 that nobody counted."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from erpconsole.services.sop.models import DueRun
from erpconsole.ui.sop.bridge import SopApi
from erpconsole.widgets.theme import current_theme_name, status_color

CHECKING, COUNTED, UNKNOWN = "checking", "counted", "unknown"


class SopStatusLabel(QLabel):
    def __init__(self, bridge: SopApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sopStatus")
        self._bridge = bridge
        self._theme = current_theme_name()
        self._state = CHECKING
        self._overdue: list[str] = []
        bridge.sop_ready.connect(self._on_ready)
        bridge.sop_due_changed.connect(self.set_due)
        bridge.sop_failed.connect(self._on_failed)
        self._paint()
        if bridge.has_sop:  # attached before this label was built
            bridge.request_sop_due()

    @property
    def state(self) -> str:
        return self._state

    def set_due(self, due: list[DueRun]) -> None:
        self._state = COUNTED
        self._overdue = [d.title for d in due if d.overdue]
        self.setToolTip("\n".join(self._overdue))
        self._paint()

    def apply_theme(self, name: str) -> None:
        self._theme = name
        self._paint()

    def _on_ready(self) -> None:
        if self._bridge.has_sop:
            self._bridge.request_sop_due()
        else:
            self._unknown(self._bridge.sop_unavailable())

    def _on_failed(self, op: str, message: str) -> None:
        # Asked before the service was attached: sop_ready follows, so keep "checking…".
        if op == "due" and self._bridge.has_sop:
            self._unknown(message)

    def _unknown(self, why: str) -> None:
        self._state = UNKNOWN
        self.setToolTip(why)
        self._paint()

    def _paint(self) -> None:
        if self._state == COUNTED:
            self.setText(self.tr("SOP: {0} overdue").format(len(self._overdue)))
        elif self._state == UNKNOWN:
            self.setText(self.tr("SOP: unknown"))
        else:
            self.setText(self.tr("SOP: checking…"))
        late = self._state == COUNTED and bool(self._overdue)
        level = "critical" if late else "ok" if self._state == COUNTED else "pending"
        self.setProperty("level", level)
        # Red text where the eye goes; plain when nothing is late or nothing is known yet.
        self.setStyleSheet(f"color: {status_color('critical', self._theme)}; font-weight: 600;" if late else "")
