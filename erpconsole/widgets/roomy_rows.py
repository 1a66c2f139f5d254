"""Rows as tall as the console's tables (``TableView``: the font's height plus 8 px) for the
item views that are not TableViews (trees and lists), so every list reads the same."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSize
from PySide6.QtWidgets import QAbstractItemView, QStyledItemDelegate, QStyleOptionViewItem, QTreeView

EXTRA_PX = 8


class RoomyRows(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), option.fontMetrics.height() + EXTRA_PX))


def roomy(view: QAbstractItemView) -> QAbstractItemView:
    """Gives ``view`` the taller rows; returns it."""
    view.setItemDelegate(RoomyRows(view))
    if isinstance(view, QTreeView):
        view.setUniformRowHeights(True)  # one row measured, not every row
    return view
