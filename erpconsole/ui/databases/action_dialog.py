"""Confirmation of a database action (the exact statement, the target, the audit trail), and
the EXPLAIN output it may answer with."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from erpconsole.services.models import DbAction, DbActionResult
from erpconsole.ui.common.fonts import monospace_font
from erpconsole.ui.common.labels import db_action_label, display_name

# Ending someone's session (and its transaction) is not undone: Enter must not do it.
DESTRUCTIVE = ("terminate", "cancel")


def monospace_view(text: str, lines: int = 6, fit: bool = False) -> QPlainTextEdit:
    """Read-only, selectable, monospace text: statements and plans are copied, not retyped.
    ``fit`` keeps the box to its text (up to ``lines`` lines) instead of taking free room."""
    view = QPlainTextEdit()
    view.setReadOnly(True)
    view.setFont(monospace_font())
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    view.setPlainText(text)
    height = view.fontMetrics().lineSpacing() * min(max(2, text.count("\n") + 1), lines) + 16
    view.setMinimumHeight(height)
    if fit:
        view.setMaximumHeight(height + view.fontMetrics().lineSpacing())  # room for a scroll bar
    return view


def _copy_button(parent: QWidget, view: QPlainTextEdit, text: str) -> QPushButton:
    button = QPushButton(text, parent)
    button.clicked.connect(lambda: QGuiApplication.clipboard().setText(view.toPlainText()))
    return button


def _params_text(action: DbAction) -> str:
    return ", ".join(f"{name} = {value!r}" for name, value in action.params)


class DbActionDialog(QDialog):
    """What will run, where, and that it is recorded; Run or Cancel."""

    def __init__(self, action: DbAction, kind: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.action = action
        verb = db_action_label(action.action)
        self.setWindowTitle(self.tr("{0}: {1}").format(verb, display_name(action.target)))
        self.setObjectName("dbActionDialog")
        self.destructive = action.action in DESTRUCTIVE

        self.headline = self._build_headline(verb)
        form = self._build_form(kind)
        warning = self._warning_text()
        self.warning_label = QLabel(warning)
        self.warning_label.setWordWrap(True)
        self.warning_label.setVisible(bool(warning))
        self.audit_label = QLabel(self.tr(
            "This action is recorded in the audit trail: who ran it, when, the statement and its result."))
        self.audit_label.setWordWrap(True)
        buttons = self._build_buttons(verb)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addLayout(form)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.audit_label)
        layout.addWidget(buttons)
        self.resize(640, self.sizeHint().height())

    def _build_headline(self, verb: str) -> QLabel:
        action = self.action
        headline = QLabel(self.tr("{0}: {1} on {2}").format(verb, action.subject, display_name(action.target))
                          if action.subject else self.tr("{0} on {1}").format(verb, display_name(action.target)))
        font = headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        headline.setFont(font)
        headline.setWordWrap(True)
        return headline

    def _build_form(self, kind: str) -> QFormLayout:
        action = self.action
        form = QFormLayout()
        self.target_label = QLabel(display_name(action.target) + (f" ({kind})" if kind else ""))
        self.target_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.tr("Database:"), self.target_label)
        if action.subject:
            subject = QLabel(action.subject)
            subject.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(self.tr("Subject:"), subject)
        self.statement_view = monospace_view(action.statement, lines=10, fit=True)
        self.statement_view.setObjectName("statement")
        form.addRow(self.tr("Statement:"), self.statement_view)
        if action.params:
            self.params_label = QLabel(_params_text(action))
            self.params_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.params_label.setWordWrap(True)
            form.addRow(self.tr("Parameters:"), self.params_label)
        return form

    def _build_buttons(self, verb: str) -> QDialogButtonBox:
        buttons = QDialogButtonBox()
        self.run_button = buttons.addButton(self.tr("Run: {0}").format(verb), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        copy = _copy_button(self, self.statement_view, self.tr("Copy statement"))
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        default = self.cancel_button if self.destructive else self.run_button
        for button in (self.run_button, self.cancel_button, copy):
            button.setAutoDefault(button is default)
        default.setDefault(True)
        default.setFocus()
        return buttons

    def statement(self) -> str:
        return self.statement_view.toPlainText()

    def default_button(self) -> QPushButton:
        return self.cancel_button if self.cancel_button.isDefault() else self.run_button

    def _warning_text(self) -> str:
        return {
            "terminate": self.tr("The session is closed and its open transaction rolled back; the "
                                 "application behind it sees a lost connection."),
            "cancel": self.tr("The running statement stops with an error; a transaction it belongs to "
                              "is rolled back by the application or left aborted."),
            "vacuum": self.tr("VACUUM reads the whole table and may take long on a big one; it does not "
                              "block reads or writes."),
            "optimize": self.tr("OPTIMIZE rebuilds the table; on a big table it takes long and may block "
                                "writes meanwhile."),
            "explain": self.tr("EXPLAIN shows the plan only: the query itself is not run."),
        }.get(self.action.action, "")


class ExplainDialog(QDialog):
    """The plan of a query, monospace and copyable; not modal (it is read beside the page)."""

    def __init__(self, result: DbActionResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("explainDialog")
        self.setWindowTitle(self.tr("Query plan: {0}").format(display_name(result.action.target)))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        statement = monospace_view(result.action.statement, lines=6, fit=True)
        self.plan_view = monospace_view(plan_text(result), lines=30)
        self.plan_view.setObjectName("plan")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(_copy_button(self, self.plan_view, self.tr("Copy plan")), QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Statement:")))
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(statement)
        layout.addWidget(QLabel(self.tr("Plan:")))
        layout.addWidget(self.plan_view, 1)
        layout.addWidget(buttons)
        self.resize(900, 600)

    def plan(self) -> str:
        return self.plan_view.toPlainText()


def plan_text(result: DbActionResult) -> str:
    return "\n".join("\t".join(row) for row in result.rows) or result.message
