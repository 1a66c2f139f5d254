"""Finish and sign a run: who signs; refused while steps are open, with the count."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from erpconsole.services.sop.models import OPEN, SopRun
from erpconsole.ui.common.sign_dialog import SignDialog
from erpconsole.ui.common.words import counted


class SignRunDialog(SignDialog):
    def __init__(self, run: SopRun, signer: str = "", parent: QWidget | None = None) -> None:
        open_count = sum(1 for s in run.steps if s.state == OPEN)
        failed = sum(1 for s in run.steps if s.state == "failed")
        tr = lambda text: SignDialog.tr(text)  # noqa: E731 - the class has no instance yet
        note = (counted(SignDialog.__name__,
                        "%n step still open: tick, fail or skip (with a reason) it before signing.",
                        "%n steps still open: tick, fail or skip (with a reason) each one before signing.",
                        open_count) if open_count else
                tr("After signing, the run is read-only. The signature goes to the audit trail."))
        super().__init__(tr("Finish and sign: {0}").format(run.template.title),
                         counted(SignDialog.__name__, "{0} of %n step done; {1} open, {2} failed.",
                                 "{0} of %n steps done; {1} open, {2} failed.", len(run.steps)).format(
                             run.done, open_count, failed),
                         note, open_count, counted(SignDialog.__name__, "%n step still open.", "%n steps still open.", open_count), signer,
                         tr("Your full name, as the record should read it"), parent)
        self.setObjectName("sopSignDialog")
        self.open_count = open_count
