"""The access review's dialogs: a new campaign, the sign-off, and the confirmation before a
statement changes a live system."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget,
)

from erpconsole.services.access.models import Statement
from erpconsole.ui.common.words import counted
from erpconsole.ui.databases.action_dialog import monospace_view
from erpconsole.ui.common.message_bar import text_label
from erpconsole.ui.common.sign_dialog import SignDialog
from erpconsole.widgets.theme import current_theme_name, status_color


def _wrapped(text: str) -> QLabel:
    return text_label(text=text)


class NewCampaignDialog(QDialog):
    """A name for the review period, "2026 Q4" by default."""

    def __init__(self, default_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accessNewCampaignDialog")
        self.setWindowTitle(self.tr("New access review campaign"))
        self.name_edit = QLineEdit(default_name)
        self.name_edit.selectAll()
        self.name_edit.textChanged.connect(self._update)
        form = QFormLayout()
        form.addRow(self.tr("Name:"), self.name_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = buttons.addButton(self.tr("Create"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(_wrapped(self.tr(
            "A campaign is one review period. After creating it, Collect now reads every account from the "
            "databases, hosts and ERP in the inventory.")))
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(460, self.sizeHint().height())
        self._update()

    def name(self) -> str:
        return self.name_edit.text().strip()

    def _update(self) -> None:
        self.create_button.setEnabled(bool(self.name()))


class SignOffDialog(SignDialog):
    """Who signs; how many rows are still undecided (the service refuses while any is)."""

    def __init__(self, campaign_name: str, total: int, undecided: int, signer: str = "",
                 parent: QWidget | None = None) -> None:
        tr = SignDialog.tr
        note = tr("Every account needs a decision before the campaign can be signed: filter the table by "
                  "\"Undecided\" to find them.") if undecided else tr(
            "After signing, the campaign is read-only and its approved state becomes the baseline "
            "for the next drift check. The signature is recorded in the audit trail.")
        super().__init__(tr("Sign off: {0}").format(campaign_name),
                         counted(SignDialog.__name__, "{0} of %n account decided; {1} undecided.",
                                 "{0} of %n accounts decided; {1} undecided.", total).format(
                             total - undecided, undecided),
                         note, undecided, tr("Decide every account first."), signer,
                         tr("Your full name, as the auditor should read it"), parent)
        self.setObjectName("accessSignOffDialog")
        self.undecided = undecided


class RunStatementDialog(QDialog):
    """The exact statement and the system it changes; Cancel is the default."""

    def __init__(self, statement: Statement, account: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accessRunDialog")
        self.statement = statement
        self.setWindowTitle(self.tr("Run on {0}").format(statement.system))
        headline = _wrapped(self.tr("Run this on {0}?").format(statement.system))
        font = headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        headline.setFont(font)
        form = QFormLayout()
        self.system_label = _wrapped(statement.system)
        form.addRow(self.tr("System:"), self.system_label)
        form.addRow(self.tr("Account:"), _wrapped(account))
        if statement.why:
            form.addRow(self.tr("Why:"), _wrapped(statement.why))
        kind = self.tr("SQL statement") if statement.language == "sql" else self.tr("Shell command")
        self.statement_view = monospace_view(statement.text, lines=10, fit=True)
        self.statement_view.setObjectName("statement")
        form.addRow(kind + ":", self.statement_view)
        self.warning_label = _wrapped(self.tr(
            "This changes the live system {0} at once; sessions or jobs that use the account may fail. "
            "The console does not undo it.").format(statement.system))
        self.warning_label.setStyleSheet(f"color: {status_color('critical', current_theme_name())}; font-weight: 600;")
        audit = _wrapped(self.tr("Recorded in the audit trail: who ran it, when, the statement and its result."))
        layout = QVBoxLayout(self)
        layout.addWidget(headline)
        layout.addLayout(form)
        layout.addWidget(self.warning_label)
        layout.addWidget(audit)
        layout.addWidget(self._buttons(statement))
        self.resize(680, self.sizeHint().height())

    def _buttons(self, statement: Statement) -> QDialogButtonBox:
        buttons = QDialogButtonBox()
        self.run_button = buttons.addButton(self.tr("Run on {0}").format(statement.system),
                                            QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        copy = QPushButton(self.tr("Copy statement"))
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(statement.text))
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        # Changing a live system is not what Enter should do.
        for button in (self.run_button, copy):
            button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()
        return buttons

    def statement_text(self) -> str:
        return self.statement_view.toPlainText()
