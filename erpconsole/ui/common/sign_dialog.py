"""Signing something that becomes read-only (a review campaign, an SOP run): who signs, what
is still missing, and a Sign button that stays off until nothing is."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from erpconsole.widgets.theme import current_theme_name, status_color


class SignDialog(QDialog):
    """``missing``: how many items block the signature; ``missing_tip`` says so on the button."""

    def __init__(self, title: str, count_text: str, note_text: str, missing: int, missing_tip: str,
                 signer: str = "", placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.missing = missing
        self._missing_tip = missing_tip
        self.name_edit = QLineEdit(signer)
        self.name_edit.setPlaceholderText(placeholder)
        self.name_edit.textChanged.connect(self._update)
        form = QFormLayout()
        form.addRow(self.tr("Signed by:"), self.name_edit)
        self.count_label = _wrapped(count_text)
        self.warning_label = _wrapped(note_text)
        if missing:
            self.warning_label.setStyleSheet(f"color: {status_color('warning', current_theme_name())};"
                                             " font-weight: 600;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_button = buttons.addButton(self.tr("Sign"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.count_label)
        layout.addLayout(form)
        layout.addWidget(self.warning_label)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())
        self._update()

    def signer(self) -> str:
        return self.name_edit.text().strip()

    def _update(self) -> None:
        ok = bool(self.signer()) and not self.missing
        self.sign_button.setEnabled(ok)
        self.sign_button.setToolTip("" if ok else self._missing_tip if self.missing
                                    else self.tr("Type the signer's name first."))


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label
