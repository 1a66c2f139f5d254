"""Every backup of one set as a sortable, copyable table, with the command that read them."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from erpconsole.services.backups.models import Backup, BackupSetStatus
from erpconsole.ui.common.labels import format_duration
from erpconsole.ui.backups import text as bt
from erpconsole.ui.common.message_bar import text_label
from erpconsole.ui.common.words import counted
from erpconsole.widgets.table_model import Column, RowsTableModel
from erpconsole.widgets.table_setup import filter_line, rows_table
from erpconsole.widgets.units import humanise_bytes

_WIDTHS = {"id": 220, "kind": 95, "finished": 150, "age": 90, "duration": 90, "size": 90, "stored": 90,
           "result": 80, "location": 260}


def _when(ts: float | None) -> str:
    return "" if ts is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def backup_row(b: Backup, now: float) -> dict:
    return {
        "id": b.id, "kind": bt.kind_label(b.kind), "finished": b.finished, "age": now - b.finished,
        "duration": None if b.started is None else b.finished - b.started,
        "size": b.size_bytes, "stored": b.stored_bytes,
        "result": bt.result_label(b.ok), "error": b.error,
        "location": b.location, "checksum": b.checksum,
        "facts": "; ".join(f"{k}={v}" for k, v in b.facts),
        "level": None if b.ok else "critical",
    }


class BackupDetailsView(QWidget):
    """``back_requested`` returns to the panels."""

    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = ""
        right = Qt.AlignmentFlag.AlignRight
        self.model = RowsTableModel([
            Column("id", self.tr("Backup")),
            Column("kind", self.tr("Kind")),
            Column("finished", self.tr("Finished"), fmt=_when, room=_when(0.0)),
            Column("age", self.tr("Age"), right, bt.age),
            Column("duration", self.tr("Took"), right, format_duration),
            Column("size", self.tr("Size"), right, humanise_bytes),
            Column("stored", self.tr("Stored"), right, humanise_bytes),
            Column("result", self.tr("Result")),
            Column("error", self.tr("Error")),
            Column("location", self.tr("Location")),
            Column("checksum", self.tr("SHA-256")),
            Column("facts", self.tr("Facts")),
        ], row_level=lambda r: r["level"])
        self.table = rows_table(self.model, "backupsTable", widths=_WIDTHS,
                                sort=("finished", Qt.SortOrder.DescendingOrder))
        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.back_button = QPushButton(self.tr("← All backup sets"))
        self.back_button.clicked.connect(self.back_requested)
        self.filter_edit = filter_line(self.tr("Filter by name, kind, result or location"), self.table.set_filter_text)
        self.query_label = text_label()
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.filter_edit, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.query_label)

    def set_status(self, status: BackupSetStatus, now: float) -> None:
        self.name = status.config.name
        self.title.setText(counted(self, "{0}: %n backup", "{0}: %n backups", len(status.backups)).format(self.name))
        self.model.set_rows([backup_row(b, now) for b in status.backups])
        read = time.strftime("%H:%M:%S", time.localtime(status.read_ts)) if status.read_ts else "–"
        query = status.query or self.tr("(the source did not say)")
        self.query_label.setText(self.tr("Read at {0} with: {1}").format(read, query)
                                 + (f"\n{status.note}" if status.note else ""))

    def rows(self) -> list[dict]:
        return self.model.rows()
