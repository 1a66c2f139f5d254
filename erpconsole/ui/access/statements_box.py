"""The statements that carry out a revoke or change: read-only monospace text to copy, and a
Run… per statement the console may run itself (after a confirmation, audited by the service)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from erpconsole.services.access.models import CHANGE, REVOKE, ReviewRow, Statement
from erpconsole.ui.databases.action_dialog import monospace_view
from erpconsole.widgets.elided_label import ElidedLabel

MAX_LINES = 9


class StatementsBox(QGroupBox):
    """``run_requested(statement)`` asks the page to confirm and run one statement."""

    run_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Statements"), parent)
        self._row: ReviewRow | None = None
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.view = monospace_view("", lines=3)
        self.view.setObjectName("accessStatements")
        # Wrapped to the pane: read whole at a glance; Copy still gives the exact lines.
        self.view.setLineWrapMode(self.view.LineWrapMode.WidgetWidth)
        self.copy_button = QPushButton(self.tr("Copy"))
        self.copy_button.setToolTip(self.tr("Copy every statement, exactly as shown"))
        self.copy_button.clicked.connect(self.copy)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.copy_button)
        self.run_rows = QVBoxLayout()
        self.run_buttons: list[QPushButton] = []
        inner = QVBoxLayout(self)
        inner.addLayout(top)
        inner.addWidget(self.view)
        inner.addLayout(self.run_rows)

    def set_row(self, row: ReviewRow) -> None:
        self._row = row
        statements = row.statements
        self.setVisible(bool(statements))
        self.title.setText(
            self.tr("To carry out the decision, run these on the live systems (or copy them):")
            if self._decided() else self.tr("What the decision would take (decide Revoke or Change to run them):"))
        text = "\n".join(s.text for s in statements)
        self.view.setPlainText(text)
        # As tall as the statements (with room for wrapped lines), never taller than MAX_LINES.
        lines = text.count("\n") + 1
        self.view.setFixedHeight(self.view.fontMetrics().lineSpacing() * min(MAX_LINES, lines + max(1, lines // 2))
                                 + 16)
        while self.run_rows.count():
            item = self.run_rows.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.run_buttons = []
        for statement in statements:
            self.run_rows.addWidget(self._run_row(statement))

    def text(self) -> str:
        return self.view.toPlainText()

    def copy(self) -> None:
        if self.text():
            QGuiApplication.clipboard().setText(self.text())

    def _decided(self) -> bool:
        row = self._row
        return row is not None and row.decision is not None and row.decision.decision in (REVOKE, CHANGE)

    def _run_row(self, statement: Statement) -> QWidget:
        holder = QWidget()
        line = QHBoxLayout(holder)
        line.setContentsMargins(0, 0, 0, 0)
        first = statement.text.strip().splitlines()[0] if statement.text.strip() else ""
        label = ElidedLabel(Qt.TextElideMode.ElideRight)
        label.set_full_text(f"{statement.system}: {first}")
        label.setToolTip("\n\n".join(filter(None, (statement.text.strip(), statement.why))))
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        button = QPushButton(self.tr("Run…"))
        button.clicked.connect(lambda _=False, s=statement: self.run_requested.emit(s))
        self.run_buttons.append(button)
        self._set_run_state(button, statement)
        line.addWidget(label, 1)
        line.addWidget(button)
        return holder

    def _set_run_state(self, button: QPushButton, statement: Statement) -> None:
        if not statement.runnable:
            button.setEnabled(False)
            button.setToolTip(self.tr("A template: edit it (copy it out) before running it by hand."))
        elif not self._decided():
            button.setEnabled(False)
            button.setToolTip(self.tr("Decide Revoke or Change first; then it may run."))
        else:
            # Still allowed after sign-off: carrying out the approved revokes is what follows it.
            button.setEnabled(True)
            button.setToolTip(self.tr("Run this on {0} after a confirmation; it is recorded in the audit trail.")
                              .format(statement.system))
