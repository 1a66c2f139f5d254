"""The access review's top bar: which campaign, and what to do with it (new, collect with its
progress, sign off, export), each button saying why when it cannot be used."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from erpconsole.services.access.models import Campaign, CampaignReview
from erpconsole.ui.access.text import campaign_title, when_text


class AccessCampaignBar(QWidget):
    campaign_chosen = Signal(int)
    new_requested = Signal()
    collect_requested = Signal()
    sign_requested = Signal()
    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.campaign_combo = QComboBox()
        self.campaign_combo.setObjectName("accessCampaign")
        self.campaign_combo.setMinimumContentsLength(30)
        self.campaign_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.campaign_combo.setPlaceholderText(self.tr("no campaign yet"))
        self.campaign_combo.currentIndexChanged.connect(self._on_chosen)
        self.new_button = QPushButton(self.tr("New campaign…"))
        self.collect_button = QPushButton(self.tr("Collect now"))
        self.sign_button = QPushButton(self.tr("Sign off…"))
        self.export_button = QPushButton(self.tr("Export evidence…"))
        for button, signal in ((self.new_button, self.new_requested), (self.collect_button, self.collect_requested),
                               (self.sign_button, self.sign_requested), (self.export_button, self.export_requested)):
            button.clicked.connect(signal.emit)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setMaximumHeight(16)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("accessProgress")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(self.tr("Campaign:")))
        layout.addWidget(self.campaign_combo)
        for w in (self.new_button, self.collect_button, self.progress, self.progress_label):
            layout.addWidget(w)
        layout.addStretch(1)
        layout.addWidget(self.sign_button)
        layout.addWidget(self.export_button)
        self.set_busy(False, False)

    # -- campaigns -------------------------------------------------------------------------

    def set_campaigns(self, campaigns: list[Campaign], selected: int | None) -> None:
        """Newest first, as given; choosing here does not fire ``campaign_chosen``."""
        self.campaign_combo.blockSignals(True)
        self.campaign_combo.clear()
        for c in campaigns:
            self.campaign_combo.addItem(campaign_title(c), c.id)
        self.campaign_combo.setCurrentIndex(max(0, self.campaign_combo.findData(selected)))
        self.campaign_combo.blockSignals(False)

    def select(self, campaign_id: int) -> None:
        i = self.campaign_combo.findData(campaign_id)
        if i >= 0:
            self.campaign_combo.setCurrentIndex(i)

    def replace_campaign(self, campaign: Campaign) -> None:
        i = self.campaign_combo.findData(campaign.id)
        if i >= 0:
            self.campaign_combo.setItemText(i, campaign_title(campaign))

    def titles(self) -> list[str]:
        return [self.campaign_combo.itemText(i) for i in range(self.campaign_combo.count())]

    def _on_chosen(self, index: int) -> None:
        campaign_id = self.campaign_combo.itemData(index)
        if campaign_id is not None:
            self.campaign_chosen.emit(int(campaign_id))

    # -- progress and buttons ----------------------------------------------------------------

    def set_progress(self, what: str, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        else:
            self.progress.setRange(0, 0)  # not known yet: a moving bar
        # The service reports each source as it finishes: say what was read, and how far.
        self.progress_label.setText(self.tr("Read {0} ({1} of {2})").format(what, done, total) if total
                                    else self.tr("Collecting: {0}").format(what))

    def set_busy(self, collecting: bool, exporting: bool) -> None:
        self._collecting, self._exporting = collecting, exporting
        self.collect_button.setText(self.tr("Collecting…") if collecting else self.tr("Collect now"))
        self.progress.setVisible(collecting)
        self.progress_label.setVisible(collecting)

    def update_actions(self, review: CampaignReview | None, available: bool) -> str:
        """Enables what can be done now; returns why the campaign is read-only ("" if it is not)."""
        signed = review is not None and review.campaign.signed
        reason = self.read_only_reason(review.campaign) if signed else ""
        has = review is not None
        collected = has and review.extraction is not None
        self.new_button.setEnabled(available)
        self.new_button.setToolTip(self.tr("Start the review of a new period") if available else
                                   self.tr("The access review is not available yet."))
        self._enable(self.collect_button, has and not signed and not self._collecting,
                     reason or (self.tr("Collecting…") if self._collecting else self.tr("Create a campaign first.")),
                     self.tr("Read every database, host and ERP again now (read-only)"))
        self._enable(self.sign_button, collected and not signed,
                     reason or self.tr("Collect the campaign first."),
                     self.tr("Sign the campaign once every account is decided"))
        self._enable(self.export_button, collected and not self._exporting,
                     self.tr("Writing the evidence…") if self._exporting else self.tr("Collect the campaign first."),
                     self.tr("Write the evidence package for the auditor (zip: CSV, PDF, manifest)"))
        return reason

    def read_only_reason(self, campaign: Campaign) -> str:
        return self.tr("Signed by {0} on {1}: the campaign is read-only.").format(
            campaign.signed_by, when_text(campaign.signed_ts))

    @staticmethod
    def _enable(button: QPushButton, enabled: bool, why_not: str, tip: str) -> None:
        button.setEnabled(enabled)
        button.setToolTip(tip if enabled else why_not)
