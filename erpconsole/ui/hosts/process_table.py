"""The top processes of a host, by CPU and by memory, sortable and copyable."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHeaderView, QLabel, QWidget

from erpconsole.services.models import ProcessInfo
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_view import DataTableView


def _mib(n: int) -> str:
    return f"{n / 1048576:.1f} MiB"


class ProcessTable(DataTableView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        self.table_model = RowsTableModel([
            Column("pid", self.tr("PID"), right),
            Column("name", self.tr("Process")),
            Column("user", self.tr("User")),
            Column("cpu_percent", self.tr("CPU %"), right, lambda v: f"{v:.1f}"),
            Column("mem_percent", self.tr("Memory %"), right, lambda v: f"{v:.1f}"),
            Column("rss_bytes", self.tr("Resident"), right, _mib),
        ])
        self.set_source_model(self.table_model)
        self.sortByColumn(3, Qt.SortOrder.DescendingOrder)
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the process name
        # An empty table says why it is empty, over its viewport.
        self._empty = QLabel(self.tr("No processes to show yet"), self.viewport())
        self._empty.setObjectName("processesEmpty")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._empty.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def set_processes(self, processes: tuple[ProcessInfo, ...]) -> None:
        self.table_model.set_rows(list(processes))
        self._empty.setVisible(not processes)

    def show_empty(self, reason: str) -> None:
        """No rows, and ``reason`` in their place (the host is not reachable, not polled yet)."""
        self.table_model.set_rows([])
        self._empty.setText(reason)
        self._empty.setVisible(True)

    def empty_reason(self) -> str:
        """The sentence shown in place of the rows, or "" while there are rows."""
        return "" if self._empty.isHidden() else self._empty.text()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._empty.setGeometry(self.viewport().rect().adjusted(8, 8, -8, -8))
