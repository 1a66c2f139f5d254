"""Every dialog of the console, built once: no two of its labels and buttons share an Alt+letter
(Alt+letter reaches only the first; the other is dead to the keyboard)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QMainWindow, QPushButton, QVBoxLayout

import erpconsole.ui
from erpconsole.services.models import DbAction, DbActionResult, Health, HostKeyInfo
from erpconsole.ui.common.form_dialog import duplicate_mnemonics, mnemonic_of, mnemonics
from tests.ui.access.access_samples import CAMPAIGN, REVOKE_SQL
from tests.ui.backups.backup_samples import backup, config
from tests.ui.fakes import FakeHostsBridge
from tests.ui.sop.test_sop_page import worked

_KEY = HostKeyInfo("erp-app-1", "10.0.0.5", 22, Health.HOSTKEY_UNKNOWN, "unknown host key",
                   "ssh-ed25519", "SHA256:abc", (), "/data/known_hosts")
_EXPLAIN = DbAction("erp-db", "explain", "EXPLAIN SELECT 1", "SELECT 1")

# One way to build each dialog: a dialog added to the console without one here fails the walk.
FACTORIES = {
    "HostDialog": lambda: _host_dialog(),
    "ImportDialog": lambda: _ui("hosts.host_dialog").ImportDialog(
        [{"name": "erp-app-2", "address": "10.0.0.6"}], set()),
    "TrustKeyDialog": lambda: _ui("hosts.trust_key_dialog").TrustKeyDialog(_KEY),
    "DbActionDialog": lambda: _ui("databases.action_dialog").DbActionDialog(
        DbAction("erp-db", "terminate", "SELECT pg_terminate_backend(4242)", "pid 4242"), "PostgreSQL"),
    "ExplainDialog": lambda: _ui("databases.action_dialog").ExplainDialog(
        DbActionResult(_EXPLAIN, True, "plan", (("Seq Scan on t",),))),
    "DrillConfirmDialog": lambda: _ui("backups.drill_dialogs").DrillConfirmDialog(
        config("erp-db-nightly"), backup("erp-db-nightly", 3600)),
    "DrillProgressDialog": lambda: _ui("backups.drill_dialogs").DrillProgressDialog("erp-db-nightly", "b1"),
    "NewCampaignDialog": lambda: _ui("access.dialogs").NewCampaignDialog(CAMPAIGN.name),
    "SignOffDialog": lambda: _ui("access.dialogs").SignOffDialog(CAMPAIGN.name, 7, 2),
    "RunStatementDialog": lambda: _ui("access.dialogs").RunStatementDialog(REVOKE_SQL, "legacy_app"),
    "SignDialog": lambda: _ui("common.sign_dialog").SignDialog("Sign", "3 of 3 done", "note", 0, "", "alice"),
    "SignRunDialog": lambda: _ui("sop.dialogs").SignRunDialog(worked(5)),
    "CrashDialog": lambda: _ui("common.crash_dialog").CrashDialog("It broke", "Traceback …"),
    "WhereThingsAreDialog": lambda: _ui("help.places_dialog").WhereThingsAreDialog(_ui("help.bridge").HelpBridge(
        lambda: None, "sqlite:///:memory:", "/var/log/erpconsole.log", "/srv/evidence")),
    "ShortcutsDialog": lambda: _shortcuts_dialog(),
    "DatabaseDialog": lambda: _ui("databases.database_dialog").DatabaseDialog(_EntryBridge()),
    "BackupSetDialog": lambda: _ui("backups.set_dialog").BackupSetDialog(_EntryBridge()),
    "CommentDialog": lambda: _ui("alerts.dialogs").CommentDialog("Acknowledge", "2 alerts", "&Comment:"),
    "SilenceDialog": lambda: _ui("alerts.dialogs").SilenceDialog("erp-app-1", []),
    "OpenIncidentDialog": lambda: _ui("alerts.incident_dialogs").OpenIncidentDialog(["2ebe7bca95f5", "4ef515fd183b"]),
    "CloseIncidentDialog": lambda: _ui("alerts.incident_dialogs").CloseIncidentDialog(2, "ERP logins fail"),
}


class _EntryBridge(QObject):
    """What the Add database and Add backup set dialogs read from their bridge while built."""

    entry_tested = Signal(object)
    entry_saved = Signal(object)
    entry_save_failed = Signal(object)
    secret_known = Signal(object)
    inventory_path = "/etc/erpconsole/inventory.toml"

    def request_has_secret(self, name):
        return 1

    def host_names(self):
        return ["erp-db-1"]

    def database_names(self):
        return ["erp-db"]

    def database_url(self, *parts, **named):
        return "postgresql+psycopg://erp@erp-db-1:5432/erp"


def _ui(module: str):
    return importlib.import_module(f"erpconsole.ui.{module}")


def _shortcuts_dialog():
    window = QMainWindow()  # whose actions are listed; not the parent, kept while the dialog lives
    dialog = _ui("help.shortcuts_dialog").ShortcutsDialog(window)
    dialog.kept_window = window  # the window lives as long as the dialog
    return dialog


def _host_dialog():
    return _ui("hosts.host_dialog").HostDialog(FakeHostsBridge())


def console_dialogs() -> dict[str, type[QDialog]]:
    """Every QDialog subclass defined in erpconsole.ui, found by importing each module."""
    for info in pkgutil.walk_packages(erpconsole.ui.__path__, "erpconsole.ui."):
        importlib.import_module(info.name)
    found: dict[str, type[QDialog]] = {}
    todo = [QDialog]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("erpconsole."):
                found[sub.__name__] = sub
    return found


def test_mnemonic_of_reads_letters_as_qt_does():
    assert mnemonic_of("&Tags") == "t" and mnemonic_of("Test &connection") == "c"
    assert mnemonic_of("Save && close") is None and mnemonic_of("R&&D &log") == "l"
    assert mnemonic_of("Tags") is None


def test_the_walk_sees_a_clash(qtbot):
    dialog = QDialog()
    qtbot.addWidget(dialog)
    layout = QVBoxLayout(dialog)
    edit, label = QLineEdit(), QLabel("&Tags")
    label.setBuddy(edit)
    for w in (label, edit, QPushButton("&Test connection"), QLabel("&Inert: no buddy")):
        layout.addWidget(w)
    assert duplicate_mnemonics(dialog) == {"t": ["&Tags", "&Test connection"]}
    assert "i" not in mnemonics(dialog)


# Bases, walked through the dialogs built on them.
BASES = {"EntryDialog", "_Form"}


def test_every_dialog_has_a_factory_here():
    assert sorted(set(console_dialogs()) - set(FACTORIES) - BASES) == []


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_no_dialog_gives_one_alt_letter_to_two_controls(qtbot, name):
    dialog = FACTORIES[name]()
    qtbot.addWidget(dialog)
    assert isinstance(dialog, console_dialogs()[name])
    assert duplicate_mnemonics(dialog) == {}
