"""The run view: the run's header and progress, its sections and steps with their state (who
ticked each and when), and the chosen step in full below."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton, QSizePolicy, QSplitter, QTreeWidget,
    QTreeWidgetItem, QVBoxLayout, QWidget,
)

from erpconsole.services.sop.models import CHECK, OPEN, SopRun, SopStep
from erpconsole.ui.common.words import counted
from erpconsole.ui.sop import text as st
from erpconsole.ui.sop.step_view import SopStepView
from erpconsole.widgets.theme import current_theme_name, get_theme, status_color
from erpconsole.widgets.roomy_rows import roomy

STEP_ROLE = Qt.ItemDataRole.UserRole
COLUMNS = 5  # step, state, by, when, note or verdict
STEP_MAX_WIDTH = 380  # the step column at most (a longer title is elided, whole in its tooltip)...
STEP_MAX_SHARE = 0.45  # ...or this share of a wide tree (a wall display), whichever is more
STEP_MIN_WIDTH = 160
NOTE_MIN_WIDTH = 200  # what the note or verdict keeps before the step column gives way


class SopRunView(QWidget):
    action_requested = Signal(str, str, str, str)  # name, step id, note, evidence
    checks_requested = Signal()
    sign_requested = Signal()
    report_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._run: SopRun | None = None
        self._saving: set[str] = set()
        self._theme = current_theme_name()
        self.header = QLabel()
        self.header.setObjectName("sopRunHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.progress = QProgressBar()
        self.progress.setObjectName("sopProgress")
        self.progress.setFormat(counted(self, "%v of %m step done", "%v of %m steps done", 0))
        self.checks_button = QPushButton(self.tr("Run all checks"))
        self.checks_button.clicked.connect(self.checks_requested.emit)
        self.sign_button = QPushButton(self.tr("Finish and sign…"))
        self.sign_button.clicked.connect(self.sign_requested.emit)
        self.report_button = QPushButton(self.tr("Report…"))
        self.report_button.setToolTip(self.tr("Write the daily inspection report (HTML or PDF)"))
        self.report_button.clicked.connect(self.report_requested.emit)
        self.tree = roomy(QTreeWidget())
        self.tree.setObjectName("sopSteps")
        self.tree.setHeaderLabels([self.tr("Step"), self.tr("State"), self.tr("By"), self.tr("When"),
                                   self.tr("Note / verdict")])
        self.tree.itemSelectionChanged.connect(self._on_selected)
        # State, by and when stay whole; the note takes what is left (elided, whole in its tooltip);
        # the step column is as wide as its titles while the note keeps some room, never wider.
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.tree.header()
        header.setStretchLastSection(True)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.sectionResized.connect(self._on_section_resized)
        self._fitting = False
        self._step_dragged = False  # the person set the step column's width: keep it
        self.tree.viewport().installEventFilter(self)  # also when a scroll bar comes or goes
        self.step_view = SopStepView()
        self.step_view.action_requested.connect(self.action_requested)
        self.empty_label = QLabel(self.tr("Start a run from the library, or resume an open one."))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self._build()
        self.set_run(None)

    def _build(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.progress, 1)
        bar.addStretch(0)
        for b in (self.checks_button, self.sign_button, self.report_button):
            # Buttons keep their size: with no run shown, Report… must not span the page.
            b.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            bar.addWidget(b)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.tree)
        self.split.addWidget(self.step_view)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addLayout(bar)
        layout.addWidget(self.empty_label, 1)
        layout.addWidget(self.split, 1)

    # -- data -------------------------------------------------------------------------------

    def run(self) -> SopRun | None:
        return self._run

    def set_run(self, run: SopRun | None) -> None:
        """A run as saved: the steps it answers are no longer saving."""
        if run is not None and self._run is not None and run.id != self._run.id:
            self._saving.clear()
        selected = self.step_view.step_id()
        self._run = run
        has = run is not None
        for w in (self.header, self.progress, self.checks_button, self.sign_button, self.split):
            w.setVisible(has)
        self.empty_label.setVisible(not has)
        if run is None:
            self.tree.clear()
            self.step_view.show_step(None, None)
            return
        self._show_header(run)
        self._fill_tree(run, selected)
        self._update_buttons()

    def mark_saving(self, step_id: str | None) -> None:
        """Between a click and the saved run coming back, the step's buttons wait."""
        if step_id:
            self._saving.add(step_id)
        elif self._run is not None:  # "Run all checks": every check step waits
            self._saving.update(s.id for s in self._run.template.steps if s.kind == CHECK)
        self._refresh_step()

    def saved(self, run: SopRun) -> None:
        self._saving.clear()
        self.set_run(run)

    def clear_saving(self) -> None:
        self._saving.clear()
        self._refresh_step()

    def _show_header(self, run: SopRun) -> None:
        t = run.template
        lines = [f"<b>{html.escape(t.title)}</b> <span>v{html.escape(t.version)}</span>",
                 html.escape(self.tr("Started {0} by {1}").format(st.when_text(run.started), run.started_by or "?"))]
        if run.due:
            lines[-1] += " · " + html.escape(self.tr("due {0}").format(st.when_text(run.due)))
        if run.signed:
            color = status_color("ok", self._theme)
            lines.append(f'<span style="color:{color}; font-weight:600">{html.escape(st.signed_text(run))}</span>')
        self.header.setText("<br>".join(lines))
        self.header.setToolTip(st.signed_text(run) if run.signed else "")
        self.progress.setMaximum(max(1, len(run.steps)))
        # %v and %m are the bar's own fields: the noun agrees with the number of steps (%m).
        self.progress.setFormat(counted(self, "%v of %m step done", "%v of %m steps done", len(run.steps)))
        self.progress.setValue(run.done)

    def _fill_tree(self, run: SopRun, selected: str | None) -> None:
        self.tree.blockSignals(True)
        self.tree.clear()
        chosen = None
        for section in run.template.sections:
            parent = QTreeWidgetItem([section.title] + [""] * (COLUMNS - 1))
            font = QFont(parent.font(0))
            font.setBold(True)
            parent.setFont(0, font)
            parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(parent)
            for step in section.steps:
                item = self._step_item(run, step)
                parent.addChild(item)
                chosen = item if step.id == selected else chosen
        self.tree.expandAll()
        self.fit_columns()
        if chosen is None:
            chosen = self._first_open_item()
        self.tree.blockSignals(False)
        if chosen is not None:
            self.tree.setCurrentItem(chosen)
        self._on_selected()

    def fit_columns(self) -> None:
        """The step column as wide as its longest title, but the note keeps NOTE_MIN_WIDTH: no
        horizontal scroll bar at the page's usual width."""
        if self._step_dragged or self.tree.topLevelItemCount() == 0:
            return
        header = self.tree.header()
        fixed = sum(header.sectionSize(c) for c in (1, 2, 3) if not header.isSectionHidden(c))
        width = self.tree.viewport().width()
        room = width - fixed - NOTE_MIN_WIDTH
        wanted = min(self.tree.sizeHintForColumn(0), max(STEP_MAX_WIDTH, int(width * STEP_MAX_SHARE)))
        self._fitting = True
        try:
            self.tree.setColumnWidth(0, max(STEP_MIN_WIDTH, min(wanted, room)))
        finally:
            self._fitting = False

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if column == 0 and not self._fitting and self.tree.header().underMouse():
            self._step_dragged = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.tree.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_columns()
        return super().eventFilter(watched, event)

    def _step_item(self, run: SopRun, step: SopStep) -> QTreeWidgetItem:
        state = run.state_of(step.id)
        item = QTreeWidgetItem([step.title, st.state_label(state.state), state.actor, st.when_text(state.ts),
                                st.step_message(state)])
        item.setData(0, STEP_ROLE, step.id)
        item.setForeground(1, QBrush(QColor(status_color(st.state_level(state.state), self._theme))))
        item.setToolTip(0, "\n".join(p for p in (step.title, step.why) if p))
        item.setToolTip(4, st.step_message(state))
        if run.signed:
            item.setToolTip(1, st.signed_text(run))
        return item

    def _first_open_item(self) -> QTreeWidgetItem | None:
        first = None
        for item in self._step_items():
            first = first or item
            if self._run.state_of(item.data(0, STEP_ROLE)).state == OPEN:
                return item
        return first

    def _step_items(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i).child(j) for i in range(self.tree.topLevelItemCount())
                for j in range(self.tree.topLevelItem(i).childCount())]

    def _on_selected(self) -> None:
        self._refresh_step()

    def _refresh_step(self) -> None:
        item = self.tree.currentItem()
        step_id = item.data(0, STEP_ROLE) if item is not None else None
        step = next((s for s in self._run.template.steps if s.id == step_id), None) if self._run else None
        self.step_view.show_step(self._run if step else None, step, saving=bool(step) and step.id in self._saving)

    def _update_buttons(self) -> None:
        run = self._run
        open_count = sum(1 for s in run.steps if s.state == OPEN)
        has_checks = any(s.kind == CHECK for s in run.template.steps)
        if run.signed:
            for b in (self.checks_button, self.sign_button):
                b.setEnabled(False)
                b.setToolTip(st.signed_text(run))
            return
        self.checks_button.setEnabled(has_checks)
        self.checks_button.setToolTip("" if has_checks else self.tr("This procedure has no check steps."))
        self.sign_button.setEnabled(True)  # the dialog says why it refuses, with the count
        self.sign_button.setToolTip(counted(self, "%n step still open", "%n steps still open", open_count) if open_count else "")

    # -- reading back (tests and the page) --------------------------------------------------------

    def select_step(self, step_id: str) -> None:
        for item in self._step_items():
            if item.data(0, STEP_ROLE) == step_id:
                self.tree.setCurrentItem(item)

    def shown_steps(self) -> list[tuple[str, str, str, str, str]]:
        return [tuple(item.text(c) for c in range(COLUMNS)) for item in self._step_items()]

    def section_titles(self) -> list[str]:
        return [self.tree.topLevelItem(i).text(0) for i in range(self.tree.topLevelItemCount())]

    def apply_theme(self, name: str) -> None:
        self._theme = get_theme(name).name
        self.step_view.apply_theme(name)
        if self._run is not None:
            self.set_run(self._run)
