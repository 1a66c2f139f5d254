"""The host dialog on a fake of its bridge: keyring is asked, and the host saved, off the GUI
thread; Save says "Saving…" until the answer, a refusal is shown in the dialog."""

from __future__ import annotations

from erpconsole.config import HostConfig
from erpconsole.ui.hosts.host_dialog import HostDialog
from tests.ui.fakes import FakeHostsBridge


def dialog_on(qtbot, bridge, host=None) -> HostDialog:
    dialog = HostDialog(bridge, host)
    qtbot.addWidget(dialog)
    return dialog


def test_the_password_field_says_what_keyring_holds_once_it_answers(qtbot):
    host = HostConfig("erp-app", "10.0.0.5")
    bridge = FakeHostsBridge(hosts=[host], secrets={"erp-app"})
    dialog = dialog_on(qtbot, bridge, host)
    assert "optional" in dialog.secret_edit.placeholderText()  # not asked on the GUI thread
    qtbot.waitUntil(lambda: "stored in keyring" in dialog.secret_edit.placeholderText(), timeout=2000)
    without = FakeHostsBridge(hosts=[host])
    with qtbot.waitSignal(without.secret_known, timeout=2000) as answer:
        other = dialog_on(qtbot, without, host)
    assert answer.args[1] is False and "optional" in other.secret_edit.placeholderText()


def test_save_is_busy_until_the_bridge_answers_then_closes(qtbot):
    bridge = FakeHostsBridge()
    dialog = dialog_on(qtbot, bridge)
    dialog.name_edit.setText("erp-new")
    dialog.address_edit.setText("10.0.0.9")
    dialog.secret_edit.setText("s3cret")
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    idle = save.text()
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        assert dialog.save()
        assert dialog.saving and not save.isEnabled() and save.text() == "Saving…"
        assert not dialog.save()  # a second press while saving starts nothing
    assert save.isEnabled() and save.text() == idle
    assert bridge.named("save_host") == [("save_host", "erp-new", None, "s3cret")]


def test_a_refused_save_is_shown_and_the_dialog_stays_open(qtbot):
    bridge = FakeHostsBridge()
    bridge.refuse_saves = 'inventory.toml: a host named "erp-new" is already watched'
    dialog = dialog_on(qtbot, bridge)
    dialog.name_edit.setText("erp-new")
    dialog.address_edit.setText("10.0.0.9")
    assert dialog.save()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=2000)
    assert dialog.error_label.text() == bridge.refuse_saves and not dialog.error_label.isHidden()
    assert dialog.buttons.button(dialog.buttons.StandardButton.Save).isEnabled()
    assert dialog.result() != dialog.DialogCode.Accepted


def test_a_wrong_field_is_refused_before_anything_is_asked(qtbot):
    bridge = FakeHostsBridge()
    dialog = dialog_on(qtbot, bridge)
    assert not dialog.save()
    assert dialog.error_label.text() == "give the host a name" and bridge.calls == []


def test_save_waits_for_a_name_and_an_address_and_says_which_is_missing(qtbot):
    dialog = dialog_on(qtbot, FakeHostsBridge())
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    assert not save.isEnabled()
    assert dialog.missing_label.text() == "To save, fill in: Name, Address" and not dialog.missing_label.isHidden()
    dialog.name_edit.setText("erp-new")
    assert not save.isEnabled() and dialog.missing_label.text() == "To save, fill in: Address"
    dialog.address_edit.setText("   ")  # blanks are no address
    assert not save.isEnabled()
    dialog.address_edit.setText("10.0.0.9")
    assert save.isEnabled() and dialog.missing_label.isHidden()
    dialog.name_edit.clear()
    assert not save.isEnabled()


def test_save_stays_off_while_saving_even_as_fields_change(qtbot):
    dialog = dialog_on(qtbot, FakeHostsBridge())
    dialog.name_edit.setText("erp-new")
    dialog.address_edit.setText("10.0.0.9")
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        assert dialog.save()
        dialog.name_edit.setText("erp-new-2")
        assert not save.isEnabled()


def test_the_dialog_says_which_file_save_writes(qtbot, tmp_path):
    dialog = dialog_on(qtbot, FakeHostsBridge(inventory_path=str(tmp_path / "inventory.toml")))
    assert dialog.saves_to.text() == f"Saves to {tmp_path / 'inventory.toml'}"
    from erpconsole.config import default_inventory_path

    fresh = dialog_on(qtbot, FakeHostsBridge(inventory_path=None))
    assert fresh.saves_to.text().startswith(f"Saves to {default_inventory_path()} (a new file")


def test_tags_and_test_connection_have_their_own_alt_letters(qtbot):
    from erpconsole.ui.common.form_dialog import duplicate_mnemonics, mnemonics

    dialog = dialog_on(qtbot, FakeHostsBridge())
    assert duplicate_mnemonics(dialog) == {}
    assert mnemonics(dialog)["t"] == ["&Tags"] and mnemonics(dialog)["c"] == ["Test &connection"]
