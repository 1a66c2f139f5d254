"""The top processes of a host, by CPU and by memory, sortable and copyable."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QWidget

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

    def set_processes(self, processes: tuple[ProcessInfo, ...]) -> None:
        self.table_model.set_rows(list(processes))
