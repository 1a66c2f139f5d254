"""What the Alerts page asks before it acts: the comment of an acknowledgement, a note, and a
silence (a target or a tag, how long, why). OK waits until what is needed is written."""

from __future__ import annotations

import re

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from erpconsole.ui.common.form_dialog import RequiredFields

# The shell's rule (services/alerts/silences.py) judges it again; this only keeps OK off.
_DURATION = re.compile(r"^\s*(\d+(\.\d+)?\s*[smhdwSMHDW]\s*)+$")


class _Form(QDialog):
    def __init__(self, title: str, intro: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.hint = QLabel()
        self.required = RequiredFields(self.buttons.button(QDialogButtonBox.StandardButton.Ok), self.hint, self)
        layout = QVBoxLayout(self)
        text = QLabel(intro)
        text.setWordWrap(True)
        layout.addWidget(text)
        layout.addLayout(self.form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)


class CommentDialog(_Form):
    """Acknowledge (``what`` says which alerts) or add a note: one line that must say something."""

    def __init__(self, title: str, intro: str, label: str, parent: QWidget | None = None) -> None:
        super().__init__(title, intro, parent)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText(self.tr("What is being done, by whom, what is known"))
        self.form.addRow(label, self.comment)
        self.required.require(self.comment, label.replace("&", "").rstrip(":"))

    def text(self) -> str:
        return self.comment.text().strip()


class SilenceDialog(_Form):
    def __init__(self, target: str, tags: list[str], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Silence alerts"), self.tr(
            "Notifications wait while the silence lasts; the alerts are still recorded and shown "
            "here. A silence always has an end."), parent)
        self.scope = QComboBox()
        self.scope.addItem(self.tr("Target"), "target")
        self.scope.addItem(self.tr("Tag"), "tag")
        self.name = QLineEdit(target)
        self.name.setPlaceholderText(", ".join(tags) if tags else "")
        self.duration = QLineEdit("2h")
        self.duration.setPlaceholderText(self.tr("30m, 2h, 1d"))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("Why: planned maintenance, known fault…"))
        self.form.addRow(self.tr("&Silence by:"), self.scope)
        self.form.addRow(self.tr("&Name:"), self.name)
        self.form.addRow(self.tr("&For:"), self.duration)
        self.form.addRow(self.tr("&Reason:"), self.reason)
        self.required.require(self.name, self.tr("Name"))
        self.required.require(self.duration, self.tr("For (like 30m, 2h, 1d)"),
                              lambda text: bool(_DURATION.match(text)))
        self.required.require(self.reason, self.tr("Reason"))

    def values(self) -> tuple[str | None, str | None, str, str]:
        """(target, tag, duration, reason)."""
        name = self.name.text().strip()
        by_tag = self.scope.currentData() == "tag"
        return (None if by_tag else name), (name if by_tag else None), self.duration.text().strip(), \
            self.reason.text().strip()
