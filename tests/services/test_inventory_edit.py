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


# -- databases and backup sets ------------------------------------------------------------------

DB = {"name": "erp-my", "url": "mysql+pymysql://monitor@10.0.0.7:3306/erp", "erp": "erpnext"}


def test_add_database_keeps_comments_and_the_rest(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text(ORIGINAL)
    inv = inventory_edit.save_entry(path, "databases", DB)
    text = path.read_text()
    assert text.startswith(ORIGINAL)
    assert [d.name for d in inv.databases] == ["erp-db", "erp-my"]
    assert inv.databases[1].erp == "erpnext"


def test_edit_database_keeps_its_comment_and_unmanaged_keys(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text(ORIGINAL.replace('url = "postgresql+psycopg://monitor@10.0.0.6:5432/erp"',
                                     'url = "postgresql+psycopg://monitor@10.0.0.6:5432/erp"  # primary\n'
                                     "thresholds = { long_query_warning_s = 5 }"))
    values = {"name": "erp-db", "url": "postgresql+psycopg://monitor@10.0.0.6:5432/erp", "erp": "odoo"}
    inv = inventory_edit.save_entry(path, "databases", values, old_name="erp-db")
    text = path.read_text()
    assert "# primary" in text and "# ERP fleet (keep me)" in text and "# the app server" in text
    assert inv.databases[0].erp == "odoo" and inv.databases[0].thresholds.long_query_warning_s == 5
    inv = inventory_edit.save_entry(path, "databases", {**values, "name": "erp-pg", "erp": None}, "erp-db")
    assert [(d.name, d.erp) for d in inv.databases] == [("erp-pg", None)]
    assert 'erp = "odoo"' not in path.read_text()


@pytest.mark.parametrize("values, words", [
    ({**DB, "url": "mysql+pymysql://monitor:hunter2@10.0.0.7/erp"}, "password"),
    ({**DB, "name": "erp-app-1"}, "erp-app-1"),
    ({**DB, "erp": "sap"}, "erp"),
])
def test_a_bad_database_is_refused_and_the_file_unchanged(tmp_path, values, words):
    path = tmp_path / "inv.toml"
    path.write_text(ORIGINAL)
    with pytest.raises(InventoryError) as err:
        inventory_edit.save_entry(path, "databases", values)
    assert words in str(err.value) and str(path) in str(err.value)
    assert path.read_text() == ORIGINAL
    assert [p.name for p in tmp_path.iterdir()] == ["inv.toml"]  # no temporary file left


def test_a_taken_name_and_a_missing_entry_are_refused(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text(ORIGINAL)
    with pytest.raises(InventoryError, match='a database named "erp-db" is already there'):
        inventory_edit.save_entry(path, "databases", {**DB, "name": "erp-db"})
    with pytest.raises(InventoryError, match='no backup set named "nightly" is there'):
        inventory_edit.remove_entry(path, "backups", "nightly")
    assert path.read_text() == ORIGINAL


def test_backup_set_added_edited_and_removed(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text(ORIGINAL)
    values = {"name": "nightly", "tool": "restic", "repo": "/srv/restic", "database": "erp-db"}
    inv = inventory_edit.save_entry(path, "backups", values)
    assert [(b.name, b.tool, b.database) for b in inv.backups] == [("nightly", "restic", "erp-db")]
    text = path.read_text()
    text = text.replace('repo = "/srv/restic"', 'repo = "/srv/restic"  # the NAS\nrpo_h = 12')
    path.write_text(text)
    inv = inventory_edit.save_entry(path, "backups", {**values, "host": "erp-app-1"}, old_name="nightly")
    assert inv.backups[0].host == "erp-app-1" and inv.backups[0].policy.rpo_h == 12
    assert "# the NAS" in path.read_text()
    with pytest.raises(InventoryError, match="stanza"):
        inventory_edit.save_entry(path, "backups", {**values, "tool": "pgbackrest"}, old_name="nightly")
    inv = inventory_edit.remove_entry(path, "backups", "nightly")
    assert inv.backups == () and "[[backups]]" not in path.read_text()
    assert path.read_text().startswith("# ERP fleet (keep me)")


def test_a_database_saved_to_a_missing_file_creates_it(tmp_path):
    path = tmp_path / "sub" / "inv.toml"
    inv = inventory_edit.save_entry(path, "databases", DB)
    assert [d.name for d in inv.databases] == ["erp-my"] and inv.local.enabled
    assert path.read_text().startswith("# erpconsole inventory")
