"""Host entries written back to the inventory with tomlkit: the rest of the file stays as written."""

from __future__ import annotations

import pytest

from erpconsole.config import HostConfig, InventoryError, load_inventory
from erpconsole.services import inventory_edit

ORIGINAL = """\
# ERP fleet (keep me)
[local]
enabled = true

[[hosts]]
name = "erp-app-1"   # the app server
address = "10.0.0.5"
thresholds = { disk_warning = 70 }

[[databases]]
name = "erp-db"
url = "postgresql+psycopg://monitor@10.0.0.6:5432/erp"
"""


def test_add_keeps_comments_other_entries_and_order(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text(ORIGINAL)
    inv = inventory_edit.add_host(path, HostConfig(name="erp-app-2", address="10.0.0.7", port=2222,
                                                   user="monitor", tags=("app",), interval_s=10))
    text = path.read_text()
    assert text.startswith(ORIGINAL.split("[[databases]]")[0])
    assert text.rstrip().endswith('url = "postgresql+psycopg://monitor@10.0.0.6:5432/erp"')
    assert [h.name for h in inv.hosts] == ["erp-app-1", "erp-app-2"]
    new = inv.hosts[1]
    assert (new.port, new.user, new.tags, new.interval_s) == (2222, "monitor", ("app",), 10.0)
    assert inv.hosts[0].thresholds.disk_warning == 70
    assert [d.name for d in inv.databases] == ["erp-db"]


def test_update_changes_only_managed_fields(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text(ORIGINAL)
    inventory_edit.update_host(path, "erp-app-1", HostConfig(name="erp-app-1", address="10.0.0.9", user="ops"))
    text = path.read_text()
    assert 'name = "erp-app-1"   # the app server' in text
    assert 'address = "10.0.0.9"' in text and 'user = "ops"' in text
    assert "thresholds = { disk_warning = 70 }" in text and "# ERP fleet (keep me)" in text


def test_remove_and_duplicates_and_validation(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text(ORIGINAL)
    with pytest.raises(InventoryError, match="already"):
        inventory_edit.add_host(path, HostConfig(name="ERP-APP-1", address="x"))
    with pytest.raises(InventoryError):  # the loader refuses the new text: nothing is written
        inventory_edit.add_host(path, HostConfig(name="This workstation", address="x"))
    assert path.read_text() == ORIGINAL
    inv = inventory_edit.remove_host(path, "erp-app-1")
    assert inv.hosts == () and "# ERP fleet (keep me)" in path.read_text()
    assert not list(tmp_path.glob(".inventory.*"))  # no temporary file left behind


def test_missing_file_is_created_and_keeps_this_workstation(tmp_path):
    path = tmp_path / "cfg" / "inventory.toml"
    inventory_edit.add_host(path, HostConfig(name="h1", address="127.0.0.1"))
    inv = load_inventory(path)
    assert inv.local.enabled and [h.name for h in inv.hosts] == ["h1"]
    assert "password" not in path.read_text().split("keyring")[-1]
