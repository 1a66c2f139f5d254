"""How each source of a collection was read (system, kind, rows, time, the exact query, errors):
what an auditor checks for completeness, and where a failed source says why."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QToolButton, QVBoxLayout, QWidget

from erpconsole.services.access.models import SourceExtract
from erpconsole.ui.access.text import source_label, when_text
from erpconsole.ui.databases.panels import QueryPane, one_line
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_view import DataTableView


def _level(row: dict) -> str | None:
    return "critical" if row["error"] else "warning" if row["note"] else None


class AccessSourcesPanel(QWidget):
    """A header button that folds the table away; it opens by itself when a source failed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sources: tuple[SourceExtract, ...] = ()
        self.toggle = QToolButton()
        self.toggle.setObjectName("accessSourcesToggle")
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.toggle.toggled.connect(self._on_toggled)
        right = Qt.AlignmentFlag.AlignRight
        self.model = RowsTableModel([
            Column("system", self.tr("System")),
            Column("source", self.tr("Source"), fmt=source_label),
            Column("kind", self.tr("Kind")),
            Column("rows", self.tr("Rows"), right),
            Column("ts", self.tr("Read at"), fmt=when_text, room=when_text(0.0)),
            Column("duration", self.tr("Took"), right, lambda v: f"{v:.1f} s"),
            Column("state", self.tr("Error or note")),
            Column("query", self.tr("Query or command"), fmt=one_line),
        ], row_level=_level)
        self.table = DataTableView()
        self.table.setObjectName("accessSourcesTable")
        self.table.set_source_model(self.model)
        self.table.setSelectionBehavior(DataTableView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        for i, width in enumerate((120, 80, 90, 60, 130, 60, 300)):
            header.resizeSection(i, width)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.query = QueryPane(self.tr("Query or command as run"))
        self.body = QSplitter(Qt.Orientation.Horizontal)
        self.body.addWidget(self.table)
        self.body.addWidget(self.query)
        self.body.setStretchFactor(0, 3)
        self.body.setStretchFactor(1, 1)
        self.body.setSizes([700, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.body, 1)
        self.set_sources(())

    def set_sources(self, sources: tuple[SourceExtract, ...] | list[SourceExtract]) -> None:
        self._sources = tuple(sources)
        self.model.set_rows([{"system": s.system, "source": s.source, "kind": s.kind, "rows": s.rows, "ts": s.ts,
                              "duration": s.duration_s, "state": s.error or s.note, "error": s.error,
                              "note": s.note, "query": s.query} for s in self._sources])
        self.query.set_query("")
        failed = len(self.failed())
        title = self.tr("Sources: {0} read").format(len(self._sources))
        if failed:
            title = self.tr("Sources: {0} read, {1} failed").format(len(self._sources), failed)
        self.toggle.setText(title)
        self.setVisible(bool(self._sources))
        # A failed source is the first thing to see: the table is incomplete without it.
        self.toggle.setChecked(bool(failed))
        self._on_toggled(self.toggle.isChecked())

    def failed(self) -> list[SourceExtract]:
        return [s for s in self._sources if not s.ok]

    def is_open(self) -> bool:
        return self.toggle.isChecked()

    def rows(self) -> list[dict]:
        return self.model.rows()

    def apply_theme(self, name: str) -> None:
        self.model.set_theme(name)

    def _on_toggled(self, on: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.body.setVisible(on)

    def _on_current(self, current, _previous) -> None:
        if current.isValid():
            i = self.table.source_row(current.row())
            self.query.set_query(self.model.row(i)["query"])
