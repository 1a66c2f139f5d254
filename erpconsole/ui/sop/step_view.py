"""One step of a run, in full: what it is and why, its article, its state (who, when, note,
evidence), the values its check saw; and the actions a person may take on it now."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from erpconsole.services.sop.models import APPROVAL, CHECK, OPEN, SopRun, SopStep
from erpconsole.ui.sop import text as st
from erpconsole.widgets.table_export import install_table_export
from erpconsole.widgets.theme import current_theme_name, get_theme, status_color


class SopStepView(QWidget):
    """Emits ``action_requested(name, step_id, note, evidence)`` for tick, fail, skip, reopen,
    check and open; the page sends it on and marks the step as saving."""

    action_requested = Signal(str, str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._run: SopRun | None = None
        self._step: SopStep | None = None
        self._saving = False
        self._theme = current_theme_name()
        self.title_label = _label("sopStepTitle", bold=True)
        self.info_label = _label("sopStepInfo")
        self.info_label.setOpenExternalLinks(True)
        self.state_label = _label("sopStepState")
        self.values_table = QTableWidget(0, 2)
        self.values_table.setObjectName("sopStepValues")
        self.values_table.setHorizontalHeaderLabels([self.tr("Seen on"), self.tr("Value")])
        self.values_table.horizontalHeader().setStretchLastSection(True)
        self.values_table.verticalHeader().hide()
        self.values_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.values_table.setMaximumHeight(160)
        install_table_export(self.values_table)
        self.evidence_edit = QLineEdit()
        self.evidence_edit.setObjectName("sopEvidence")
        self.note_edit = QLineEdit()
        self.note_edit.setObjectName("sopNote")
        self.note_edit.setPlaceholderText(self.tr("Note (required to fail or skip: what is wrong, or why)"))
        self.buttons: dict[str, QPushButton] = {}
        self._build()
        self.evidence_edit.textChanged.connect(self._update_buttons)
        self.note_edit.textChanged.connect(self._update_buttons)
        self.show_step(None, None)

    def _build(self) -> None:
        self.form = QFormLayout()
        self.evidence_caption = QLabel(self.tr("Evidence:"))
        self.form.addRow(self.evidence_caption, self.evidence_edit)
        self.form.addRow(self.tr("Note:"), self.note_edit)
        row = QHBoxLayout()
        for name, text in (("tick", self.tr("Tick")), ("fail", self.tr("Fail")), ("skip", self.tr("Skip")),
                           ("reopen", self.tr("Reopen")), ("check", self.tr("Run check")),
                           ("open", self.tr("Open"))):
            button = QPushButton(text)
            button.setObjectName(f"sopStep_{name}")
            button.clicked.connect(lambda _=False, n=name: self._request(n))
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.title_label)
        layout.addWidget(self.info_label)
        layout.addWidget(self.state_label)
        layout.addWidget(self.values_table)
        layout.addLayout(self.form)
        layout.addLayout(row)
        layout.addStretch(1)

    # -- showing ------------------------------------------------------------------------------

    def step_id(self) -> str | None:
        return self._step.id if self._step is not None else None

    def show_step(self, run: SopRun | None, step: SopStep | None, saving: bool = False) -> None:
        same = step is not None and self._step is not None and step.id == self._step.id
        self._run, self._step, self._saving = run, step, saving
        if not same:  # a new step starts with empty fields; the same one keeps what is typed
            self.note_edit.clear()
            self.evidence_edit.clear()
        for w in (self.title_label, self.info_label, self.state_label, self.values_table,
                  self.evidence_caption, self.evidence_edit, self.note_edit, *self.buttons.values()):
            w.setVisible(step is not None)
        if step is None:
            return
        self.title_label.setText(html.escape(step.title))
        self.info_label.setText(self._info_html(step))
        self._show_state(run, step)
        self._show_inputs(step)
        self._update_buttons()

    def _info_html(self, step: SopStep) -> str:
        parts = [html.escape(self.tr("{0} step").format(st.kind_label(step.kind)))]
        if step.kind == CHECK and step.check:
            params = ", ".join(f"{k}={v}" for k, v in step.params)
            parts.append(html.escape(self.tr("runs {0}").format(step.check) + (f" ({params})" if params else "")))
        if step.kind == APPROVAL and step.role:
            parts.append(html.escape(self.tr("signed by the {0}").format(step.role)))
        text = " · ".join(parts)
        if step.why:
            text += "<br>" + html.escape(self.tr("Why: {0}").format(step.why))
        if step.article:
            href = step.article if "://" in step.article else f"file://{step.article}"
            text += f'<br><a href="{html.escape(href, quote=True)}">{html.escape(self.tr("Read the article"))}</a>'
        return text

    def _show_state(self, run: SopRun, step: SopStep) -> None:
        state = run.state_of(step.id)
        color = status_color(st.state_level(state.state), self._theme)
        text = f'<span style="color:{color}; font-weight:600">{html.escape(st.state_label(state.state))}</span>'
        if state.actor:
            text += " · " + html.escape(self.tr("by {0} at {1}").format(state.actor, st.when_text(state.ts)))
        for caption, value in ((self.tr("Verdict / reason"), state.message), (self.tr("Note"), state.note),
                               (self.tr("Evidence"), state.evidence)):
            if value:
                text += f"<br><b>{html.escape(caption)}:</b> {html.escape(value)}"
        self.state_label.setText(text)
        self.values_table.setRowCount(len(state.values))
        for row, (key, value) in enumerate(state.values):
            self.values_table.setItem(row, 0, QTableWidgetItem(key))
            self.values_table.setItem(row, 1, QTableWidgetItem(value))
        self.values_table.resizeColumnToContents(0)
        self.values_table.setVisible(bool(state.values))
        self.buttons["check"].setText(self.tr("Re-run check") if state.ts and step.kind == CHECK else self.tr("Run check"))

    def _show_inputs(self, step: SopStep) -> None:
        wants = bool(step.evidence) or step.kind == APPROVAL
        self.evidence_caption.setVisible(wants)
        self.evidence_edit.setVisible(wants)
        if step.kind == APPROVAL:
            self.evidence_caption.setText(self.tr("Approved by:"))
            self.evidence_edit.setPlaceholderText(self.tr("Name of the {0} (required)").format(step.role or self.tr("approver")))
        else:
            self.evidence_caption.setText(self.tr("Evidence:"))
            self.evidence_edit.setPlaceholderText(self.tr("{0} (required)").format(step.evidence))
        manual = step.kind != CHECK
        for name, visible in (("tick", manual), ("fail", manual), ("check", not manual), ("open", step.kind == "action")):
            self.buttons[name].setVisible(visible)

    def _update_buttons(self) -> None:
        if self._run is None or self._step is None:
            return
        rules = st.step_actions(self._run, self._step, self.note_edit.text(), self.evidence_edit.text(), self._saving)
        for name, (enabled, tip) in rules.items():
            self.buttons[name].setEnabled(enabled)
            self.buttons[name].setToolTip(tip)
        editable = not self._run.signed and self._run.state_of(self._step.id).state == OPEN
        for edit in (self.note_edit, self.evidence_edit):
            edit.setReadOnly(not editable)
            edit.setToolTip(st.signed_text(self._run) if self._run.signed else "")

    def _request(self, name: str) -> None:
        if self._step is None or not self.buttons[name].isEnabled():
            return
        self.action_requested.emit(name, self._step.id, self.note_edit.text().strip(), self.evidence_edit.text().strip())

    def apply_theme(self, name: str) -> None:
        self._theme = get_theme(name).name
        if self._step is not None and self._run is not None:
            self._show_state(self._run, self._step)


def _label(name: str, bold: bool = False) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
    if bold:
        font = label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        label.setFont(font)
    return label
