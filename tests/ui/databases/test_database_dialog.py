"""Add, test, edit and remove a database from the window, on the real console and the machine's
real PostgreSQL: the file keeps its comments, the password goes to keyring, the database is
watched at once, and a refused entry leaves the file as it was."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QFormLayout, QLabel

from erpconsole.config import load_inventory
from erpconsole.services.models import Health
from erpconsole.services.secrets import SecretStore
from erpconsole.ui.databases.database_dialog import DatabaseDialog

pytestmark = pytest.mark.integration
HEAD = "# the ERP fleet: this comment must survive\n[local]\nenabled = false\n"


def mnemonics(dialog) -> list[str]:
    form: QFormLayout = dialog.form
    texts = [form.itemAt(i, QFormLayout.ItemRole.LabelRole).widget().text() for i in range(form.rowCount())]
    texts += [dialog.test_button.text(), dialog.save_button.text()]
    return [m.group(1).lower() for t in texts if (m := re.search(r"&(\w)", t))]


@pytest.fixture
def running(console_factory, tmp_path):
    path = tmp_path / "inventory.toml"
    path.write_text(HEAD)
    console = console_factory(load_inventory(path))
    console.start()
    page = console.window.databases
    dialogs = []
    page._run_dialog = lambda d: dialogs.append(d) or False
    return path, console, page, dialogs


def fill(dialog: DatabaseDialog, url_parts: dict, name: str) -> None:
    dialog.name_edit.setText(name)
    dialog.host_edit.setText(url_parts["host"])
    dialog.port_spin.setValue(url_parts["port"] or 0)
    dialog.database_edit.setText(url_parts["database"])
    dialog.user_edit.setText(url_parts["user"])


def test_add_test_save_edit_and_remove(running, qtbot, pg_database, memory_keyring):
    path, console, page, dialogs = running
    bridge = console.bridges.databases
    parts = bridge.database_url_parts(pg_database())
    page.add_database()
    dialog = dialogs.pop()
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Add database"
    assert dialog.where_label.text() == f"Saves to {path}"
    marks = mnemonics(dialog)
    assert len(marks) == len(set(marks)) == dialog.form.rowCount() + 2, marks
    assert not dialog.save_button.isEnabled() and not dialog.test_button.isEnabled()
    fill(dialog, parts, "erp-pg")
    assert dialog.save_button.isEnabled() and dialog.test_button.isEnabled()
    dialog.secret_edit.setText("typed-password")

    assert dialog.test()
    qtbot.waitUntil(lambda: not dialog.testing, timeout=30000)
    texts = [dialog.steps_list.item(i).text() for i in range(dialog.steps_list.count())]
    assert texts[0].startswith("✓ Connect: connected"), texts
    assert texts[1].startswith("✓ Server: PostgreSQL "), texts

    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        assert dialog.save()
    text = path.read_text()
    assert text.startswith(HEAD) and "typed-password" not in text
    assert [d.name for d in load_inventory(path).databases] == ["erp-pg"]
    assert SecretStore().get("db:erp-pg") == "typed-password"
    assert "erp-pg" in console.monitor.scheduler.targets()

    def polled() -> bool:
        page._build()
        row = page.row_for("erp-pg")
        return row is not None and row["health"] is Health.OK
    qtbot.waitUntil(polled, timeout=20000)

    page.select("erp-pg")
    actions = [a.text() for a in page.context_menu().actions()]
    assert "&Edit database…" in actions and "&Remove database…" in actions
    page.edit_database("erp-pg")
    edit = dialogs.pop()
    qtbot.addWidget(edit)
    assert edit.database_edit.text() == parts["database"] and edit.user_edit.text() == parts["user"]
    qtbot.waitUntil(lambda: "stored in keyring" in edit.secret_edit.placeholderText(), timeout=5000)
    edit.erp_combo.setCurrentIndex(edit.erp_combo.findData("odoo"))
    with qtbot.waitSignal(edit.accepted, timeout=10000):
        edit.save()
    assert load_inventory(path).databases[0].erp == "odoo" and path.read_text().startswith(HEAD)

    page._confirm = lambda _title, _text: True
    with qtbot.waitSignal(bridge.database_removed, timeout=10000):
        page.remove_database("erp-pg")
    assert load_inventory(path).databases == () and path.read_text().startswith(HEAD)
    page._build()
    assert not bridge.is_watched("erp-pg") and page.row_for("erp-pg") is None


def test_a_refused_entry_is_explained_and_the_file_unchanged(running, qtbot):
    path, console, page, dialogs = running
    page.add_database()
    dialog = dialogs.pop()
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("This workstation")  # the console's own machine: refused
    dialog.database_edit.setText("erp")
    assert dialog.save()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=10000)
    assert not dialog.error_label.isHidden() and "This workstation" in dialog.error_label.text()
    assert dialog.result() != dialog.DialogCode.Accepted and dialog.save_button.isEnabled()
    assert path.read_text() == HEAD
    dialog.reject()


def test_a_url_the_dialog_cannot_split_is_kept_as_written(running, qtbot):
    from erpconsole.config import DatabaseConfig

    _path, console, _page, _dialogs = running
    cfg = DatabaseConfig("legacy", "oracle+oracledb://monitor@10.0.0.9:1521/erp", password_env="ERP_PW")
    dialog = DatabaseDialog(console.bridges.databases, cfg)
    qtbot.addWidget(dialog)
    assert "cannot be edited here" in dialog.error_label.text()
    values = dialog.values()
    assert values["url"] == cfg.url and values["password_env"] == "ERP_PW"
    dialog.reject()
