"""The host-key dialog: what it shows and what it asks before the old key goes."""

from __future__ import annotations

from erpconsole.services.models import Health, HostKeyInfo, KnownKeyLine
from erpconsole.ui.hosts.trust_key_dialog import TrustKeyDialog
from tests.ui.common.test_fonts import same_advance


def test_unknown_key_dialog_offers_trust(qtbot):
    info = HostKeyInfo("erp-app-1", "10.0.0.5", 22, Health.HOSTKEY_UNKNOWN, "unknown host key",
                       "ssh-ed25519", "SHA256:abc", (), "/data/known_hosts")
    dialog = TrustKeyDialog(info)
    qtbot.addWidget(dialog)
    assert dialog.trust_button is not None and dialog.forget_button is None
    from PySide6.QtWidgets import QLabel

    texts = " ".join(w.text() for w in dialog.findChildren(QLabel))
    assert "SHA256:abc" in texts and "ssh-ed25519" in texts and "10.0.0.5" in texts and "22" in texts
    fingerprint = next(w for w in dialog.findChildren(QLabel) if w.text() == "SHA256:abc")
    assert same_advance(fingerprint.font())
    dialog.trust_button.click()
    assert dialog.choice == "trust" and dialog.result() == dialog.DialogCode.Accepted


def test_changed_key_dialog_asks_with_file_and_line(qtbot):
    lines = (KnownKeyLine("/data/known_hosts", 3, "ssh-ed25519", "SHA256:old", True),
             KnownKeyLine("/home/me/.ssh/known_hosts", 7, "ssh-ed25519", "SHA256:old", False))
    info = HostKeyInfo("erp-app-1", "10.0.0.5", 2222, Health.HOSTKEY_MISMATCH, "host key changed", "", "",
                       lines, "/data/known_hosts")
    dialog = TrustKeyDialog(info)
    qtbot.addWidget(dialog)
    assert dialog.trust_button is None and dialog.forget_button is not None
    asked = []
    dialog.confirm = lambda title, text: (asked.append(text), False)[1]
    dialog.forget_button.click()
    assert dialog.choice is None  # the second question was refused
    text = asked[0]
    assert "/data/known_hosts" in text and "line 3" in text
    assert "/home/me/.ssh/known_hosts:7" in text
    assert "ssh-keygen -R '[10.0.0.5]:2222' -f /home/me/.ssh/known_hosts" in text
    dialog.confirm = lambda title, text: True
    dialog.forget_button.click()
    assert dialog.choice == "forget"
