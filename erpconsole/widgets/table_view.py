"""A sortable, filterable table view with copy as TSV and a saved header layout."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QByteArray, QModelIndex, QPoint, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QStyle, QTableView, QWidget

from erpconsole.widgets import table_export
from erpconsole.widgets.table_model import RoomRole, SortRole

HEADING_PADDING_PX = 8  # each side of a heading: two headings never read as one ("Uptime OS")


class DataTableView(QTableView):
    """Shows a source model through a sort/filter proxy that sorts on ``SortRole``.

    ``row_activated(source_row)`` is emitted on double click or Enter.
    """

    row_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._proxy = QSortFilterProxyModel(self)
        self._proxy.setSortRole(SortRole)
        self._proxy.setFilterKeyColumn(-1)
        self._proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setModel(self._proxy)
        self.setSortingEnabled(True)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionsMovable(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.sectionResized.connect(self._on_section_resized)
        # Room inside each heading, so a right-aligned heading and a left-aligned one beside it
        # ("Uptime" | "OS") never read as one. Padding alone keeps the style's own drawing.
        header.setStyleSheet(f"QHeaderView::section {{ padding-left: {HEADING_PADDING_PX}px;"
                             f" padding-right: {HEADING_PADDING_PX}px; }}")
        self._copy_action = QAction(self.tr("Copy"), self)
        self._copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self._copy_action.triggered.connect(self.copy_selection)
        self._copy_row_action = QAction(self.tr("Copy row"), self)
        self._copy_row_action.triggered.connect(self.copy_rows)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu)
        self.doubleClicked.connect(self._on_activated)

    # -- models ---------------------------------------------------------------------------

    def set_source_model(self, model: QAbstractItemModel) -> None:
        self._proxy.setSourceModel(model)
        model.headerDataChanged.connect(self.fit_headings)
        self.fit_headings()

    def source_model(self) -> QAbstractItemModel | None:
        return self._proxy.sourceModel()

    def proxy_model(self) -> QSortFilterProxyModel:
        return self._proxy

    def source_row(self, proxy_row: int) -> int:
        return self._proxy.mapToSource(self._proxy.index(proxy_row, 0)).row()

    def selected_source_rows(self) -> list[int]:
        """Source rows touched by the selection, in on-screen order."""
        proxy_rows = sorted({i.row() for i in self.selectionModel().selectedIndexes()})
        return [self.source_row(r) for r in proxy_rows]

    # -- filter ---------------------------------------------------------------------------

    def set_filter_text(self, text: str) -> None:
        """Keeps rows where any column contains ``text``, ignoring case."""
        self._proxy.setFilterFixedString(text)

    def filter_text(self) -> str:
        return self._proxy.filterRegularExpression().pattern()

    # -- copy -----------------------------------------------------------------------------

    def selection_as_tsv(self) -> str:
        """Selected cells as TSV under their headings, in the on-screen order of rows and columns."""
        return table_export.as_tsv(table_export.selection_grid(self))

    def rows_as_tsv(self) -> str:
        """Every visible column of each selected row, as TSV under the headings."""
        return table_export.as_tsv(table_export.selected_rows_grid(self))

    def copy_selection(self) -> None:
        self._to_clipboard(self.selection_as_tsv())

    def copy_rows(self) -> None:
        self._to_clipboard(self.rows_as_tsv())

    def context_menu(self) -> QMenu:
        menu = QMenu(self)
        has_selection = self.selectionModel().hasSelection()
        for action in (self._copy_action, self._copy_row_action):
            action.setEnabled(has_selection)
            menu.addAction(action)
        table_export.add_export_action(self, menu)
        return menu

    # -- header state ---------------------------------------------------------------------

    def header_state(self) -> bytes:
        """Column order, widths, visibility and sort column, for QSettings."""
        return bytes(self.horizontalHeader().saveState().data())

    def restore_header_state(self, state: bytes) -> bool:
        if not state:
            return False
        restored = self.horizontalHeader().restoreState(QByteArray(state))
        self.fit_headings()  # a layout saved before a heading grew (or in another language)
        return restored

    # -- heading room ---------------------------------------------------------------------

    def heading_width(self, section: int) -> int:
        """The least width that shows the heading of ``section`` whole, with its padding and
        the sort arrow: a column is never narrower than its heading."""
        header = self.horizontalHeader()
        text = self._proxy.headerData(section, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        lines = str(text or "").split("\n")
        style = header.style()
        chrome = 2 * style.pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header) + \
            style.pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, header)
        heading = max(header.fontMetrics().horizontalAdvance(line) for line in lines) + \
            2 * HEADING_PADDING_PX + chrome
        room = self._proxy.headerData(section, Qt.Orientation.Horizontal, RoomRole)
        # A cell sample the column keeps whole (a date), with the cell's own margins.
        cell = self.fontMetrics().horizontalAdvance(str(room)) + 2 * HEADING_PADDING_PX if room else 0
        return max(heading, cell)

    def fit_headings(self) -> None:
        """Widens every column narrower than its heading (after set-up, a restored layout or
        a model whose headings changed)."""
        for section in range(self.horizontalHeader().count()):
            self._fit_heading(section)

    def _fit_heading(self, section: int) -> None:
        header = self.horizontalHeader()
        if header.isSectionHidden(section) or header.sectionResizeMode(section) != QHeaderView.ResizeMode.Interactive:
            return
        least = self.heading_width(section)
        if header.sectionSize(section) < least:
            header.resizeSection(section, least)

    def _on_section_resized(self, section: int, _old: int, new: int) -> None:
        if new > 0:  # 0 is a column being hidden
            self._fit_heading(section)

    # -- events ---------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._on_activated(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)

    def _on_context_menu(self, pos: QPoint) -> None:
        self.context_menu().exec(self.viewport().mapToGlobal(pos))

    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.row_activated.emit(self._proxy.mapToSource(index).row())

    @staticmethod
    def _to_clipboard(text: str) -> None:
        if text:
            QGuiApplication.clipboard().setText(text)
