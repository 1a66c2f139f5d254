"""A table model over a list of plain rows (objects or dicts), with declared columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from erpconsole.widgets.theme import current_theme_name, get_theme, status_color

SortRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2
LevelRole = Qt.ItemDataRole.UserRole + 3
RoomRole = Qt.ItemDataRole.UserRole + 4  # header: a sample cell the column keeps room for, whole

_Index = QModelIndex | QPersistentModelIndex
_TINTED = ("warning", "critical")
_MUTED = ("stale", "pending", "unknown")
_TINT_ALPHA = 56


@dataclass(frozen=True)
class Column:
    """One column: ``key`` is an attribute name (or dict key) of the row.

    ``fmt`` turns the raw value into display text (default ``str``; None shows empty).
    ``sort_key`` turns the raw value into what sorting compares (default the raw value);
    it should return a number, a string, or None (sorted first).
    ``room`` is a sample of the widest cell that must never be cut (a date: "2026-12-01 10:00"):
    the column is kept at least that wide.
    ``tip`` names the row's key (or attribute) holding the cell's tooltip, where it says more
    than the cell (why a cell is empty); without one, or when it holds nothing, the tooltip is
    the cell's text. ``heading_tip`` is the heading's tooltip, for what the short heading leaves out.
    """

    key: str
    title: str
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft
    fmt: Callable[[Any], str] | None = None
    sort_key: Callable[[Any], Any] | None = None
    room: str = ""
    tip: str = ""
    heading_tip: str = ""


def cell_value(row: Any, key: str) -> Any:
    if isinstance(row, dict):
        return row.get(key)
    return getattr(row, key, None)


class RowsTableModel(QAbstractTableModel):
    """Read-only rows; :meth:`set_rows` replaces them all inside one model reset."""

    def __init__(
        self,
        columns: Sequence[Column],
        rows: Sequence[Any] = (),
        row_level: Callable[[Any], str | None] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Any] = list(rows)
        self._row_level = row_level
        self._theme = current_theme_name()

    # -- public ---------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row(self, i: int) -> Any:
        return self._rows[i]

    def columns(self) -> list[Column]:
        return list(self._columns)

    def column_index(self, key: str) -> int:
        return next(i for i, c in enumerate(self._columns) if c.key == key)

    def set_theme(self, name: str) -> None:
        """Row colours follow this theme; the view repaints them at once."""
        self._theme = get_theme(name).name
        if self._rows:
            last = self.index(len(self._rows) - 1, len(self._columns) - 1)
            self.dataChanged.emit(
                self.index(0, 0), last, [Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole]
            )

    def display_text(self, row: int, column: int) -> str:
        return self._display(self._rows[row], self._columns[column])

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        return 0 if parent.isValid() else len(self._columns)

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align | Qt.AlignmentFlag.AlignVCenter)
        if role == RoomRole:
            return column.room or None
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.heading_tip or None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, column = self._rows[index.row()], self._columns[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and column.tip:
            return cell_value(row, column.tip) or self._display(row, column)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._display(row, column)
        if role == SortRole:
            return self._sort_value(row, column)
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align | Qt.AlignmentFlag.AlignVCenter)
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole, LevelRole):
            return self._level_data(row, role)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- internals ------------------------------------------------------------------------

    @staticmethod
    def _display(row: Any, column: Column) -> str:
        value = cell_value(row, column.key)
        if value is None:
            return ""
        return column.fmt(value) if column.fmt is not None else str(value)

    @staticmethod
    def _sort_value(row: Any, column: Column) -> Any:
        value = cell_value(row, column.key)
        if column.sort_key is not None:
            return column.sort_key(value)
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        # Anything Qt cannot compare (enums, tuples, objects) sorts by its text.
        return str(getattr(value, "value", value))

    def _level_data(self, row: Any, role: int) -> Any:
        level = self._row_level(row) if self._row_level is not None else None
        if role == LevelRole:
            return level
        if level in _TINTED and role == Qt.ItemDataRole.BackgroundRole:
            color = QColor(status_color(level, self._theme))
            color.setAlpha(_TINT_ALPHA)
            return QBrush(color)
        if level in _MUTED and role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(get_theme(self._theme).muted_text))
        return None
