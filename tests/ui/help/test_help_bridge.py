"""The places Help names: the paths in use, read when asked; a store on a server is its URL
without the password, and nothing to open."""

from __future__ import annotations

from erpconsole import __version__
from erpconsole.config import default_inventory_path
from erpconsole.ui.help.bridge import EVIDENCE, INVENTORY, LOG, STORE, HelpBridge


def test_the_files_in_use_and_whether_they_are_there(qtbot, tmp_path):
    inventory = tmp_path / "inventory.toml"
    inventory.write_text("")
    db = tmp_path / "data" / "store.sqlite3"
    bridge = HelpBridge(lambda: str(inventory), f"sqlite:///{db}", str(tmp_path / "log" / "erpconsole.log"),
                        str(tmp_path / "evidence"))
    places = {p.key: p for p in bridge.places()}
    assert list(places) == [INVENTORY, STORE, LOG, EVIDENCE]
    assert places[INVENTORY].path == str(inventory) and places[INVENTORY].open_path == str(inventory)
    assert places[INVENTORY].exists
    assert places[STORE].path == str(db) and places[STORE].open_path == str(db.parent)
    assert not places[STORE].exists
    assert places[LOG].open_path == str(tmp_path / "log")  # not written yet: its folder opens
    assert places[EVIDENCE].path == str(tmp_path / "evidence") and not places[EVIDENCE].exists
    assert bridge.version == __version__


def test_the_inventory_is_read_when_asked(qtbot, tmp_path):
    current = [None]
    bridge = HelpBridge(lambda: current[0], "sqlite:///:memory:", "/x.log", "/e")
    assert bridge.places()[0].path == str(default_inventory_path())  # none yet: the one Save makes
    current[0] = str(tmp_path / "made-by-add-host.toml")
    assert bridge.places()[0].path == current[0]


def test_a_store_on_a_server_shows_no_password_and_opens_nothing(qtbot):
    bridge = HelpBridge(lambda: None, "postgresql+psycopg://monitor:s3cret@db1:5432/erpconsole", "/x.log", "/e")
    store = bridge.places()[1]
    assert "s3cret" not in store.path and "db1:5432/erpconsole" in store.path
    assert store.open_path == ""
