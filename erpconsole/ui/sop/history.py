"""The History tab: every run, filtered by procedure, person and outcome; and compliance (the
share of scheduled runs done on time) per procedure and month."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLabel, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from erpconsole.services.sop.models import FAILED, OPEN, PASSED, Compliance, SopRun
from erpconsole.ui.sop import text as st
from erpconsole.widgets.table_export import install_table_export
from erpconsole.widgets.theme import current_theme_name, get_theme, status_color

RUN_ROLE = Qt.ItemDataRole.UserRole
ANY = ""


def run_people(run: SopRun) -> set[str]:
    """Everyone who had a hand in a run: who started it, ticked a step, signed it."""
    people = {run.started_by, run.signed_by, run.signed_actor} | {s.actor for s in run.steps}
    return {p for p in people if p}


class SopHistoryView(QWidget):
    run_requested = Signal(int)  # open this run in the run view

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runs: list[SopRun] = []
        self._compliance: list[Compliance] = []
        self._titles: dict[str, str] = {}  # template id -> title, from the library
        self._theme = current_theme_name()
        self.template_filter = QComboBox()
        self.person_filter = QComboBox()
        self.outcome_filter = QComboBox()
        for value, text in ((ANY, self.tr("any outcome")), (OPEN, st.outcome_label(OPEN)),
                            (PASSED, st.outcome_label(PASSED)), (FAILED, st.outcome_label(FAILED))):
            self.outcome_filter.addItem(text, value)
        for combo in (self.template_filter, self.person_filter, self.outcome_filter):
            combo.currentIndexChanged.connect(self._fill_runs)
        self.runs_table = _table("sopHistory", [self.tr("Started"), self.tr("Procedure"), self.tr("Started by"),
                                                self.tr("Outcome"), self.tr("Done"), self.tr("Signed by"),
                                                self.tr("Due")])
        self.runs_table.cellDoubleClicked.connect(self._on_double_click)
        self.compliance_table = _table("sopCompliance", [])
        self._build()
        self._fill_filters()

    def _build(self) -> None:
        filters = QHBoxLayout()
        for caption, combo in ((self.tr("Procedure:"), self.template_filter), (self.tr("Person:"), self.person_filter),
                               (self.tr("Outcome:"), self.outcome_filter)):
            filters.addWidget(QLabel(caption))
            filters.addWidget(combo)
        filters.addStretch(1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(filters)
        top_layout.addWidget(self.runs_table, 1)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(QLabel(self.tr("Compliance: scheduled runs done on time, per month")))
        bottom_layout.addWidget(self.compliance_table, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

    # -- data -------------------------------------------------------------------------------

    def set_runs(self, runs: list[SopRun]) -> None:
        self._runs = list(runs)
        self._fill_filters()
        self._fill_runs()

    def set_titles(self, templates: list, _errors: list = ()) -> None:
        self._titles = {t.id: t.title for t in templates}
        self._fill_compliance()

    def set_compliance(self, rows: list[Compliance]) -> None:
        self._compliance = list(rows)
        self._fill_compliance()

    def set_filters(self, template: str = ANY, person: str = ANY, outcome: str = ANY) -> None:
        for combo, value in ((self.template_filter, template), (self.person_filter, person),
                             (self.outcome_filter, outcome)):
            index = combo.findData(value)
            combo.setCurrentIndex(max(0, index))

    def _fill_filters(self) -> None:
        templates = sorted({(r.template.id, r.template.title) for r in self._runs}, key=lambda t: t[1].lower())
        people = sorted(set().union(*(run_people(r) for r in self._runs)) if self._runs else set())
        _refill(self.template_filter, [(ANY, self.tr("all procedures"))] + templates)
        _refill(self.person_filter, [(ANY, self.tr("everyone"))] + [(p, p) for p in people])

    def _matches(self, run: SopRun) -> bool:
        template, person = self.template_filter.currentData(), self.person_filter.currentData()
        outcome = self.outcome_filter.currentData()
        return ((not template or run.template.id == template) and (not person or person in run_people(run))
                and (not outcome or run.outcome == outcome))

    def _fill_runs(self) -> None:
        shown = [r for r in self._runs if self._matches(r)]
        table = self.runs_table
        table.setRowCount(len(shown))
        for row, run in enumerate(shown):
            due = "" if run.due is None else st.when_text(run.due)
            texts = (st.when_text(run.started), run.template.title, run.started_by, st.outcome_label(run.outcome),
                     f"{run.done}/{len(run.steps)}", run.signed_by, due)
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setData(RUN_ROLE, run.id)
                table.setItem(row, col, item)
            level = {PASSED: "ok", FAILED: "critical"}.get(run.outcome, "pending")
            table.item(row, 3).setForeground(QBrush(QColor(status_color(level, self._theme))))
        table.resizeColumnsToContents()

    def _fill_compliance(self) -> None:
        months = sorted({c.month for c in self._compliance})
        templates = sorted({c.template_id for c in self._compliance})
        by_key = {(c.template_id, c.month): c for c in self._compliance}
        table = self.compliance_table
        table.setColumnCount(len(months) + 1)
        table.setHorizontalHeaderLabels([self.tr("Procedure")] + months)
        table.setRowCount(len(templates))
        titles = self._titles | {r.template.id: r.template.title for r in self._runs}
        for row, template_id in enumerate(templates):
            table.setItem(row, 0, QTableWidgetItem(titles.get(template_id, template_id)))
            for col, month in enumerate(months, start=1):
                table.setItem(row, col, self._compliance_item(by_key.get((template_id, month))))
        table.resizeColumnsToContents()

    def _compliance_item(self, c: Compliance | None) -> QTableWidgetItem:
        if c is None or not c.scheduled:
            return QTableWidgetItem("–")
        share = c.on_time / c.scheduled
        item = QTableWidgetItem(self.tr("{0}% ({1}/{2})").format(round(share * 100), c.on_time, c.scheduled))
        item.setToolTip(self.tr("{0} on time, {1} late, {2} missed").format(c.on_time, c.late, c.missed))
        level = "ok" if share >= 0.95 else "warning" if share >= 0.8 else "critical"
        item.setForeground(QBrush(QColor(status_color(level, self._theme))))
        return item

    # -- reading back -------------------------------------------------------------------------

    def shown_runs(self) -> list[int]:
        return [int(self.runs_table.item(r, 0).data(RUN_ROLE)) for r in range(self.runs_table.rowCount())]

    def compliance_cells(self) -> dict[tuple[str, str], str]:
        t = self.compliance_table
        return {(t.item(r, 0).text(), t.horizontalHeaderItem(c).text()): t.item(r, c).text()
                for r in range(t.rowCount()) for c in range(1, t.columnCount())}

    def _on_double_click(self, row: int, _col: int) -> None:
        self.run_requested.emit(int(self.runs_table.item(row, 0).data(RUN_ROLE)))

    def apply_theme(self, name: str) -> None:
        self._theme = get_theme(name).name
        self._fill_runs()
        self._fill_compliance()


def _refill(combo: QComboBox, items: list[tuple[str, str]]) -> None:
    """New choices, keeping the chosen one when it is still there."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for value, text in items:
        combo.addItem(text, value)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    combo.blockSignals(False)


def _table(name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    if headers:
        table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.horizontalHeader().setStretchLastSection(True)
    install_table_export(table)  # Ctrl+C with headings, Copy row, Export as CSV…
    return table
