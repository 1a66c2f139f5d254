"""Shown for an uncaught exception: non-modal (a wall display must not wait for a click),
with the details to copy into a bug report."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget


class CrashDialog(QDialog):
    def __init__(self, headline: str, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("erpconsole: unexpected error"))
        self.setModal(False)
        self.headline = QLabel(headline)
        self.headline.setWordWrap(True)
        hint = QLabel(self.tr("The console keeps running. The error is in the log; copy the details "
                              "below into a bug report."))
        hint.setWordWrap(True)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton(self.tr("Copy details"), QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.details.toPlainText()))
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(hint)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(640, 420)
