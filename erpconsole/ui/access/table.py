"""The accounts of one review campaign as a table: a model with one reset per load, a filter
proxy (source, finding, decision, search words) and a view that finds rows by account key."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, QTimer,
)
from PySide6.QtGui import QBrush, QColor, QResizeEvent
from PySide6.QtWidgets import QHeaderView

from erpconsole.services.access.models import ReviewRow
from erpconsole.ui.access.text import (
    decision_label, last_login_sort, last_login_text, privileges_text, rule_title, severity_level, source_label,
)
from erpconsole.widgets.table_model import LevelRole, RowRole, SortRole
from erpconsole.widgets.table_view import DataTableView
from erpconsole.widgets.theme import current_theme_name, get_theme, status_color, status_glyph

_Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("account", "source", "system", "owner", "privileges", "last_login", "findings", "decision")
# Short columns are as wide as their contents; the rest share what is left of the view (no
# horizontal scroll bar): owner and decision up to a cap, then the account up to its longest
# name but at most ACCOUNT_SHARE of the rest, and the findings everything that remains. A cut
# cell is elided and its tooltip has the whole text.
TO_CONTENTS = ("source", "system", "privileges", "last_login")
CAPS = {"owner": 150, "decision": 190}
ACCOUNT_SHARE = 0.45
MIN_WIDTHS = {"account": 90, "owner": 80, "findings": 120, "decision": 80}
SAVING, SAVED, FAILED = "saving", "saved", "failed"

# Filter values that are not a source, rule or decision.
ALL = ""
ANY_FINDING = "*"
NO_FINDING = "-"
UNDECIDED = "undecided"


@dataclass(frozen=True, slots=True)
class _Cells:
    """What one row shows and sorts by, worked out once per load (a sort asks thousands of times)."""

    key: str
    text: tuple[str, ...]
    sort: tuple[Any, ...]
    source: str
    rules: frozenset[str]
    decision: str
    haystack: str
    level: str | None
    inactive: bool


class AccessTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._titles = (self.tr("Account"), self.tr("Source"), self.tr("System"), self.tr("Owner"),
                        self.tr("Privileges"), self.tr("Last login"), self.tr("Findings"), self.tr("Decision"))
        self._rows: list[ReviewRow] = []
        self._cells: list[_Cells] = []
        self._row_of: dict[str, int] = {}
        self._state: dict[str, str] = {}
        self._theme = current_theme_name()

    # -- public ---------------------------------------------------------------------------

    def set_rows(self, rows: list[ReviewRow] | tuple[ReviewRow, ...]) -> None:
        now = time.time()
        self.beginResetModel()
        self._rows = list(rows)
        self._cells = [self._make_cells(r, now) for r in self._rows]
        self._row_of = {r.account.key: i for i, r in enumerate(self._rows)}
        self._state = {}
        self.endResetModel()

    def update_row(self, row: ReviewRow, state: str = SAVED) -> int | None:
        """A row changed by a decision; returns its index, None when it is not in this table."""
        i = self._row_of.get(row.account.key)
        if i is None:
            return None
        self._rows[i] = row
        self._state[row.account.key] = state
        self._cells[i] = self._make_cells(row, time.time())
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))
        return i

    def set_state(self, key: str, state: str) -> None:
        i = self._row_of.get(key)
        if i is None:
            return
        self._state[key] = state
        self._cells[i] = self._make_cells(self._rows[i], time.time())
        column = COLUMNS.index("decision")
        self.dataChanged.emit(self.index(i, column), self.index(i, column))

    def state(self, key: str) -> str:
        return self._state.get(key, "")

    def rows(self) -> list[ReviewRow]:
        return list(self._rows)

    def row(self, i: int) -> ReviewRow:
        return self._rows[i]

    def row_index(self, key: str) -> int | None:
        return self._row_of.get(key)

    def facts(self, i: int) -> _Cells:
        return self._cells[i]

    def display_text(self, i: int, column: str) -> str:
        return self._cells[i].text[COLUMNS.index(column)]

    def set_theme(self, name: str) -> None:
        self._theme = get_theme(name).name
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1),
                                  [Qt.ItemDataRole.ForegroundRole])

    # -- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt override
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt override
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._titles[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        cells, column = self._cells[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if COLUMNS[column] == "findings" and cells.level:  # a shape as well as a colour
                return f"{status_glyph(cells.level)} {cells.text[column]}"
            return cells.text[column]
        if role == SortRole:
            return cells.sort[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(index.row(), column)
        if role == RowRole:
            return self._rows[index.row()]
        if role == LevelRole:
            return cells.level
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(cells, column)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- internals ------------------------------------------------------------------------

    def _foreground(self, cells: _Cells, column: int) -> QBrush | None:
        name = COLUMNS[column]
        if name == "findings" and cells.level:
            return QBrush(QColor(status_color(cells.level, self._theme)))
        if name == "decision" and self._state.get(cells.key) == FAILED:
            return QBrush(QColor(status_color("critical", self._theme)))
        if cells.inactive or (name == "decision" and not cells.decision):
            return QBrush(QColor(get_theme(self._theme).muted_text))
        return None

    def _tooltip(self, i: int, column: int) -> str:
        row = self._rows[i]
        name = COLUMNS[column]
        if name == "findings" and row.findings:
            return "\n".join(f.message for f in row.findings)
        if name == "decision" and row.decision is not None and row.decision.comment:
            return f"{self._cells[i].text[column]}\n{row.decision.comment}"
        if name == "account" and (row.account.display_name or row.account.email):
            return " ".join(p for p in (row.account.display_name, row.account.email) if p)
        return self._cells[i].text[column]

    def _make_cells(self, row: ReviewRow, now: float) -> _Cells:
        a, owner, d = row.account, row.owner, row.decision
        owner_text = self._owner_text(row)
        findings = ", ".join(dict.fromkeys(rule_title(f.rule) for f in row.findings))
        worst = row.worst
        decision = self._decision_text(row)
        text = (a.name, source_label(a.source), a.system, owner_text, privileges_text(a),
                last_login_text(a, now), findings, decision)
        sort = (a.name.casefold(), a.source, a.system.casefold(), owner_text.casefold(),
                (1000000 if a.superuser else 0) + len(a.privileges), last_login_sort(a),
                (worst.rank + 1 if worst else 0) * 1000 + len(row.findings), decision.casefold())
        hay = "\n".join((a.key, a.name, a.display_name, a.email, a.system, owner.name if owner else "",
                         owner.email if owner else "")).casefold()
        return _Cells(a.key, text, sort, a.source, frozenset(f.rule for f in row.findings), d.decision if d else "",
                      hay, severity_level(worst), not a.active)

    def _owner_text(self, row: ReviewRow) -> str:
        if row.owner is None:
            return self.tr("no owner")
        status = row.owner.status.strip()
        return row.owner.name if status.lower() == "active" or not status else f"{row.owner.name} ({status})"

    def _decision_text(self, row: ReviewRow) -> str:
        state = self._state.get(row.account.key, "")
        d = row.decision
        text = self.tr("undecided") if d is None else " · ".join(p for p in (decision_label(d.decision), d.reviewer) if p)
        suffix = {SAVING: self.tr("saving…"), SAVED: self.tr("saved ✓"), FAILED: self.tr("not saved")}.get(state)
        return f"{text} · {suffix}" if suffix else text


class AccessFilterProxy(QSortFilterProxyModel):
    """Keeps the rows that match every filter; changing several filters re-filters once."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._source = ALL
        self._finding = ALL
        self._decision = ALL
        self._words: tuple[str, ...] = ()

    def set_filters(self, source: str | None = None, finding: str | None = None, decision: str | None = None,
                    text: str | None = None) -> None:
        modern = hasattr(self, "beginFilterChange")  # Qt 6.10 deprecates invalidateFilter()
        if modern:
            self.beginFilterChange()
        if source is not None:
            self._source = source
        if finding is not None:
            self._finding = finding
        if decision is not None:
            self._decision = decision
        if text is not None:
            self._words = tuple(text.casefold().split())
        if modern:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:  # noqa: N802 - Qt override
        return accepts(self.sourceModel().facts(source_row), self._source, self._finding, self._decision,
                       self._words)


def accepts(cells: _Cells, source: str, finding: str, decision: str, words: tuple[str, ...] = ()) -> bool:
    """One row against the filters; the page counts with it too, so counts and table agree."""
    if source and cells.source != source:
        return False
    if finding == ANY_FINDING and not cells.rules:
        return False
    if finding == NO_FINDING and cells.rules:
        return False
    if finding not in (ALL, ANY_FINDING, NO_FINDING) and finding not in cells.rules:
        return False
    if decision == UNDECIDED and cells.decision:
        return False
    if decision not in (ALL, UNDECIDED) and cells.decision != decision:
        return False
    return all(w in cells.haystack for w in words)


class AccessTableView(DataTableView):
    """A DataTableView (sorting, Ctrl+C, header state) over the filter proxy, rows by key."""

    def __init__(self, model: AccessTableModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("accessTable")
        self.access_model = model
        self.filter_proxy = AccessFilterProxy(self)
        self.filter_proxy.setSourceModel(model)
        self.set_source_model(self.filter_proxy)
        self.setSelectionBehavior(DataTableView.SelectionBehavior.SelectRows)
        self.sortByColumn(COLUMNS.index("findings"), Qt.SortOrder.DescendingOrder)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._fitting = False
        self._dragged = False  # the person set a column's width: leave the widths alone
        self._wanted: dict[str, int] = {}  # contents widths of the shared columns, measured per change
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self.fit_columns)
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        # Columns sized to contents measure 200 rows, not all of an ERP's thousands of accounts.
        header.setResizeContentsPrecision(200)
        self.apply_resize_modes()
        header.sectionResized.connect(self._on_section_resized)
        for signal in (model.modelReset, model.dataChanged, self.filter_proxy.layoutChanged):
            signal.connect(self._measure_later)

    # -- column widths ------------------------------------------------------------------------

    def apply_resize_modes(self) -> None:
        """Short columns to contents, the rest set by fit_columns (a saved header state from an
        older layout brings its own modes: this puts them back)."""
        header = self.horizontalHeader()
        for i, name in enumerate(COLUMNS):
            fit = name in TO_CONTENTS
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents if fit
                                        else QHeaderView.ResizeMode.Interactive)

    def restore_header_state(self, state: bytes) -> bool:
        restored = super().restore_header_state(state)
        self.horizontalHeader().setStretchLastSection(False)
        self.apply_resize_modes()
        self._measure_later()
        return restored

    def fit_columns(self) -> None:
        """Shares the width left by the short columns among account, owner, findings and decision."""
        if self._dragged:
            return
        if not self._wanted:
            self._measure()
        header = self.horizontalHeader()
        shown = [n for i, n in enumerate(COLUMNS) if not header.isSectionHidden(i)]
        rest = self.viewport().width() - sum(header.sectionSize(COLUMNS.index(n)) for n in shown if n in TO_CONTENTS)
        widths: dict[str, int] = {}
        for name in ("owner", "decision"):
            if name in shown:
                widths[name] = max(MIN_WIDTHS[name], min(self._wanted.get(name, 0), CAPS[name]))
                rest -= widths[name]
        if "account" in shown:
            share = int(rest * ACCOUNT_SHARE) if "findings" in shown else rest
            widths["account"] = max(MIN_WIDTHS["account"], min(self._wanted.get("account", 0), share))
            rest -= widths["account"]
        if "findings" in shown:
            widths["findings"] = max(MIN_WIDTHS["findings"], rest)
        elif "account" in shown:
            widths["account"] += max(0, rest)
        self._fitting = True
        try:
            for name, width in widths.items():
                header.resizeSection(COLUMNS.index(name), width)
        finally:
            self._fitting = False

    def column_width(self, name: str) -> int:
        return self.columnWidth(COLUMNS.index(name))

    def _measure(self) -> None:
        header = self.horizontalHeader()
        for name in ("account", "owner", "decision"):
            i = COLUMNS.index(name)
            self._wanted[name] = max(self.sizeHintForColumn(i), header.sectionSizeHint(i))

    def _measure_later(self, *_args) -> None:
        self._wanted = {}
        self._refit.start()

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if self._fitting:
            return
        if COLUMNS[column] in TO_CONTENTS:
            self._refit.start()  # a short column followed its contents: share out the rest again
        elif self.horizontalHeader().underMouse():
            self._dragged = True

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override (the viewport's size)
        super().resizeEvent(event)
        self.fit_columns()

    # -- rows ---------------------------------------------------------------------------------

    def model_row(self, view_row: int) -> int:
        return self.filter_proxy.mapToSource(self.filter_proxy.index(self.source_row(view_row), 0)).row()

    def current_key(self) -> str | None:
        index = self.currentIndex()
        if not index.isValid():
            return None
        i = self.model_row(index.row())
        return self.access_model.row(i).account.key if 0 <= i < self.access_model.rowCount() else None

    def view_row_of(self, key: str) -> int | None:
        i = self.access_model.row_index(key)
        if i is None:
            return None
        inner = self.filter_proxy.mapFromSource(self.access_model.index(i, 0))
        outer = self.proxy_model().mapFromSource(inner)
        return outer.row() if outer.isValid() else None

    def select_key(self, key: str) -> bool:
        row = self.view_row_of(key)
        if row is None:
            return False
        self.select_view_row(row)
        return True

    def select_view_row(self, row: int) -> None:
        self.selectRow(row)
        self.setCurrentIndex(self.proxy_model().index(row, 0))
        self.scrollTo(self.proxy_model().index(row, 0))

    def shown_count(self) -> int:
        return self.proxy_model().rowCount()
