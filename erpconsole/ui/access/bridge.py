"""The access review's bridge: every call runs on one worker, so a decision and the sign-off
after it stay in the order they were made; answers come back as queued signals."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance

from erpconsole.services.access.models import Campaign, CampaignReview, ExportResult, ReviewRow
from erpconsole.ui.common.bridge_base import StoreReader
from erpconsole.ui.common.workers import submit_guarded


class AccessApi(Protocol):
    """What the Access review page may call and connect (answers in the order asked)."""

    access_ready: SignalInstance  # the review service is attached (or known to be unavailable)
    access_campaigns_loaded: SignalInstance  # list[Campaign], newest first
    access_review_loaded: SignalInstance  # CampaignReview
    access_progress: SignalInstance  # what is being read, done, total
    access_row_changed: SignalInstance  # ReviewRow after a decision or an undo
    access_signed: SignalInstance  # Campaign
    access_exported: SignalInstance  # ExportResult
    access_statement_finished: SignalInstance  # ok, message
    access_failed: SignalInstance  # operation, message for a person

    @property
    def has_access(self) -> bool: ...
    def access_unavailable(self) -> str: ...
    def request_access_campaigns(self) -> None: ...
    def create_access_campaign(self, name: str) -> None: ...
    def request_access_review(self, campaign_id: int) -> None: ...
    def collect_access(self, campaign_id: int) -> None: ...
    def decide_access(self, campaign_id: int, key: str, decision: str, comment: str = "") -> None: ...
    def undo_access_decision(self, campaign_id: int, key: str) -> None: ...
    def sign_access(self, campaign_id: int, signer_name: str) -> None: ...
    def export_access(self, campaign_id: int, path: str) -> None: ...
    def run_access_statement(self, campaign_id: int, key: str, statement) -> None: ...


class AccessBridge(QObject):
    access_ready = Signal()
    access_campaigns_loaded = Signal(object)  # list[Campaign]: a list, so `object`
    access_review_loaded = Signal(CampaignReview)
    access_progress = Signal(str, int, int)
    access_row_changed = Signal(ReviewRow)
    access_signed = Signal(Campaign)
    access_exported = Signal(ExportResult)
    access_statement_finished = Signal(bool, str)
    access_failed = Signal(str, str)

    def __init__(self, reader: StoreReader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store_reader = reader
        self._access = ThreadPoolExecutor(max_workers=1, thread_name_prefix="access")
        self._access_service = None
        self._access_error = ""

    def attach_access(self, service, error: str = "") -> None:
        """The AccessReviewService, once the store it keeps campaigns in is open; None with
        ``error`` when it could not be built (the page says so instead of failing)."""
        self._access_service, self._access_error = service, error
        self.access_ready.emit()

    @property
    def has_access(self) -> bool:
        return self._access_service is not None

    def access_unavailable(self) -> str:
        """Why the access review cannot answer now, or "" when it can."""
        if self._access_service is not None:
            return ""
        if self._access_error:
            return self.tr("The access review is not available: {0}").format(self._access_error)
        if not self._store_reader.has_store:
            return self.tr("The access review keeps its campaigns in the store, which is not open yet "
                           "(or could not open: see the status bar). Try again in a moment.")
        return self.tr("The access review is not available in this console.")

    def _access_call(self, operation: str, work, done) -> None:
        """Runs ``work(service)`` on the access worker; ``done(result)`` emits the answer there."""
        reason = self.access_unavailable()
        if reason:
            self.access_failed.emit(operation, reason)
            return
        submit_guarded(self._access, "access review", operation, lambda: work(self._access_service), done,
                       self.access_failed.emit)

    def request_access_campaigns(self) -> None:
        self._access_call("campaigns", lambda s: s.campaigns(), self.access_campaigns_loaded.emit)

    def create_access_campaign(self, name: str) -> None:
        """Answers with the campaign list (the new one first) and then its review."""
        def work(s):
            campaign = s.create_campaign(name)
            return s.campaigns(), s.review(campaign.id)

        self._access_call("create", work, self._emit_campaigns_and_review)

    def _emit_campaigns_and_review(self, result) -> None:
        campaigns, review = result
        self.access_campaigns_loaded.emit(campaigns)
        self.access_review_loaded.emit(review)

    def request_access_review(self, campaign_id: int) -> None:
        self._access_call("review", lambda s: s.review(campaign_id), self.access_review_loaded.emit)

    def collect_access(self, campaign_id: int) -> None:
        """Reads every source; access_progress while it runs, access_review_loaded at the end."""
        progress = self.access_progress.emit  # called from the service's threads: queued
        self._access_call("collect", lambda s: s.collect(campaign_id, progress), self.access_review_loaded.emit)

    def decide_access(self, campaign_id: int, key: str, decision: str, comment: str = "") -> None:
        self._access_call("decide", lambda s: s.decide(campaign_id, key, decision, comment),
                          self.access_row_changed.emit)

    def undo_access_decision(self, campaign_id: int, key: str) -> None:
        self._access_call("undo", lambda s: s.undo_decision(campaign_id, key), self.access_row_changed.emit)

    def sign_access(self, campaign_id: int, signer_name: str) -> None:
        self._access_call("sign", lambda s: s.sign(campaign_id, signer_name), self.access_signed.emit)

    def export_access(self, campaign_id: int, path: str) -> None:
        self._access_call("export", lambda s: s.export(campaign_id, path), self.access_exported.emit)

    def run_access_statement(self, campaign_id: int, key: str, statement) -> None:
        """A statement the user confirmed; the service audits it before and after."""
        self._access_call("run", lambda s: s.run_statement(campaign_id, key, statement),
                          lambda r: self.access_statement_finished.emit(bool(r[0]), str(r[1])))

    def shutdown(self) -> None:
        self._access.shutdown(wait=False, cancel_futures=True)
