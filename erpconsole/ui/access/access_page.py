"""The access review: a campaign per period, every account with its owner, privileges, last
login and findings; a decision per row, saved at once; sign-off and the evidence export."""

from __future__ import annotations

import dataclasses
import html
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from erpconsole.services.access.models import Campaign, CampaignReview, ReviewRow
from erpconsole.ui.access.dialogs import NewCampaignDialog, RunStatementDialog, SignOffDialog
from erpconsole.ui.access.bridge import AccessApi
from erpconsole.ui.access.campaign_bar import AccessCampaignBar
from erpconsole.ui.access.review_pane import AccessReviewPane
from erpconsole.ui.access.sources_panel import AccessSourcesPanel
from erpconsole.ui.access.state import empty_state, summary_html
from erpconsole.ui.access.table import FAILED, SAVING
from erpconsole.ui.access.text import default_campaign_name, operation_label, when_text
from erpconsole.ui.common.message_bar import EmptyState, MessageBar, text_label
from erpconsole.ui.common.places import evidence_dir
from erpconsole.ui.common.words import counted
from erpconsole.widgets.theme import current_theme_name

_ACCEPTED = QDialog.DialogCode.Accepted


class AccessReviewPage(QWidget):
    def __init__(self, bridge: AccessApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._campaigns: list[Campaign] = []
        self._review: CampaignReview | None = None
        self._campaign_id: int | None = None
        self._loading = self._collecting = self._exporting = False
        self._requested = False
        self._select_name: str | None = None
        self._pending: deque[str] = deque()  # keys of decisions and undos on their way, in order
        self._signer = ""  # the last signer's name, offered again next quarter
        self._said_unavailable = ""
        self._theme = current_theme_name()
        # Tests answer the dialogs here; a person answers the modal dialogs.
        self.run_dialog: Callable[[QDialog], bool] = lambda d: d.exec() == _ACCEPTED
        self.ask_save_path: Callable[[str], str] = self._ask_save_path
        self._build()
        self._connect()
        self._show_state()

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        self.bar = AccessCampaignBar()
        self.summary = text_label("accessSummary")
        self.message = MessageBar("accessMessage", rich=True, copy_label=self.tr("Copy path and SHA-256"))
        self.pane = AccessReviewPane()
        # Short names for what tests and the window reach into.
        self.filters, self.model, self.table, self.detail = (self.pane.filters, self.pane.model, self.pane.table,
                                                             self.pane.detail)
        self.body = QStackedWidget()
        self.body.addWidget(self.pane)
        self.empty = EmptyState("accessEmpty")
        self.empty.button_clicked.connect(self._on_empty_button)
        self.body.addWidget(self.empty)
        # Outside the stack: when every source failed, the empty state points down to it.
        self.sources = AccessSourcesPanel()
        self.sources.toggle.toggled.connect(self._on_sources_toggled)
        self.vsplit = QSplitter(Qt.Orientation.Vertical)
        self.vsplit.addWidget(self.body)
        self.vsplit.addWidget(self.sources)
        self.vsplit.setStretchFactor(0, 1)
        self.vsplit.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(self.vsplit, 1)
        self._on_sources_toggled(self.sources.is_open())

    def _on_sources_toggled(self, on: bool) -> None:
        # Folded, the panel is its header line; open, it takes about a quarter of the height.
        self.sources.setMaximumHeight(16777215 if on else self.sources.toggle.sizeHint().height())
        if on:
            total = sum(self.vsplit.sizes())
            self.vsplit.setSizes([total - max(200, total // 4), max(200, total // 4)])

    def _connect(self) -> None:
        b = self._bridge
        b.access_ready.connect(self._on_access_ready)
        b.access_campaigns_loaded.connect(self._on_campaigns)
        b.access_review_loaded.connect(self._on_review)
        b.access_progress.connect(self._on_progress)
        b.access_row_changed.connect(self._on_row_changed)
        b.access_signed.connect(self._on_signed)
        b.access_exported.connect(self._on_exported)
        b.access_statement_finished.connect(self._on_statement_finished)
        b.access_failed.connect(self._on_failed)
        self.bar.campaign_chosen.connect(self._on_campaign_chosen)
        self.bar.new_requested.connect(self.new_campaign)
        self.bar.collect_requested.connect(self.collect)
        self.bar.sign_requested.connect(self.sign_off)
        self.bar.export_requested.connect(self.export_evidence)
        self.pane.decision_requested.connect(self.decide)
        self.pane.undo_requested.connect(self.undo)
        self.pane.run_requested.connect(self.run_statement)
        self.pane.rows_changed.connect(lambda: self.summary.setText(summary_html(self._review, self._theme)))

    # -- public --------------------------------------------------------------------------

    def refresh(self) -> None:
        """The window's timer while the page is visible: the first look loads the campaigns."""
        if not self._requested and self._bridge.has_access:
            self.load()
        elif not self._requested and self._said_unavailable != self._bridge.access_unavailable():
            self._show_state()  # the store failed or is still opening: say which, once

    def load(self) -> None:
        self._requested = True
        self._loading = True
        self._bridge.request_access_campaigns()
        self._show_state()

    def campaigns(self) -> list[Campaign]:
        return list(self._campaigns)

    def review(self) -> CampaignReview | None:
        return self._review

    def current_campaign(self) -> Campaign | None:
        return self._review.campaign if self._review is not None else None

    def select_campaign(self, campaign_id: int) -> None:
        self.bar.select(campaign_id)

    def set_filters(self, **filters) -> None:
        self.filters.set_filters(**filters)

    def shown_keys(self) -> list[str]:
        return self.pane.shown_keys()

    def select_account(self, key: str) -> bool:
        return self.pane.select_key(key)

    def is_empty_state(self) -> bool:
        return self.body.currentIndex() == 1

    def empty_text(self) -> str:
        return self.empty.label.text() if self.is_empty_state() else ""

    def message_text(self) -> str:
        return self.message.text()

    # -- campaigns -----------------------------------------------------------------------

    def new_campaign(self) -> None:
        dialog = NewCampaignDialog(default_campaign_name(), self)
        accepted = self.run_dialog(dialog)
        name = dialog.name()
        dialog.deleteLater()
        if accepted and name:
            self.create_campaign(name)

    def create_campaign(self, name: str) -> None:
        self._select_name = name
        self._say(self.tr("Creating campaign “{0}”…").format(name), "pending")
        self._bridge.create_access_campaign(name)

    def collect(self) -> None:
        if self._campaign_id is None or self._collecting:
            return
        self._collecting = True
        self.bar.set_progress(self.tr("starting"), 0, 0)
        self._bridge.collect_access(self._campaign_id)
        self._show_state()

    def sign_off(self) -> None:
        review = self._review
        if review is None:
            return
        dialog = SignOffDialog(review.campaign.name, len(review.rows), len(review.rows) - review.decided,
                               self._signer, self)
        accepted = self.run_dialog(dialog)
        signer = dialog.signer()
        dialog.deleteLater()
        if accepted and signer:
            self.sign(signer)

    def sign(self, signer: str) -> None:
        if self._campaign_id is not None:
            self._say(self.tr("Signing “{0}”…").format(self._review.campaign.name if self._review else ""), "pending")
            self._bridge.sign_access(self._campaign_id, signer)

    def export_evidence(self) -> None:
        if self._review is None:
            return
        name = self._review.campaign.name.replace(" ", "-")
        path = self.ask_save_path(str(evidence_dir(create=True) / f"access-review-{name}.zip"))
        if path:
            self.export_to(path if path.lower().endswith(".zip") else path + ".zip")

    def export_to(self, path: str) -> None:
        if self._campaign_id is None:
            return
        self._exporting = True
        self._say(self.tr("Writing the evidence package to {0}…").format(html.escape(path)), "pending")
        self._bridge.export_access(self._campaign_id, path)
        self._show_state()

    def _ask_save_path(self, suggested: str) -> str:
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Export evidence"), suggested,
                                                    self.tr("Evidence package (*.zip)"))
        return path

    # -- decisions -----------------------------------------------------------------------

    def decide(self, key: str, decision: str, comment: str = "") -> None:
        if self._campaign_id is None or self._signed():
            return
        self._pending.append(key)
        self.pane.set_state(key, SAVING)
        self._bridge.decide_access(self._campaign_id, key, decision, comment)

    def undo(self, key: str) -> None:
        if self._campaign_id is None or self._signed():
            return
        self._pending.append(key)
        self.pane.set_state(key, SAVING)
        self._bridge.undo_access_decision(self._campaign_id, key)

    def run_statement(self, statement) -> None:
        row = self.detail.row
        if row is None or self._campaign_id is None:
            return
        dialog = RunStatementDialog(statement, row.account.name, self)
        confirmed = self.run_dialog(dialog)
        dialog.deleteLater()
        if not confirmed:
            self._say(self.tr("Not run on {0}.").format(html.escape(statement.system)), "")
            return
        self._say(self.tr("Running on {0}…").format(html.escape(statement.system)), "pending")
        self._bridge.run_access_statement(self._campaign_id, row.account.key, statement)

    # -- answers from the bridge -------------------------------------------------------------

    def _on_access_ready(self) -> None:
        if self.isVisible():
            self.load()
        else:
            self._show_state()

    def _on_campaigns(self, campaigns: list[Campaign]) -> None:
        self._campaigns = sorted(campaigns, key=lambda c: (c.created_ts, c.id), reverse=True)
        wanted = self._campaign_id
        creating = self._select_name is not None
        if creating:
            wanted = next((c.id for c in self._campaigns if c.name == self._select_name), wanted)
            self._select_name = None
        if wanted not in [c.id for c in self._campaigns]:
            wanted = self._campaigns[0].id if self._campaigns else None
        self.bar.set_campaigns(self._campaigns, wanted)
        self._loading = False
        if creating and wanted is not None:
            self._campaign_id, self._loading = wanted, True  # its review follows from the bridge
        elif wanted is not None and (wanted != self._campaign_id or self._review is None):
            self._open_campaign(wanted)
        self._show_state()

    def _on_campaign_chosen(self, campaign_id: int) -> None:
        if campaign_id != self._campaign_id:
            self._open_campaign(campaign_id)

    def _open_campaign(self, campaign_id: int) -> None:
        self._campaign_id = campaign_id
        self._loading = True
        self._bridge.request_access_review(campaign_id)
        self._show_state()

    def _on_review(self, review: CampaignReview) -> None:
        if review.campaign.id != self._campaign_id:
            return  # an answer for a campaign the user has moved away from
        if self._collecting and review.extraction is not None:
            self._collecting = False
            self._say(self.tr("Collected {0} from {1}.").format(
                counted(self, "%n account", "%n accounts", len(review.rows)),
                counted(self, "%n source", "%n sources", len(review.extraction.sources))), "ok")
        self._loading = False
        self._set_review(review)

    def _set_review(self, review: CampaignReview) -> None:
        self._review = review
        self._pending.clear()
        self.sources.set_sources(review.extraction.sources if review.extraction else ())
        self._replace_campaign(review.campaign)
        self.pane.set_rows(review.rows)
        self._show_state()

    def _on_progress(self, what: str, done: int, total: int) -> None:
        if self._collecting:
            self.bar.set_progress(what, done, total)

    def _on_row_changed(self, row: ReviewRow) -> None:
        key = row.account.key
        if self._pending and self._pending[0] == key:
            self._pending.popleft()
        if self._review is None or self.model.row_index(key) is None:
            return
        self._review = _replace_row(self._review, row)
        self.pane.update_row(row)

    def _on_signed(self, campaign: Campaign) -> None:
        self._replace_campaign(campaign)
        if self._review is not None and self._review.campaign.id == campaign.id:
            self._review = _with_campaign(self._review, campaign)
        self._signer = campaign.signed_by or self._signer
        self._say(self.tr("Signed by {0} on {1}; the campaign is read-only now.").format(
            html.escape(campaign.signed_by), when_text(campaign.signed_ts)), "ok")
        self._show_state()

    def _on_exported(self, result) -> None:
        self._exporting = False
        self._say(self.tr("Evidence written: {0} ({1}, {2}) · SHA-256 <code>{3}</code>").format(
            html.escape(result.path), counted(self, "%n account", "%n accounts", result.accounts),
            counted(self, "%n finding", "%n findings", result.findings), result.sha256), "ok",
            copy_text=f"{result.path}\nSHA-256 {result.sha256}")
        self._show_state()

    def _on_statement_finished(self, ok: bool, message: str) -> None:
        self._say(html.escape(message) or (self.tr("Done.") if ok else self.tr("Failed.")), "ok" if ok else "critical")

    def _on_failed(self, operation: str, message: str) -> None:
        if operation in ("decide", "undo") and self._pending:
            self.pane.set_state(self._pending.popleft(), FAILED)
        if operation == "collect":
            self._collecting = False
        if operation == "export":
            self._exporting = False
        if operation in ("campaigns", "review", "create"):
            self._loading = False
            self._select_name = None
        what = operation_label(operation)
        self._say(self.tr("{0} failed: {1}").format(what, html.escape(message)), "critical")
        self._show_state()

    # -- showing ---------------------------------------------------------------------------

    def _say(self, text: str, level: str, copy_text: str = "") -> None:
        self.message.say(text, level, self._theme, copy_text)

    def _signed(self) -> bool:
        return self._review is not None and self._review.campaign.signed

    def _replace_campaign(self, campaign: Campaign) -> None:
        self._campaigns = [campaign if c.id == campaign.id else c for c in self._campaigns]
        self.bar.replace_campaign(campaign)

    def _show_state(self) -> None:
        self._said_unavailable = "" if self._bridge.has_access else self._bridge.access_unavailable()
        text, button = empty_state(
            self._review, unavailable=self._said_unavailable,
            requested=self._requested, loading=self._loading, has_campaigns=bool(self._campaigns),
            collecting=self._collecting, failed_sources=len(self.sources.failed()))
        self.body.setCurrentIndex(1 if text else 0)
        self.empty.set_state(text, button)
        self.bar.set_busy(self._collecting, self._exporting)
        self.detail.set_read_only(self.bar.update_actions(self._review, self._bridge.has_access))

    def _on_empty_button(self) -> None:
        if self._review is None:
            self.new_campaign()
        else:
            self.collect()

    # -- state ---------------------------------------------------------------------------

    def apply_theme(self, name: str) -> None:
        self._theme = name
        self.pane.apply_theme(name)
        self.sources.apply_theme(name)
        self.message.apply_theme(name)
        self.summary.setText(summary_html(self._review, self._theme))

    def save_state(self, settings: QSettings) -> None:
        self.pane.save_state(settings)
        settings.setValue("access/signer", self._signer)

    def restore_state(self, settings: QSettings) -> None:
        self.pane.restore_state(settings)
        self._signer = str(settings.value("access/signer", "") or "")


def _replace_row(review: CampaignReview, row: ReviewRow) -> CampaignReview:
    rows = tuple(row if r.account.key == row.account.key else r for r in review.rows)
    return dataclasses.replace(review, rows=rows)


def _with_campaign(review: CampaignReview, campaign: Campaign) -> CampaignReview:
    return dataclasses.replace(review, campaign=campaign)
