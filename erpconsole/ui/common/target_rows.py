"""What a listing page of targets (hosts, databases) answers about its table: the rows as
shown, one target's row, and the selection by target name, found again after a rebuild."""

from __future__ import annotations

from typing import Any

from erpconsole.widgets.table_model import RowsTableModel
from erpconsole.widgets.table_setup import select_row, selected_row
from erpconsole.widgets.table_view import DataTableView


class TargetRowsMixin:
    """For a page whose ``model`` holds dict rows with a "target" key, shown by ``table``."""

    table: DataTableView
    model: RowsTableModel

    def rows(self) -> list[dict[str, Any]]:
        return self.model.rows()

    def row_for(self, target: str) -> dict[str, Any] | None:
        return next((r for r in self.model.rows() if r["target"] == target), None)

    def selected_target(self) -> str | None:
        row = selected_row(self.table, self.model)
        return row["target"] if row is not None else None

    def select(self, target: str) -> None:
        select_row(self.table, self.model, lambda r: r["target"] == target)
