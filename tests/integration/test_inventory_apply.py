"""A database and a backup set saved while running: in the file, in keyring, in the audit trail,
and watched at once by the real monitor and backup service (real PostgreSQL, real restic)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from erpconsole.config import Inventory, InventoryError, LocalConfig, load_inventory
from erpconsole.services import inventory_apply
from erpconsole.services.backups.service import BackupService
from erpconsole.services.models import Health
from erpconsole.services.monitor import Monitor
from erpconsole.services.secrets import SecretStore
from erpconsole.services.store import Store
from tests.conftest import require

pytestmark = pytest.mark.integration
HEAD = "# our fleet: keep this line\n[local]\nenabled = false\n"


def wait_for(monitor: Monitor, target: str, pred, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        status = {s.target: s for s in monitor.statuses()}.get(target)
        if status is not None and pred(status):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.05)


@pytest.fixture
def running(tmp_path):
    path = tmp_path / "inventory.toml"
    path.write_text(HEAD)
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    monitor = Monitor(load_inventory(path), None, max_workers=2)
    monitor.attach_audit(store.audit)
    monitor.start()
    yield path, monitor, store
    monitor.stop()
    store.close()


def test_a_saved_database_is_polled_at_once_then_edited_and_removed(running, pg_database):
    path, monitor, store = running
    url = pg_database()
    values = {"name": "erp-pg", "url": url, "interval_s": 0.5}
    inventory_apply.save_database(monitor, values, password="s3cret!")
    assert SecretStore().get("db:erp-pg") == "s3cret!"
    assert "s3cret!" not in path.read_text() and path.read_text().startswith(HEAD)
    wait_for(monitor, "erp-pg", lambda s: s.health is Health.OK and s.snapshot is not None)

    inventory_apply.save_database(monitor, {**values, "name": "erp-main"}, old_name="erp-pg")
    assert not monitor.is_watched("erp-pg")
    assert SecretStore().get("db:erp-main") == "s3cret!" and SecretStore().get("db:erp-pg") is None
    wait_for(monitor, "erp-main", lambda s: s.health is Health.OK)
    assert [d.name for d in load_inventory(path).databases] == ["erp-main"]

    inventory_apply.remove_database(monitor, "erp-main")
    assert not monitor.is_watched("erp-main") and load_inventory(path).databases == ()
    actions = [e.action for e in reversed(store.audit.entries())]  # newest first
    assert actions == ["inventory.database.save", "inventory.database.save", "inventory.database.remove"]
    assert all("s3cret" not in str(e.details) for e in store.audit.entries())


def test_a_refused_database_leaves_file_and_monitor_as_they_were(running):
    path, monitor, _store = running
    with pytest.raises(InventoryError, match="password"):
        inventory_apply.save_database(monitor, {"name": "bad", "url": "postgresql+psycopg://u:pw@h/db"})
    assert path.read_text() == HEAD and not monitor.is_watched("bad")


def test_a_saved_backup_set_is_read_by_the_running_service(running, tmp_path):
    path, monitor, store = running
    restic = shutil.which("restic")
    require(restic is not None, "restic")
    repo, data = tmp_path / "repo", tmp_path / "data"
    data.mkdir()
    (data / "a.sql").write_text("SELECT 1;\n")
    env = {**os.environ, "RESTIC_PASSWORD": "pw pw"}
    subprocess.run([restic, "-r", str(repo), "init", "-q"], env=env, check=True, timeout=60)
    subprocess.run([restic, "-r", str(repo), "backup", "-q", str(data)], env=env, check=True, timeout=60)
    service = BackupService(monitor.inventory, secrets=monitor.secrets, audit=store.audit, engine=store.engine)
    assert service.set_names() == []
    inventory_apply.save_backup_set(monitor, service, {"name": "files", "tool": "restic", "repo": str(repo)},
                                    password="pw pw")
    assert service.set_names() == ["files"] and [b.name for b in monitor.inventory.backups] == ["files"]
    status = service.read("files")
    assert not status.error and len(status.backups) == 1
    inventory_apply.remove_backup_set(monitor, service, "files")
    assert service.set_names() == [] and "[[backups]]" not in Path(path).read_text()
