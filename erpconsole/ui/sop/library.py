"""The left side of the SOP page: the template library (title, schedule, due or overdue),
the files that were refused with their FILE:LINE message, and the open runs to resume."""

from __future__ import annotations

import html
import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QPushButton, QTreeWidget, QTreeWidgetItem,
    QVBoxLayout, QWidget,
)

from erpconsole.services.sop.models import DueRun, SopRun, SopTemplate, TemplateError
from erpconsole.ui.sop import text as st
from erpconsole.widgets.theme import current_theme_name, get_theme, status_color
from erpconsole.widgets.roomy_rows import roomy

ID_ROLE = Qt.ItemDataRole.UserRole


class SopLibraryPanel(QWidget):
    start_requested = Signal(str)  # template id
    resume_requested = Signal(int)  # run id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._templates: list[SopTemplate] = []
        self._errors: list[TemplateError] = []
        self._due: dict[str, DueRun] = {}
        self._theme = current_theme_name()
        self.templates_tree = roomy(QTreeWidget())
        self.templates_tree.setObjectName("sopTemplates")
        self.templates_tree.setHeaderLabels([self.tr("Procedure"), self.tr("Schedule"), self.tr("Due")])
        self.templates_tree.setRootIsDecorated(False)
        # A narrow pane: the title gives way (elided, whole in its tooltip), schedule and due stay whole.
        header = self.templates_tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.templates_tree.itemDoubleClicked.connect(lambda *_: self._on_start())
        self.templates_tree.itemSelectionChanged.connect(self._update_buttons)
        self.start_button = QPushButton(self.tr("Start run"))
        self.start_button.clicked.connect(self._on_start)
        self.errors_label = QLabel()
        self.errors_label.setObjectName("sopRefused")
        self.errors_label.setWordWrap(True)
        self.errors_label.setTextFormat(Qt.TextFormat.RichText)
        self.errors_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_list = roomy(QListWidget())
        self.open_list.setObjectName("sopOpenRuns")
        # Each line of a run is cut at its end (a date is never cut in the middle), and the
        # list keeps room for the date line whole.
        self.open_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.open_list.setMinimumWidth(self.open_list.fontMetrics().horizontalAdvance(st.RUN_TITLE_ROOM) + 32)
        self.open_list.setAlternatingRowColors(True)  # two lines a run: where one ends shows
        self.open_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.open_list.itemDoubleClicked.connect(lambda *_: self._on_resume())
        self.open_list.itemSelectionChanged.connect(self._update_buttons)
        self.resume_button = QPushButton(self.tr("Resume"))
        self.resume_button.clicked.connect(self._on_resume)
        self._build()
        self._update_buttons()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_heading(self.tr("Procedures")))
        layout.addWidget(self.templates_tree, 3)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.start_button)
        layout.addLayout(row)
        layout.addWidget(self.errors_label)
        layout.addWidget(_heading(self.tr("Open runs")))
        layout.addWidget(self.open_list, 2)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.resume_button)
        layout.addLayout(row)

    # -- data -------------------------------------------------------------------------------

    def set_templates(self, templates: list[SopTemplate], errors: list[TemplateError]) -> None:
        selected = self.selected_template()
        self._templates, self._errors = list(templates), list(errors)
        self._fill_templates(selected)
        self._fill_errors()

    def set_due(self, due: list[DueRun]) -> None:
        self._due = {d.template_id: d for d in due}
        self._fill_templates(self.selected_template())

    def set_open_runs(self, runs: list[SopRun]) -> None:
        self.open_list.clear()
        for run in runs:
            item = QListWidgetItem(st.run_title(run))
            item.setToolTip(item.text())
            item.setData(ID_ROLE, run.id)
            self.open_list.addItem(item)
        self._update_buttons()

    def update_open_run(self, run: SopRun) -> None:
        """A run saved: its line shows the new count; a signed run leaves the list."""
        for i in range(self.open_list.count()):
            item = self.open_list.item(i)
            if item.data(ID_ROLE) == run.id:
                if run.signed:
                    self.open_list.takeItem(i)
                else:
                    item.setText(st.run_title(run))
                    item.setToolTip(item.text())
                break
        self._update_buttons()

    def _fill_templates(self, selected: str | None) -> None:
        self.templates_tree.clear()
        now = time.time()
        for template in self._templates:
            text, level = st.due_marker(self._due.get(template.id), now)
            item = QTreeWidgetItem([template.title, st.schedule_text(template.schedule), text])
            item.setData(0, ID_ROLE, template.id)
            item.setToolTip(0, "\n".join(p for p in (template.title, template.description or template.source) if p))
            if level:
                item.setForeground(2, QBrush(QColor(status_color(level, self._theme))))
            self.templates_tree.addTopLevelItem(item)
            if template.id == selected:
                item.setSelected(True)
                self.templates_tree.setCurrentItem(item)
        self._update_buttons()

    def _fill_errors(self) -> None:
        if not self._errors:
            self.errors_label.hide()
            return
        color = status_color("critical", self._theme)
        lines = "<br>".join(html.escape(str(e)) for e in self._errors)
        self.errors_label.setText(f'<span style="color:{color}; font-weight:600">'
                                  + html.escape(self.tr("Refused template files:")) + f"</span><br>{lines}")
        self.errors_label.show()

    # -- reading back (the page and tests) ----------------------------------------------------

    def template_rows(self) -> list[tuple[str, str, str]]:
        tree = self.templates_tree
        return [tuple(tree.topLevelItem(i).text(c) for c in range(3)) for i in range(tree.topLevelItemCount())]

    def refused_text(self) -> str:
        """What the refused-files line reads, as plain text."""
        if self.errors_label.isHidden():
            return ""
        doc = QTextDocument()
        doc.setHtml(self.errors_label.text())
        return doc.toPlainText()

    def open_run_texts(self) -> list[str]:
        return [self.open_list.item(i).text() for i in range(self.open_list.count())]

    def selected_template(self) -> str | None:
        item = self.templates_tree.currentItem()
        return item.data(0, ID_ROLE) if item is not None and item.isSelected() else None

    def select_template(self, template_id: str) -> None:
        for i in range(self.templates_tree.topLevelItemCount()):
            item = self.templates_tree.topLevelItem(i)
            if item.data(0, ID_ROLE) == template_id:
                self.templates_tree.setCurrentItem(item)
                item.setSelected(True)

    def select_open_run(self, run_id: int) -> None:
        for i in range(self.open_list.count()):
            if self.open_list.item(i).data(ID_ROLE) == run_id:
                self.open_list.setCurrentRow(i)

    def _on_start(self) -> None:
        template_id = self.selected_template()
        if template_id:
            self.start_requested.emit(template_id)

    def _on_resume(self) -> None:
        item = self.open_list.currentItem()
        if item is not None:
            self.resume_requested.emit(int(item.data(ID_ROLE)))

    def _update_buttons(self) -> None:
        self.start_button.setEnabled(self.selected_template() is not None)
        self.start_button.setToolTip("" if self.start_button.isEnabled() else self.tr("Choose a procedure first."))
        self.resume_button.setEnabled(self.open_list.currentItem() is not None)

    def apply_theme(self, name: str) -> None:
        self._theme = get_theme(name).name
        self._fill_templates(self.selected_template())
        self._fill_errors()


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    label.setFont(font)
    return label
