"""The Hosts page, the trust-key flow and the host dialog against real OpenSSH servers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from erpconsole.config import HostConfig, Inventory, LocalConfig, load_inventory
from erpconsole.services.models import Health
from tests.limits import NEVER_CROSSED

pytestmark = pytest.mark.integration


# The real user's ~/.ssh is never read or written (autouse, shared with the integration tests).
from tests.integration.conftest import isolated_home  # noqa: E402, F401


def free_port() -> int:
    from tests.integration.sshd import free_port as fp

    return fp()


def host(tmp_path: Path, client_keys, name: str, port: int, known_line: str = "", **fields) -> HostConfig:
    kh = tmp_path / f"known_hosts_{name}"
    kh.write_text(known_line)
    return HostConfig(name=name, address="127.0.0.1", port=port, user="root", key_file=str(client_keys.plain),
                      known_hosts=str(kh), interval_s=fields.pop("interval_s", 0.5), **fields)


def save(qtbot, dialog) -> None:
    """Saves as the Save button does, and waits for the bridge's answer (the inventory file and
    keyring are written on its worker)."""
    save_button = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    idle = save_button.text()
    assert dialog.save(), dialog.error_label.text()
    assert not save_button.isEnabled() and save_button.text() == "Saving…"
    qtbot.waitUntil(lambda: not dialog.saving, timeout=10000)
    assert save_button.isEnabled() and save_button.text() == idle
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.error_label.text()


def start(console, qtbot, page_key: str = "hosts"):
    console.start()
    window = console.window
    window.show()
    qtbot.waitExposed(window)
    window.show_page(page_key)
    return window


def wait_health(qtbot, page, target: str, health: Health, timeout: int = 15000) -> None:
    def ready() -> bool:
        page._build()
        row = page.row_for(target)
        return row is not None and row["health"] is health
    qtbot.waitUntil(ready, timeout=timeout)


def test_hosts_table_shows_ok_and_unreachable_and_filters(console_factory, qtbot, sshd, client_keys, tmp_path):
    server = sshd()
    good = host(tmp_path, client_keys, "erp-app-1", server.port, server.known_hosts_line, tags=("app", "prod"),
                thresholds=NEVER_CROSSED)  # "ok" whatever this machine's load
    down = host(tmp_path, client_keys, "erp-db-1", free_port(), tags=("db",))
    window = start(console_factory(Inventory(local=LocalConfig(enabled=False), hosts=(good, down))), qtbot)
    page = window.hosts
    wait_health(qtbot, page, "erp-app-1", Health.OK)
    wait_health(qtbot, page, "erp-db-1", Health.UNREACHABLE)
    qtbot.waitUntil(lambda: (page._build(), page.row_for("erp-app-1")["mem"] is not None)[1], timeout=10000)
    ok_row, bad_row = page.row_for("erp-app-1"), page.row_for("erp-db-1")
    assert ok_row["status"] == "● ok" and ok_row["level"] == "ok"
    assert 0 < ok_row["mem"] <= 100 and ok_row["disk"] is not None and ok_row["latency"] is not None
    assert ok_row["kernel"]  # the slow facts reached the table
    assert bad_row["status"] == "■ unreachable" and bad_row["level"] == "critical"
    # The displayed texts, as a person reads them.
    model = page.model
    i = model.rows().index(ok_row)
    assert model.display_text(i, model.column_index("status")) == "● ok"
    assert model.display_text(i, model.column_index("uptime"))

    page.status_combo.setCurrentIndex(page.status_combo.findData("failing"))
    assert [r["target"] for r in page.rows()] == ["erp-db-1"]
    page.status_combo.setCurrentIndex(page.status_combo.findData("ok"))
    assert [r["target"] for r in page.rows()] == ["erp-app-1"]
    page.status_combo.setCurrentIndex(page.status_combo.findData("all"))
    page.filter_edit.setText("prod")  # a tag
    assert [r["target"] for r in page.rows()] == ["erp-app-1"]
    page.filter_edit.setText("unreach")  # status text
    assert [r["target"] for r in page.rows()] == ["erp-db-1"]
    page.filter_edit.setText("")
    assert len(page.rows()) == 2

    # Enter / double click opens Host detail for that host.
    with qtbot.waitSignal(page.host_requested) as blocker:
        page._on_activated(page.model.rows().index(page.row_for("erp-db-1")))
    assert blocker.args == ["erp-db-1"]
    assert window.current_page_key() == "host"


def test_trust_unknown_key_end_to_end(console_factory, qtbot, sshd, client_keys, tmp_path):
    from erpconsole.ui.hosts.trust_key_dialog import TrustKeyDialog

    server = sshd()
    unknown = host(tmp_path, client_keys, "new-host", server.port)  # nothing on file
    console = console_factory(Inventory(local=LocalConfig(enabled=False), hosts=(unknown,)))
    window = start(console, qtbot)
    page = window.hosts
    events = []
    console.bridges.events.event_logged.connect(events.append)
    wait_health(qtbot, page, "new-host", Health.HOSTKEY_UNKNOWN)
    page.select("new-host")
    assert page.key_button.isEnabled()

    shown = {}

    def answer(dialog):
        assert isinstance(dialog, TrustKeyDialog)
        shown["info"] = dialog.info
        dialog.trust_button.click()
        return dialog.result() == dialog.DialogCode.Accepted

    page._run_dialog = answer
    page.review_host_key("new-host")
    info = shown["info"]
    assert info.port == server.port and info.key_type == "ssh-ed25519"
    assert info.fingerprint.startswith("SHA256:")
    wait_health(qtbot, page, "new-host", Health.OK)
    own = Path(info.own_path).read_text()
    assert f"[127.0.0.1]:{server.port} ssh-ed25519 {server.host_key_b64}" in own
    qtbot.waitUntil(lambda: any("trusted" in e.message and info.fingerprint in e.message for e in events))


def test_auth_failed_offers_retry_and_hint(console_factory, qtbot, sshd, client_keys, tmp_path):
    server = sshd()
    bad = host(tmp_path, client_keys, "locked", server.port, server.known_hosts_line)
    bad = dataclasses.replace(bad, key_file=str(client_keys.other))
    window = start(console_factory(Inventory(local=LocalConfig(enabled=False), hosts=(bad,))), qtbot)
    page = window.hosts
    wait_health(qtbot, page, "locked", Health.AUTH_FAILED)
    page.select("locked")
    assert page.retry_button.isEnabled() and not page.key_button.isEnabled()
    assert "ssh:locked" in page.hint.text()


def test_dialog_test_connection_reports_every_step(console_factory, qtbot, sshd, client_keys, tmp_path):
    from erpconsole.ui.hosts.host_dialog import HostDialog

    server = sshd()
    console = console_factory(Inventory(local=LocalConfig(enabled=False)))
    (Path.home() / ".ssh" / "known_hosts").write_text(server.known_hosts_line)
    dialog = HostDialog(console.bridges.hosts)
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("fixture")
    dialog.address_edit.setText("127.0.0.1")
    dialog.port_spin.setValue(server.port)
    dialog.user_edit.setText("root")
    dialog.key_edit.setText(str(client_keys.plain))
    dialog.test_button.click()
    qtbot.waitUntil(lambda: not dialog.testing, timeout=20000)
    assert [s.key for s in dialog.steps] == ["resolve", "connect", "host key", "authenticate", "probe"]
    assert all(s.ok for s in dialog.steps), dialog.steps
    assert all(dialog.steps_list.item(i).text().startswith("✓") for i in range(5))

    dialog.port_spin.setValue(free_port())  # nothing listens there
    dialog.test_button.click()
    qtbot.waitUntil(lambda: not dialog.testing, timeout=20000)
    connect = dialog.steps[1]
    assert dialog.steps[0].ok and connect.key == "connect" and connect.ok is False
    assert "connection refused" in connect.message and "sshd" in connect.hint
    assert dialog.steps_list.item(1).text().startswith("✗ Connect")
    assert all(s.ok is None for s in dialog.steps[2:])


def test_save_writes_inventory_keeps_the_rest_and_starts_polling(
        console_factory, qtbot, sshd, client_keys, tmp_path, memory_keyring):
    from erpconsole.ui.hosts.host_dialog import HostDialog

    server = sshd()
    (Path.home() / ".ssh" / "known_hosts").write_text(server.known_hosts_line)
    inv_file = tmp_path / "inventory.toml"
    inv_file.write_text(
        "# the ERP fleet; keep this comment\n"
        "[[hosts]]\n"
        'name = "erp-old"   # the old box\n'
        'address = "127.0.0.1"\n'
        f"port = {free_port()}\n"
        "interval_s = 30\n")
    console = console_factory(load_inventory(inv_file))
    window = start(console, qtbot)
    dialog = HostDialog(console.bridges.hosts)
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("erp-new")
    dialog.address_edit.setText("127.0.0.1")
    dialog.port_spin.setValue(server.port)
    dialog.user_edit.setText("root")
    dialog.key_edit.setText(str(client_keys.plain))
    dialog.interval_spin.setValue(1.0)
    dialog.tags_edit.setText("app, prod")
    dialog.secret_edit.setText("not-in-the-file-s3cret")
    save(qtbot, dialog)

    text = inv_file.read_text()
    assert text.startswith("# the ERP fleet; keep this comment\n")
    assert 'name = "erp-old"   # the old box' in text
    assert 'name = "erp-new"' in text and f"port = {server.port}" in text and 'tags = ["app", "prod"]' in text
    assert "s3cret" not in text
    assert memory_keyring.store[("erpconsole", "ssh:erp-new")] == "not-in-the-file-s3cret"
    inv = load_inventory(inv_file)
    assert [h.name for h in inv.hosts] == ["erp-old", "erp-new"]
    assert "erp-new" in console.monitor.scheduler.targets()
    wait_health(qtbot, window.hosts, "erp-new", Health.OK)

    # Edit: the interval changes in place; the comment stays.
    edit = HostDialog(console.bridges.hosts, console.bridges.hosts.host_config("erp-new"))
    qtbot.addWidget(edit)
    # The keyring is asked off the GUI thread; the field says what it holds once it answers.
    qtbot.waitUntil(lambda: "stored in keyring" in edit.secret_edit.placeholderText(), timeout=10000)
    edit.interval_spin.setValue(2.0)
    save(qtbot, edit)
    text = inv_file.read_text()
    assert "interval_s = 2" in text and "# the old box" in text
    assert console.bridges.hosts.host_config("erp-new").interval_s == 2.0


def test_save_without_inventory_creates_the_default_file(console_factory, qtbot, tmp_path):
    from erpconsole.config import default_inventory_path
    from erpconsole.ui.hosts.host_dialog import HostDialog

    path = default_inventory_path()
    path.unlink(missing_ok=True)
    console = console_factory()
    dialog = HostDialog(console.bridges.hosts)
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("first-host")
    dialog.address_edit.setText("127.0.0.1")
    dialog.port_spin.setValue(free_port())
    try:
        save(qtbot, dialog)
        inv = load_inventory(path)
        assert [h.name for h in inv.hosts] == ["first-host"] and inv.local.enabled
        assert console.bridges.hosts.inventory_path == str(path)
    finally:
        path.unlink(missing_ok=True)


def test_import_from_ssh_config_adds_the_chosen(console_factory, qtbot, tmp_path):
    from erpconsole.ui.hosts.host_dialog import ImportDialog

    (Path.home() / ".ssh" / "config").write_text(
        "Host app1\n  HostName 127.0.0.1\n  Port 2201\n  User monitor\n\nHost db1\n  HostName 127.0.0.2\n\nHost *\n  User x\n")
    inv_file = tmp_path / "inv.toml"
    inv_file.write_text("# mine\n[local]\nenabled = true\n")
    console = console_factory(load_inventory(inv_file))
    bridge, page = console.bridges.hosts, console.window.hosts
    with qtbot.waitSignal(bridge.ssh_config_read, timeout=10000) as read:
        bridge.import_ssh_config()
    entries = read.args[0]
    assert [e["name"] for e in entries] == ["app1", "db1"]
    dialog = ImportDialog(entries, set(bridge.targets()))
    qtbot.addWidget(dialog)
    dialog.set_checked("app1")
    assert [e["name"] for e in dialog.chosen()] == ["app1"]
    with qtbot.waitSignal(bridge.hosts_added, timeout=10000) as added:
        page.add_entries(dialog.chosen())
        assert not page.import_button.isEnabled() and page.import_button.text() == "Adding hosts…"
    assert added.args == [[]]
    qtbot.waitUntil(page.import_button.isEnabled, timeout=5000)
    assert page.import_button.text() == "Import from ~/.ssh/config…"
    inv = load_inventory(inv_file)
    assert [(h.name, h.port, h.user) for h in inv.hosts] == [("app1", 2201, "monitor")]
    assert inv_file.read_text().startswith("# mine\n")
    assert "app1" in console.monitor.scheduler.targets()


def test_an_unreachable_host_is_polled_again_at_once_with_retry_now(console_factory, qtbot, sshd, client_keys,
                                                                     tmp_path):
    server = sshd()
    gone = host(tmp_path, client_keys, "gone", server.port, server.known_hosts_line)
    gone = dataclasses.replace(gone, interval_s=600.0)  # only the click can poll it again in time
    server.kill()
    window = start(console_factory(Inventory(local=LocalConfig(enabled=False), hosts=(gone,))), qtbot)
    page = window.hosts
    wait_health(qtbot, page, "gone", Health.UNREACHABLE)
    page.select("gone")
    assert page.retry_button.isEnabled() and page.retry_button.text() == "Retry now"
    server.start()  # back: the user need not wait out the backoff
    page.retry_button.click()
    wait_health(qtbot, page, "gone", Health.OK)


def test_the_loss_heading_is_short_and_its_tooltip_names_the_window(console_factory) -> None:
    from PySide6.QtCore import Qt

    from erpconsole.services.models import LOSS_WINDOW_PROBES

    page = console_factory().window.page("hosts")
    model = page.model
    titles = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    column = titles.index("Loss %")  # short: the Hosts table fits its columns, OS and kernel are not cut
    tip = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert f"last {LOSS_WINDOW_PROBES} keepalive probes" in tip
