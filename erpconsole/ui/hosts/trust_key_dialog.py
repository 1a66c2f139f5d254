"""Review a host key: trust an unknown one, or remove a changed one on purpose.

The dialog decides nothing by itself: ``choice`` is "trust" or "forget" when it was accepted;
the page then asks the bridge to act (and the event log records it).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from erpconsole.services.models import Health, HostKeyInfo
from erpconsole.ui.common.fonts import monospace_font


class TrustKeyDialog(QDialog):
    def __init__(self, info: HostKeyInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.choice: str | None = None
        # Asks the second question before the old key goes; the page sets a message box here.
        self.confirm: Callable[[str, str], bool] = lambda _title, _text: True
        self.setWindowTitle(self.tr("Host key of {0}").format(info.target))
        self.setMinimumWidth(560)
        mismatch = info.health is Health.HOSTKEY_MISMATCH

        headline = QLabel()
        headline.setObjectName("keyHeadline")
        headline.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Host"), self._value(info.target))
        form.addRow(self.tr("Address"), self._value(info.host or "–"))
        form.addRow(self.tr("Port"), self._value(str(info.port or "–")))
        explanation = QLabel()
        explanation.setWordWrap(True)
        self.trust_button: QPushButton | None = None
        self.forget_button: QPushButton | None = None
        buttons = QDialogButtonBox()
        build = self._build_mismatch if mismatch else self._build_unknown
        build(headline, form, explanation, buttons)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(headline)
        layout.addLayout(form)
        layout.addWidget(explanation)
        layout.addWidget(buttons)

    def _build_mismatch(self, headline: QLabel, form: QFormLayout, explanation: QLabel,
                        buttons: QDialogButtonBox) -> None:
        info = self.info
        headline.setText(self.tr("Host key changed: possible interception"))
        headline.setStyleSheet("color: #d64545; font-weight: bold; font-size: 14pt;")
        on_file = "\n".join(f"{ln.key_type} {ln.fingerprint}  ({ln.path}:{ln.line_no})" for ln in info.lines)
        form.addRow(self.tr("Key on file"), self._value(on_file or "–"))
        explanation.setText(self.tr(
            "The server at this address now presents a different key than the one on file. "
            "That happens when a server is reinstalled, or when someone intercepts the "
            "connection (a man in the middle). No connection is made.\n\n"
            "Only if you know why the key changed (ask the server's admin, compare with "
            "ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on its console), remove the old key; "
            "the next poll then shows the new key for you to review.\n\n{0}").format(info.message))
        self.forget_button = buttons.addButton(self.tr("Remove the old key…"), QDialogButtonBox.ButtonRole.DestructiveRole)
        self.forget_button.clicked.connect(self._forget)

    def _build_unknown(self, headline: QLabel, form: QFormLayout, explanation: QLabel,
                       buttons: QDialogButtonBox) -> None:
        info = self.info
        headline.setText(self.tr("The console has not seen this host's key before"))
        headline.setStyleSheet("font-weight: bold; font-size: 13pt;")
        form.addRow(self.tr("Key type"), self._value(info.key_type or "–"))
        form.addRow(self.tr("Fingerprint"), self._value(info.fingerprint or "–", mono=True))
        explanation.setText(self.tr(
            "Before trusting it, compare this fingerprint with the server's own, read on the "
            "server itself (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) or given by its "
            "admin. If they match, trust it: the key is written to the console's own "
            "known_hosts ({0}) and the event log. If they differ, do not connect.").format(info.own_path))
        self.trust_button = buttons.addButton(self.tr("Trust this key"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.trust_button.clicked.connect(self._trust)
        self.trust_button.setEnabled(bool(info.fingerprint))

    def _value(self, text: str, mono: bool = False) -> QLabel:
        label = QLabel(text)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setWordWrap(True)
        if mono:
            label.setFont(monospace_font())
        return label

    def _trust(self) -> None:
        self.choice = "trust"
        self.accept()

    def forget_text(self) -> str:
        """The second question: exactly which file and line change, and what is not touched."""
        info = self.info
        own = [ln for ln in info.lines if ln.own]
        user = [ln for ln in info.lines if not ln.own]
        parts = []
        if own:
            parts.append(self.tr("This removes from the console's own file {0}:").format(info.own_path))
            parts += [self.tr("  line {0}: {1} {2}").format(ln.line_no, ln.key_type, ln.fingerprint) for ln in own]
        else:
            parts.append(self.tr("The console's own file {0} holds no key for this host.").format(info.own_path))
        if user:
            name = info.host if info.port == 22 else f"[{info.host}]:{info.port}"
            parts.append("")
            parts.append(self.tr("The old key is also in your own known_hosts, which the console never edits:"))
            parts += [f"  {ln.path}:{ln.line_no}" for ln in user]
            parts.append(self.tr("Remove it there yourself with:"))
            parts += sorted({f"  ssh-keygen -R '{name}' -f {ln.path}" for ln in user})
        parts.append("")
        parts.append(self.tr("Polling resumes once no old key is left. Remove the old key now?"))
        return "\n".join(parts)

    def _forget(self) -> None:
        if self.confirm(self.tr("Remove the old key of {0}").format(self.info.target), self.forget_text()):
            self.choice = "forget"
            self.accept()
