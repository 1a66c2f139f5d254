"""What opening and closing an incident ask: its title; what caused it, what fixed it and what
follows up (Save waits until all three are written: the shell refuses a close without them)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QWidget

from erpconsole.ui.alerts.dialogs import _Form
from erpconsole.ui.common.words import counted


class OpenIncidentDialog(_Form):
    def __init__(self, alert_ids: list[str], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Open incident"), counted(
            "OpenIncidentDialog", "An incident is opened with %n alert: its timeline gathers what the store holds about it.",
            "An incident is opened with %n alerts: its timeline gathers what the store holds about them.",
            len(alert_ids)), parent)
        self.title = QLineEdit()
        self.title.setPlaceholderText(self.tr("What the incident is about: ERP down for the Shanghai plant"))
        self.form.addRow(self.tr("&Title:"), self.title)
        self.required.require(self.title, self.tr("Title"))

    def text(self) -> str:
        return self.title.text().strip()


class CloseIncidentDialog(_Form):
    def __init__(self, number: int, title: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Close incident"), self.tr(
            "Incident {0} ({1}) is closed with what caused it, what fixed it and what follows up; "
            "they are kept with it and in the audit trail.").format(number, title), parent)
        self.cause = QLineEdit()
        self.fix = QLineEdit()
        self.follow_ups = QLineEdit()
        self.follow_ups.setPlaceholderText(self.tr("Several separated by ';', or \"none\""))
        self.form.addRow(self.tr("C&ause:"), self.cause)
        self.form.addRow(self.tr("&Fix:"), self.fix)
        self.form.addRow(self.tr("Follow-&ups:"), self.follow_ups)
        self.required.require(self.cause, self.tr("Cause"))
        self.required.require(self.fix, self.tr("Fix"))
        self.required.require(self.follow_ups, self.tr("Follow-ups"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("&Save"))

    def values(self) -> tuple[str, str, list[str]]:
        """(cause, fix, follow-ups)."""
        follow = [f.strip() for f in self.follow_ups.text().split(";") if f.strip()]
        return self.cause.text().strip(), self.fix.text().strip(), follow
