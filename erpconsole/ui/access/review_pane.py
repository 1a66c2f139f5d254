"""The working area of the access review: filters over the accounts table, and beside it the
detail of the selected account with the decision buttons (K, R, C in the table; Ctrl+Z)."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from erpconsole.services.access.models import CHANGE, KEEP, REVOKE, ReviewRow
from erpconsole.ui.access.detail import AccessDetailPane
from erpconsole.ui.access.filters import AccessFilterBar
from erpconsole.ui.access.table import AccessTableModel, AccessTableView
from erpconsole.ui.common.saved_state import restore_header, restore_splitter

DETAIL_WIDTH = 310  # the detail pane's width by default


class AccessReviewPane(QWidget):
    """Shows rows and asks for decisions; ``rows_changed`` after anything that moves the counts."""

    decision_requested = Signal(str, str, str)  # key, decision, comment
    undo_requested = Signal(str)
    run_requested = Signal(object)  # Statement
    rows_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filters = AccessFilterBar()
        self.model = AccessTableModel(self)
        self.table = AccessTableView(self.model)
        self.detail = AccessDetailPane()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        # The table gets most of the width (and most of a wider window); the detail keeps enough to
        # read a finding and press a decision. A dragged split is remembered (save_state).
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([920, DETAIL_WIDTH])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filters)
        layout.addWidget(self.splitter, 1)
        self.filters.filters_changed.connect(self._apply_filters)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self.show_detail())
        self.detail.decision_requested.connect(self.decision_requested.emit)
        self.detail.undo_requested.connect(self.undo_requested.emit)
        self.detail.run_requested.connect(self.run_requested.emit)
        for key, decision in ((Qt.Key.Key_K, KEEP), (Qt.Key.Key_R, REVOKE), (Qt.Key.Key_C, CHANGE)):
            shortcut = QShortcut(QKeySequence(key), self.table, context=Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda d=decision: self.detail.press(d))
        # In the comment box Ctrl+Z undoes typing (the editor takes the key first); elsewhere the decision.
        undo = QShortcut(QKeySequence.StandardKey.Undo, self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo.activated.connect(self.detail.undo)

    # -- rows ------------------------------------------------------------------------------

    def set_rows(self, rows) -> None:
        """A new load: the selected account stays selected, else the first row is."""
        selected = self.table.current_key()
        self.model.set_rows(rows)  # the proxy filters the new rows as part of the reset
        self._counts()
        if not (selected and self.table.select_key(selected)) and self.table.shown_count():
            self.table.select_view_row(0)
        self.show_detail()

    def update_row(self, row: ReviewRow) -> bool:
        """A decision came back saved; False when the row is not in this table."""
        key = row.account.key
        if self.model.row_index(key) is None:
            return False
        view_row = self.table.currentIndex().row()
        was_current = self.table.current_key() == key
        self.model.update_row(row)
        self._counts()
        if was_current and self.table.view_row_of(key) is None and self.table.shown_count():
            # The decided row left the filtered view ("Undecided"): the next one takes its place.
            self.table.select_view_row(min(view_row, self.table.shown_count() - 1))
        self.refresh_detail(key)
        return True

    def set_state(self, key: str, state: str) -> None:
        self.model.set_state(key, state)
        self.refresh_detail(key)

    def shown_keys(self) -> list[str]:
        return [self.model.row(self.table.model_row(r)).account.key for r in range(self.table.shown_count())]

    def select_key(self, key: str) -> bool:
        return self.table.select_key(key)

    # -- showing ---------------------------------------------------------------------------

    def show_detail(self) -> None:
        key = self.table.current_key()
        i = self.model.row_index(key) if key else None
        self.detail.set_row(self.model.row(i) if i is not None else None, self.model.state(key) if key else "")

    def refresh_detail(self, key: str) -> None:
        if self.detail.row is not None and self.detail.row.account.key == key:
            i = self.model.row_index(key)
            if i is not None:
                self.detail.set_row(self.model.row(i), self.model.state(key))

    def _apply_filters(self) -> None:
        source, finding, decision, text = self.filters.filters()
        self.table.filter_proxy.set_filters(source, finding, decision, text)
        self._counts()

    def _counts(self) -> None:
        cells = [self.model.facts(i) for i in range(self.model.rowCount())]
        self.filters.set_counts(cells)
        self.filters.set_shown(self.table.shown_count(), len(cells))
        self.rows_changed.emit()

    # -- state ---------------------------------------------------------------------------

    def apply_theme(self, name: str) -> None:
        self.model.set_theme(name)
        self.detail.apply_theme(name)

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("access/splitter", self.splitter.saveState())
        settings.setValue("access/header", self.table.header_state())

    def restore_state(self, settings: QSettings) -> None:
        restore_splitter(settings, "access/splitter", self.splitter)
        restore_header(settings, "access/header", self.table)
