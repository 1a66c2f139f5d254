"""The filter bar of the access review: source, finding, decision and search words, each
choice with its count, and how many accounts the table shows."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from erpconsole.services.access.models import DECISIONS, SOURCES
from erpconsole.ui.access.table import ALL, ANY_FINDING, NO_FINDING, UNDECIDED
from erpconsole.ui.access.text import decision_label, rule_ids, rule_title

SEARCH_DELAY_MS = 150  # typing a name re-filters 5,000 rows once, not once per key


class AccessFilterBar(QWidget):
    """``filters_changed`` fires once per change; ``filters()`` is (source, finding, decision, text)."""

    filters_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source_combo = QComboBox()
        self.source_combo.setObjectName("accessSourceFilter")
        self.finding_combo = QComboBox()
        self.finding_combo.setObjectName("accessFindingFilter")
        self.finding_combo.setMinimumContentsLength(18)
        self.decision_combo = QComboBox()
        self.decision_combo.setObjectName("accessDecisionFilter")
        for combo in (self.source_combo, self.finding_combo, self.decision_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._changed)
        self.search = QLineEdit()
        self.search.setObjectName("accessSearch")
        self.search.setPlaceholderText(self.tr("Search name, owner or system"))
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.filters_changed.emit)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.count_label = QLabel()
        self.count_label.setObjectName("accessShownCount")
        self._quiet = False
        self.set_counts([])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for text, combo in ((self.tr("Source:"), self.source_combo), (self.tr("Finding:"), self.finding_combo),
                            (self.tr("Decision:"), self.decision_combo)):
            layout.addWidget(QLabel(text))
            layout.addWidget(combo)
        layout.addWidget(self.search, 1)
        layout.addWidget(self.count_label)

    # -- public --------------------------------------------------------------------------

    def filters(self) -> tuple[str, str, str, str]:
        return (self.source_combo.currentData() or ALL, self.finding_combo.currentData() or ALL,
                self.decision_combo.currentData() or ALL, self.search.text())

    def set_filters(self, source: str | None = None, finding: str | None = None, decision: str | None = None,
                    text: str | None = None) -> None:
        """Sets several filters and fires ``filters_changed`` once."""
        self._quiet = True
        try:
            for combo, value in ((self.source_combo, source), (self.finding_combo, finding),
                                 (self.decision_combo, decision)):
                if value is not None:
                    combo.setCurrentIndex(max(0, combo.findData(value)))
            if text is not None:
                self.search.setText(text)
        finally:
            self._quiet = False
        self._search_timer.stop()
        self.filters_changed.emit()

    def set_counts(self, cells) -> None:
        """Every choice with how many accounts of the whole campaign it matches."""
        sources, rules, decisions = Counter(), Counter(), Counter()
        with_findings = 0
        for c in cells:
            sources[c.source] += 1
            rules.update(c.rules)
            decisions[c.decision or UNDECIDED] += 1
            with_findings += bool(c.rules)
        total = sum(sources.values())
        self._fill(self.source_combo, [(ALL, self.tr("All sources"), total)] + [
            (s, label, sources[s]) for s, label in zip(SOURCES, (self.tr("Databases"), self.tr("OS accounts"),
                                                                  self.tr("ERP users")))])
        known = rule_ids()
        present = [r for r in known if r in rules] + sorted(r for r in rules if r not in known)
        self._fill(self.finding_combo, [(ALL, self.tr("All accounts"), total),
                                        (ANY_FINDING, self.tr("Any finding"), with_findings),
                                        (NO_FINDING, self.tr("No finding"), total - with_findings)]
                   + [(r, rule_title(r), rules[r]) for r in present])
        self._fill(self.decision_combo, [(ALL, self.tr("All decisions"), total),
                                         (UNDECIDED, self.tr("Undecided"), decisions[UNDECIDED])]
                   + [(d, decision_label(d), decisions[d]) for d in DECISIONS])

    def set_shown(self, shown: int, total: int) -> None:
        self.count_label.setText(self.tr("{0} of {1} shown").format(f"{shown:,}", f"{total:,}"))

    def item_texts(self, combo: QComboBox) -> list[str]:
        return [combo.itemText(i) for i in range(combo.count())]

    # -- internals ------------------------------------------------------------------------

    def _fill(self, combo: QComboBox, items: list[tuple[str, str, int]]) -> None:
        """New texts and counts; the chosen item stays chosen (kept with a 0 count if it went)."""
        chosen = combo.currentData() or ALL
        if chosen not in [key for key, _t, _n in items]:
            items.append((chosen, rule_title(chosen), 0))
        self._quiet = True
        try:
            if [combo.itemData(i) for i in range(combo.count())] != [k for k, _t, _n in items]:
                combo.clear()
                for key, _text, _n in items:
                    combo.addItem("", key)
            for i, (_key, text, n) in enumerate(items):
                combo.setItemText(i, f"{text} ({n:,})")
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
        finally:
            self._quiet = False

    def _changed(self, _index: int) -> None:
        if not self._quiet:
            self.filters_changed.emit()
