"""Finish and sign a run: who signs; refused while steps are open, with the count."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from erpconsole.services.sop.models import OPEN, SopRun
from erpconsole.ui.common.sign_dialog import SignDialog


class SignRunDialog(SignDialog):
    def __init__(self, run: SopRun, signer: str = "", parent: QWidget | None = None) -> None:
        open_count = sum(1 for s in run.steps if s.state == OPEN)
        failed = sum(1 for s in run.steps if s.state == "failed")
        tr = lambda text: SignDialog.tr(text)  # noqa: E731 - the class has no instance yet
        note = (SignDialog.tr("%n step(s) still open: tick, fail or skip (with a reason) each one before signing.",
                              "", open_count) if open_count else
                tr("After signing, the run is read-only. The signature goes to the audit trail."))
        super().__init__(tr("Finish and sign: {0}").format(run.template.title),
                         tr("{0} of {1} steps done; {2} open, {3} failed.").format(
                             run.done, len(run.steps), open_count, failed),
                         note, open_count, SignDialog.tr("%n step(s) still open.", "", open_count), signer,
                         tr("Your full name, as the record should read it"), parent)
        self.setObjectName("sopSignDialog")
        self.open_count = open_count
