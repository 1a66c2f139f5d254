"""Add, test and edit a backup set from the window, on the real console with a real restic
repository made here: the file keeps its comments, the password goes to keyring, the running
backup service reads the new set at once."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from PySide6.QtWidgets import QFormLayout

from erpconsole.config import load_inventory
from erpconsole.services.secrets import SecretStore
from tests.conftest import require

pytestmark = pytest.mark.integration
HEAD = "# backups of the ERP: keep this comment\n[local]\nenabled = false\n"
PASSWORD = "restic pw; with 'quotes'"


@pytest.fixture
def restic_repo(tmp_path):
    restic = shutil.which("restic")
    require(restic is not None, "restic")
    repo, data = tmp_path / "repo", tmp_path / "data"
    data.mkdir()
    (data / "erp.sql").write_text("SELECT 1;\n")
    env = {**os.environ, "RESTIC_PASSWORD": PASSWORD}
    subprocess.run([restic, "-r", str(repo), "init", "-q"], env=env, check=True, timeout=60)
    subprocess.run([restic, "-r", str(repo), "backup", "-q", str(data)], env=env, check=True, timeout=60)
    return repo


@pytest.fixture
def running(console_factory, tmp_path):
    path = tmp_path / "inventory.toml"
    path.write_text(HEAD)
    console = console_factory(load_inventory(path))
    assert console.wait_store()
    page = console.window.backups
    dialogs = []
    page._run_dialog = lambda d: dialogs.append(d) or False
    return path, console, page, dialogs


def test_add_a_restic_set_test_it_save_it_and_it_is_read(running, qtbot, restic_repo, memory_keyring):
    path, console, page, dialogs = running
    assert page.is_empty()
    page.add_button.click()
    dialog = dialogs.pop()
    qtbot.addWidget(dialog)
    assert dialog.where_label.text() == f"Saves to {path}"
    form = dialog.form
    texts = [form.itemAt(i, QFormLayout.ItemRole.LabelRole).widget().text() for i in range(form.rowCount())]
    texts += [dialog.test_button.text(), dialog.save_button.text()]
    marks = [re.search(r"&(\w)", t).group(1).lower() for t in texts]
    assert len(marks) == len(set(marks)), texts
    assert not dialog.save_button.isEnabled()
    dialog.name_edit.setText("files")
    dialog.repo_edit.setText(str(restic_repo))
    dialog.secret_edit.setText(PASSWORD)
    assert dialog.save_button.isEnabled() and not dialog.stanza_edit.isEnabled()

    assert dialog.test()
    qtbot.waitUntil(lambda: not dialog.testing, timeout=40000)
    texts = [dialog.steps_list.item(i).text() for i in range(dialog.steps_list.count())]
    assert texts[0] == "✓ Repository: 1 backup in the repository", texts
    assert texts[1].startswith("✓ Newest: newest: "), texts

    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        assert dialog.save()
    assert path.read_text().startswith(HEAD) and PASSWORD not in path.read_text()
    assert SecretStore().get("backup:files") == PASSWORD
    qtbot.waitUntil(lambda: "files" in page.views(), timeout=40000)
    status, _findings = page.views()["files"]
    assert not status.error and len(status.backups) == 1
    assert not page.is_empty()

    page.panel("files").edit_button.click()
    edit = dialogs.pop()
    qtbot.addWidget(edit)
    assert edit.repo_edit.text() == str(restic_repo)
    edit.name_edit.setText("erp-files")
    with qtbot.waitSignal(edit.accepted, timeout=10000):
        edit.save()
    assert [b.name for b in load_inventory(path).backups] == ["erp-files"]
    assert SecretStore().get("backup:erp-files") == PASSWORD  # moved with the rename
    qtbot.waitUntil(lambda: "erp-files" in page.views(), timeout=40000)
    assert "files" not in page.panels() and not page.views()["erp-files"][0].error


def test_a_wrong_password_is_the_tools_error_and_a_bad_set_is_refused(running, qtbot, restic_repo):
    path, console, page, dialogs = running
    page.add_set()
    dialog = dialogs.pop()
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("files")
    dialog.repo_edit.setText(str(restic_repo))
    dialog.secret_edit.setText("wrong")
    dialog.test()
    qtbot.waitUntil(lambda: not dialog.testing, timeout=40000)
    assert dialog.steps[0].ok is False and "refused the password" in dialog.steps[0].message
    dialog.tool_combo.setCurrentIndex(dialog.tool_combo.findData("pgbackrest"))
    assert not dialog.save()  # no stanza: refused before anything is written
    assert "stanza" in dialog.error_label.text()
    assert path.read_text() == HEAD
    dialog.reject()
