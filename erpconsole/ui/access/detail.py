"""Everything about one account of the review, and the reviewer's decision on it: facts, owner,
findings with their explanation, drift, the decision and its statements."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QGroupBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QScrollArea, QVBoxLayout, QWidget,
)

from erpconsole.services.access.models import CHANGE, KEEP, REVOKE, Account, Person, ReviewRow
from erpconsole.ui.access.statements_box import StatementsBox
from erpconsole.ui.access.text import (
    decision_label, last_login_text, rule_explanation, rule_title, severity_label, severity_level, source_label,
    when_text,
)
from erpconsole.widgets.theme import current_theme_name, get_theme, status_color, status_glyph

NEEDS_COMMENT = (REVOKE, CHANGE)


def _label(rich: bool = True) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return label


def _yes(value: bool | None, tr) -> str:
    return tr("unknown") if value is None else tr("yes") if value else tr("no")


class AccessDetailPane(QWidget):
    """``decision_requested(key, decision, comment)``, ``undo_requested(key)`` and
    ``run_requested(statement)`` ask the page; the pane itself changes nothing."""

    decision_requested = Signal(str, str, str)
    undo_requested = Signal(str)
    run_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._row: ReviewRow | None = None
        self._state = ""
        self._locked_reason = ""
        self._theme = current_theme_name()
        self._build()
        self.set_row(None)

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = QLabel()
        self.title.setObjectName("accessAccountTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = _label(rich=False)
        self.facts_label = _label()
        self.facts_label.setObjectName("accessFacts")
        self.owner_label = _label()
        self.findings_label = _label()
        self.findings_label.setObjectName("accessFindings")
        self.statements = StatementsBox()
        self.statements.run_requested.connect(self.run_requested.emit)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 4, 0)
        for w in (self.title, self.subtitle, self._group(self.tr("Findings"), self.findings_label),
                  self._group(self.tr("Owner"), self.owner_label), self.statements,
                  self._group(self.tr("Account"), self.facts_label)):
            inner.addWidget(w)
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.scroll = scroll
        # The decision stays in sight however long the facts above it are.
        self.decision_box = self._build_decision()
        self.placeholder = QLabel(self.tr("Select an account to see everything about it and decide."))
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.placeholder, 1)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.decision_box)

    @staticmethod
    def _group(title: str, content: QWidget) -> QGroupBox:
        box = QGroupBox(title)
        inner = QVBoxLayout(box)
        inner.addWidget(content)
        return box

    def _build_decision(self) -> QGroupBox:
        self.decision_line = _label()
        self.decision_line.setObjectName("accessDecisionLine")
        self.comment = QPlainTextEdit()
        self.comment.setObjectName("accessComment")
        self.comment.setPlaceholderText(self.tr("Comment: why (required for Revoke and Change)"))
        self.comment.setTabChangesFocus(True)
        self.comment.setFixedHeight(self.comment.fontMetrics().lineSpacing() * 2 + 14)
        self.comment.textChanged.connect(self._update_buttons)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for decision, text in ((KEEP, self.tr("&Keep")), (REVOKE, self.tr("&Revoke")), (CHANGE, self.tr("&Change"))):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, d=decision: self.press(d))
            self.buttons[decision] = button
            row.addWidget(button)
        row.addStretch(1)
        self.undo_button = QPushButton(self.tr("Undo"))
        self.undo_button.clicked.connect(self.undo)
        row.addWidget(self.undo_button)
        for button in (*self.buttons.values(), self.undo_button):
            # As narrow as the word, not the style's minimum: the pane beside the table can be narrow.
            text_width = button.fontMetrics().horizontalAdvance(button.text().replace("&", ""))
            button.setMinimumWidth(min(button.sizeHint().width(), text_width + 22))
        self.hint = _label(rich=False)
        self.hint.setObjectName("accessDecisionHint")
        box = QGroupBox(self.tr("Decision"))
        inner = QVBoxLayout(box)
        inner.addWidget(self.decision_line)
        inner.addWidget(self.comment)
        inner.addLayout(row)
        inner.addWidget(self.hint)
        return box

    # -- public --------------------------------------------------------------------------

    @property
    def row(self) -> ReviewRow | None:
        return self._row

    def set_row(self, row: ReviewRow | None, state: str = "") -> None:
        """Shows ``row``; the comment box keeps what was typed while the same account stays."""
        same = row is not None and self._row is not None and row.account.key == self._row.account.key
        self._row, self._state = row, state
        self.placeholder.setVisible(row is None)
        self.scroll.setVisible(row is not None)
        self.decision_box.setVisible(row is not None)
        if row is None:
            self._update_buttons()
            return
        if not same:
            self.comment.setPlainText(row.decision.comment if row.decision else "")
        a = row.account
        self.title.setText(a.name)
        self.subtitle.setText(" · ".join(p for p in (source_label(a.source), a.kind, a.system) if p))
        self.owner_label.setText(self._owner_html(row.owner))
        self.findings_label.setText(self._findings_html(row))
        self.facts_label.setText(self._facts_html(a))
        self.decision_line.setText(self._decision_html(row, state))
        self.statements.set_row(row)
        self._update_buttons()

    def set_read_only(self, reason: str) -> None:
        """``reason`` non-empty (a signed campaign): nothing can be decided; the tooltips say why."""
        self._locked_reason = reason
        self.comment.setReadOnly(bool(reason))
        self._update_buttons()

    def read_only_reason(self) -> str:
        return self._locked_reason

    def press(self, decision: str) -> bool:
        """What the button (or its key in the table) does; False when it may not, with the reason shown."""
        button = self.buttons[decision]
        if self._row is None or not button.isEnabled():
            if decision in NEEDS_COMMENT and self._row is not None and not self._locked_reason:
                self.comment.setFocus()
            return False
        self.decision_requested.emit(self._row.account.key, decision, self.comment.toPlainText().strip())
        return True

    def undo(self) -> bool:
        if self._row is None or not self.undo_button.isEnabled():
            return False
        self.undo_requested.emit(self._row.account.key)
        return True

    def statements_text(self) -> str:
        return self.statements.text()

    @property
    def run_buttons(self) -> list[QPushButton]:
        return self.statements.run_buttons

    @property
    def copy_button(self) -> QPushButton:
        return self.statements.copy_button

    def text(self) -> str:
        """Everything the pane says, as plain text (what a reader sees, for tests and copy)."""
        parts = [self.title.text(), self.subtitle.text()]
        for label in (self.owner_label, self.findings_label, self.decision_line, self.facts_label):
            doc = QTextDocument()
            doc.setHtml(label.text())
            parts.append(doc.toPlainText())
        return "\n".join(parts)

    def apply_theme(self, name: str) -> None:
        self._theme = name
        if self._row is not None:
            self.set_row(self._row, self._state)

    # -- buttons -------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        row, locked = self._row, self._locked_reason
        has_comment = bool(self.comment.toPlainText().strip())
        for decision, button in self.buttons.items():
            if row is None:
                button.setEnabled(False)
                button.setToolTip(self.tr("Select an account first."))
            elif locked:
                button.setEnabled(False)
                button.setToolTip(locked)
            elif decision in NEEDS_COMMENT and not has_comment:
                button.setEnabled(False)
                button.setToolTip(self.tr("Write a comment first: {0} needs a reason the auditor can read.")
                                  .format(decision_label(decision)))
            else:
                button.setEnabled(True)
                button.setToolTip(self._decision_tip(decision))
        self._update_undo(row, locked)
        self.hint.setText(self._hint_text(row, locked, has_comment))
        self.hint.setVisible(bool(self.hint.text()))

    def _decision_tip(self, decision: str) -> str:
        return {KEEP: self.tr("Keep this access as it is (K)"),
                REVOKE: self.tr("Take this access away (R); the statements to do it are shown below"),
                CHANGE: self.tr("Keep the account but change its access (C)")}[decision]

    def _update_undo(self, row: ReviewRow | None, locked: str) -> None:
        can = row is not None and row.decision is not None and not locked
        self.undo_button.setEnabled(can)
        self.undo_button.setToolTip(locked if locked and row is not None else
                                    self.tr("Undo the last decision on this account (Ctrl+Z)") if can else
                                    self.tr("No decision on this account to undo."))

    def _hint_text(self, row: ReviewRow | None, locked: str, has_comment: bool) -> str:
        if row is None:
            return ""
        if locked:
            return locked
        if not has_comment:
            return self.tr("Revoke and Change need a comment: write why, then choose.")
        return ""

    # -- texts ---------------------------------------------------------------------------

    def _color(self, level: str | None) -> str:
        return status_color(level, self._theme) if level else get_theme(self._theme).muted_text

    def _muted(self, text: str) -> str:
        return f'<span style="color:{get_theme(self._theme).muted_text}">{text}</span>'

    def _owner_html(self, person: Person | None) -> str:
        if person is None:
            return (f'<span style="color:{self._color("warning")}">{status_glyph("warning")}</span>&nbsp;<b>'
                    + html.escape(self.tr("No owner")) + "</b><br>" + self._muted(html.escape(self.tr(
                        "No person in the roster matches this account by user name or e-mail."))))
        bits = [f"<b>{html.escape(person.name)}</b>"]
        if person.employee_id:
            bits.append(html.escape(self.tr("employee {0}").format(person.employee_id)))
        status = html.escape(self.tr("status: {0}").format(person.status or "?"))
        if person.status.strip().lower() not in ("", "active"):
            status = f'<span style="color:{self._color("critical")}">{status}</span>'
        bits.append(status)
        if person.end_date is not None:
            bits.append(html.escape(self.tr("end date {0}").format(person.end_date.isoformat())))
        if person.email:
            bits.append(html.escape(person.email))
        return " · ".join(bits)

    def _findings_html(self, row: ReviewRow) -> str:
        if not row.findings:
            return self._muted(html.escape(self.tr("No findings: nothing here breaks a rule.")))
        parts = []
        for f in sorted(row.findings, key=lambda f: -f.severity.rank):
            level = severity_level(f.severity)
            head = (f'<span style="color:{self._color(level)}">{status_glyph(level)} '
                    f'{html.escape(severity_label(f.severity))}</span>'
                    f"&nbsp; <b>{html.escape(rule_title(f.rule))}</b>")
            lines = [head, html.escape(f.message)]
            explanation = rule_explanation(f.rule)
            if explanation:
                lines.append(self._muted(html.escape(explanation)))
            if f.extra:
                lines.append(html.escape(self.tr("Added since the baseline:")) + _code_list(f.extra))
            if f.missing:
                lines.append(html.escape(self.tr("Removed since the baseline:")) + _code_list(f.missing))
            parts.append("<br>".join(lines))
        return "<p>" + "</p><p>".join(parts) + "</p>"

    def _decision_html(self, row: ReviewRow, state: str) -> str:
        d = row.decision
        saved = {"saving": self.tr("saving…"), "saved": self.tr("saved ✓"), "failed": self.tr("not saved")}.get(state, "")
        if d is None:
            text = html.escape(self.tr("Undecided."))
        else:
            text = "<b>" + html.escape(decision_label(d.decision)) + "</b> " + html.escape(
                self.tr("by {0} on {1}").format(d.reviewer or "?", when_text(d.ts)))
            if d.comment:
                text += ": “" + html.escape(d.comment) + "”"
        if saved:
            level = "critical" if state == "failed" else "ok" if state == "saved" else "pending"
            text += f' &nbsp;<span style="color:{self._color(level)}">{html.escape(saved)}</span>'
        return text

    def _facts_html(self, a: Account) -> str:
        tr = self.tr
        login = last_login_text(a)
        if a.last_login is not None:
            login = f"{when_text(a.last_login)} ({login})"
        rows = [(tr("Key"), a.key), (tr("Display name"), a.display_name), (tr("E-mail"), a.email),
                (tr("Kind"), a.kind), (tr("Can log in"), _yes(a.can_login, tr)), (tr("Locked"), _yes(a.locked, tr)),
                (tr("Superuser"), _yes(a.superuser, tr)), (tr("Host pattern"), a.host_pattern),
                (tr("Last login"), login), (tr("Logins tracked"), _yes(a.login_tracked, tr)),
                (tr("Password changed"), when_text(a.password_changed)),
                (tr("Password expires"), when_text(a.password_expires)),
                (tr("Password never expires"), _yes(a.password_never_expires, tr)),
                (tr("Password expired"), _yes(a.password_expired, tr)), *a.facts]
        cells = "".join(f"<tr><td style='padding-right:12px'>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>"
                        for k, v in rows if v not in ("", None))
        privileges = (_code_list(a.privileges) if a.privileges else self._muted(html.escape(tr("none"))))
        return (f"<table>{cells}</table><p><b>{html.escape(tr('Privileges ({0})').format(len(a.privileges)))}"
                f"</b>{privileges}</p>")


def _code_list(items) -> str:
    return "<br>" + "<br>".join(f"&nbsp;&nbsp;<code>{html.escape(i)}</code>" for i in items)
