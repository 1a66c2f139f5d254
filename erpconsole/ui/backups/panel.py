"""One backup set as a panel: status colour, the RPO gauge, last backups, size trend,
verification, last drill, the 30-day timeline and the findings, with its buttons."""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from erpconsole.services.backups.models import DIFF, INCR, BackupSetStatus
from erpconsole.services.models import Finding
from erpconsole.ui.backups import text as bt
from erpconsole.ui.common.words import counted
from erpconsole.widgets.bar_chart import BarChart
from erpconsole.widgets.elided_label import ElidedLabel
from erpconsole.widgets.rpo_gauge import RpoGauge
from erpconsole.widgets.status_badge import StatusBadge
from erpconsole.widgets.theme import FollowsAppTheme, current_theme_name, get_theme, status_color
from erpconsole.widgets.timeline_strip import TimelineStrip
from erpconsole.widgets.units import humanise_bytes

TIMELINE_DAYS = 30
SIZE_BARS = 40


def _label(wrap: bool = True, selectable: bool = True) -> QLabel:
    label = QLabel()
    label.setWordWrap(wrap)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class BackupSetPanel(FollowsAppTheme, QFrame):
    details_requested = Signal(str)
    verify_requested = Signal(str)
    drill_requested = Signal(str)
    edit_requested = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._level = "pending"
        self._theme = self._app_theme = current_theme_name()
        self._findings: list[tuple[str, str]] = []
        self.setObjectName("backupPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(480)
        # Preferred, not Maximum: panels in one row of the grid take the row's height, tops and
        # button rows aligned, instead of the shorter one floating in the middle of its cell.
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._build()
        self.apply_theme(self._theme)

    def _build(self) -> None:
        self.strip = QFrame()
        self.strip.setFixedWidth(8)
        self.title = QLabel(self.name)
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.source_label = ElidedLabel()
        self.source_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badge = StatusBadge(level="pending", text=self.tr("reading…"))
        self.error_label = _label()
        self.error_label.hide()
        self.gauge = RpoGauge()
        self.gauge.setMinimumHeight(60)
        self.last_label = _label()
        self.size_chart = BarChart()
        self.size_chart.setMinimumHeight(64)
        self.size_label = _label()
        self.verify_label = _label()
        self.drill_label = _label()
        self.timeline = TimelineStrip(gap_label=bt.age)
        self.timeline_label = _label()
        self.findings_label = _label()
        self.findings_label.setTextFormat(Qt.TextFormat.RichText)
        self.details_button = QPushButton(self.tr("Details…"))
        self.verify_button = QPushButton(self.tr("Verify newest"))
        self.drill_button = QPushButton(self.tr("Restore drill…"))
        self.details_button.clicked.connect(lambda: self.details_requested.emit(self.name))
        self.verify_button.clicked.connect(lambda: self.verify_requested.emit(self.name))
        self.drill_button.clicked.connect(lambda: self.drill_requested.emit(self.name))
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.edit_button.setToolTip(self.tr("Change this set's entry in the inventory"))
        self.edit_button.clicked.connect(lambda: self.edit_requested.emit(self.name))
        self._lay_out()

    def _lay_out(self) -> None:
        head = QHBoxLayout()
        head.setSpacing(14)
        head.addWidget(self.title)
        head.addWidget(self.source_label, 1)
        head.addWidget(self.badge)
        facts = QGridLayout()
        facts.addWidget(self.size_chart, 0, 0, 2, 1)
        facts.addWidget(self.size_label, 2, 0)
        facts.addWidget(self.verify_label, 0, 1)
        facts.addWidget(self.drill_label, 1, 1, 2, 1, Qt.AlignmentFlag.AlignTop)
        facts.setHorizontalSpacing(16)
        facts.setColumnStretch(0, 1)
        facts.setColumnStretch(1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        for b in (self.details_button, self.verify_button, self.drill_button):
            buttons.addWidget(b)
        body = QVBoxLayout()
        body.setContentsMargins(10, 8, 10, 8)
        for part in (head, self.error_label, self.gauge, self.last_label, facts, self.timeline,
                     self.timeline_label, self.findings_label):
            body.addLayout(part) if isinstance(part, (QHBoxLayout, QGridLayout)) else body.addWidget(part)
        body.addStretch(1)  # a panel taller than its content (its row neighbour is) keeps the buttons at the bottom
        body.addLayout(buttons)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(1, 1, 1, 1)
        outer.setSpacing(0)
        outer.addWidget(self.strip)
        outer.addLayout(body, 1)

    # -- public ---------------------------------------------------------------------------

    def level(self) -> str:
        return self._level

    def findings_shown(self) -> list[tuple[str, str]]:
        return list(self._findings)

    def set_data(self, status: BackupSetStatus, findings: list[Finding], now: float) -> None:
        cfg = status.config
        where = cfg.host or self.tr("this workstation")
        self.source_label.set_full_text(self.tr("{0} · {1} on {2}").format(cfg.tool, cfg.stanza or cfg.repo, where))
        if cfg.stanza:  # the repository too, which the line leaves out
            self.source_label.setToolTip(f"{self.source_label.full_text()}\n{cfg.repo}")
        self._level = bt.set_level(status, findings, now)
        self.badge.set_status(self._level, bt.status_text(status, findings, now))
        self.error_label.setText(status.error)
        self.error_label.setVisible(bool(status.error))
        fraction = bt.rpo_fraction(status, now)
        self.gauge.set_value(fraction, bt.gauge_level(fraction), bt.gauge_text(status, now), self.tr("RPO"))
        self.last_label.setText(bt.last_backups_text(status, now))
        self._set_sizes(status)
        self._set_fact(self.verify_label, *bt.verification_text(status, now))
        self._set_fact(self.drill_label, *bt.drill_text(status, now))
        self._set_timeline(status, now)
        self._findings = bt.findings_lines(findings)
        if not findings and bt.gauge_level(fraction) == "warning":
            # The badge says "attention" because of the gauge alone: say so where findings go.
            self._findings = [("warning", self.tr("No findings yet: the newest backup has used {0:.0%} of the RPO; "
                                                  "the next one is due").format(fraction))]
        self._show_findings()
        has_backup = status.newest_good is not None
        self.verify_button.setEnabled(has_backup and not status.error)
        self.drill_button.setEnabled(has_backup and not status.error)
        self._restyle()

    def _set_sizes(self, status: BackupSetStatus) -> None:
        recent = status.backups[-SIZE_BARS:]
        values = np.array([np.nan if b.size_bytes is None else b.size_bytes for b in recent], dtype=float)
        levels = ["critical" if not b.ok else ("alt" if b.kind in (DIFF, INCR) else "") for b in recent]
        top = np.nanmax(values) if np.isfinite(values).any() else None
        empty = (self.tr("No backups to chart yet") if not recent
                 else self.tr("No sizes reported by {0}: no size trend to show").format(status.config.tool))
        self.size_chart.set_bars(values, levels, scale_text=humanise_bytes(top) if top else "", empty_text=empty)
        sized = [b for b in recent if b.size_bytes is not None]
        # With nothing to chart, the chart area itself says so; the caption under it would repeat it.
        self.size_label.setVisible(bool(sized))
        if not sized:
            self.size_label.setText("")
            return
        text = self.tr("Newest {0}").format(humanise_bytes(sized[-1].size_bytes))
        if len(sized) > 1 and sized[-2].size_bytes:
            change = 100.0 * (sized[-1].size_bytes - sized[-2].size_bytes) / sized[-2].size_bytes
            text += self.tr(" ({0:+.1f}% on the one before)").format(change)
        self.size_label.setText(text + " · " + counted(self, "size of the last %n backup", "size of the last %n backups", len(recent)))

    def _set_timeline(self, status: BackupSetStatus, now: float) -> None:
        times = [b.finished for b in status.backups]
        levels = ["critical" if not b.ok else ("" if b.kind in (DIFF, INCR) else "full") for b in status.backups]
        self.timeline.set_ticks(times, levels, now - TIMELINE_DAYS * 86400, now, status.config.policy.rpo_h * 3600)
        count = self.timeline.visible_ticks()
        self.timeline_label.setText(counted(self, "30 days: %n backup", "30 days: %n backups", count) + " · " + bt.gap_summary(self.timeline.gaps()))

    def _set_fact(self, label: QLabel, text: str, level: str) -> None:
        label.setText(text)
        label.setProperty("level", level)

    def _show_findings(self) -> None:
        if not self._findings:
            self.findings_label.setText(html.escape(self.tr("No findings")))
            return
        lines = [f'<span style="color:{status_color(lv, self._theme) if lv != "ok" else get_theme(self._theme).text}">'
                 f"● {html.escape(text)}</span>" for lv, text in self._findings]
        self.findings_label.setText("<br>".join(lines))

    def apply_theme(self, name: str) -> None:
        self._theme = get_theme(name).name
        for w in (self.gauge, self.size_chart, self.timeline, self.badge):
            w.apply_theme(self._theme)
        self._show_findings()
        self._restyle()

    def _restyle(self) -> None:
        theme = get_theme(self._theme)
        self.strip.setStyleSheet(f"background: {status_color(self._level, self._theme)}; border: none;")
        self.setStyleSheet(f"QFrame#backupPanel {{ background: {theme.alternate_base}; border: 1px solid "
                           f"{theme.border}; border-radius: 6px; }}")
        self.source_label.setStyleSheet(f"color: {theme.muted_text};")
        self.error_label.setStyleSheet(f"color: {status_color('critical', self._theme)}; font-weight: 600;")
        for label in (self.verify_label, self.drill_label):
            level = label.property("level") or "ok"
            color = theme.text if level == "ok" else status_color(level, self._theme)
            label.setStyleSheet(f"color: {color};")

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.details_requested.emit(self.name)
        event.accept()
