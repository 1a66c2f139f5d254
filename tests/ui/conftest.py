from __future__ import annotations

import pytest

from erpconsole.config import Inventory, LocalConfig


@pytest.fixture
def console_factory(qtbot, tmp_path):
    """Builds the real console (store, monitor, bridge, window) the way `erpconsole` does."""
    from erpconsole.app import Console

    made = []

    def make(inventory: Inventory | None = None, settings_name: str = "ui.ini"):
        inv = inventory or Inventory(local=LocalConfig(interval_s=0.5))
        console = Console(inv, f"sqlite:///{tmp_path / 'store.sqlite3'}", tmp_path / settings_name)
        qtbot.addWidget(console.window)
        made.append(console)
        return console

    yield make
    for console in made:
        console.window.close()
        console.stop()
        # Delete Qt objects now, not whenever Python's GC happens to collect their cycles
        # (that landed in the middle of a later test's style change: SIGSEGV).
        console.window.deleteLater()
        console.bridges.delete_later()


# The real sshd fixtures of the integration tests, for the Hosts page and its dialogs.
from tests.integration.conftest import client_keys, sshd  # noqa: E402, F401
