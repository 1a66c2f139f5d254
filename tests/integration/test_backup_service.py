"""The backup service on real parts: a dump folder of real pg_dump files, the real store. A
fresh set is green, verify and drill are kept in the store and audited, the store survives a
restart, a second drill of the same set is refused while one runs, and a set made older than
its RPO is late."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from erpconsole.config import DatabaseConfig, Inventory
from erpconsole.services.backups.models import DUMPDIR, BackupPolicy, BackupSetConfig
from erpconsole.services.backups.service import BackupService
from erpconsole.services.store import Store
from tests.conftest import require

pytestmark = pytest.mark.integration
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def dump_set(pg_database, tmp_path):
    require(subprocess.run(["which", "pg_dump"], capture_output=True).returncode == 0, "pg_dump")
    url = pg_database()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE res_partner (id int PRIMARY KEY, name text)"))
        conn.execute(text("INSERT INTO res_partner SELECT g, 'p' || g FROM generate_series(1, 300) g"))
    engine.dispose()
    folder = tmp_path / "dumps"
    folder.mkdir()
    dbname = url.rsplit("/", 1)[1]
    subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-Fc", "-f", str(folder / "erp.dump"), dbname],
                   check=True)
    cfg = BackupSetConfig("erp dumps", DUMPDIR, str(folder), pattern="*.dump", database="erp",
                          drill_target=PG_ADMIN, key_tables=("res_partner",),
                          sanity_queries=("SELECT 1 FROM res_partner WHERE id = 300",),
                          policy=BackupPolicy(rpo_h=26, drill_every_d=30, rto_target_min=30))
    return Inventory(databases=(DatabaseConfig("erp", url),), backups=(cfg,)), folder


def _service(inv, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    return store, BackupService(inv, audit=store.audit, engine=store.engine)


def test_fresh_set_then_verify_and_drill_are_kept_and_audited(dump_set, tmp_path):
    inv, _folder = dump_set
    store, service = _service(inv, tmp_path)
    (status,) = service.read_all()
    assert status.error == "" and len(status.backups) == 1
    checks = {f.check for f in service.findings(status)}
    assert "backup.late" not in checks and "backup.drill_overdue" in checks  # never drilled yet
    newest = status.newest_good
    verified = service.verify("erp dumps", newest.id, actor="anna@ops")
    assert verified.ok, verified.message
    drill = service.drill("erp dumps", newest.id, actor="anna@ops")
    assert drill.ok and drill.duration_s > 0 and [c.ok for c in drill.checks] == [True, True]
    store.close()

    store, service = _service(inv, tmp_path)  # a restart: both come back from the store
    status = service.read("erp dumps")
    assert status.verification.ok and status.last_drill.backup_id == newest.id
    checks = {f.check for f in service.findings(status)}
    assert not checks & {"backup.late", "backup.unverified", "backup.drill_overdue", "backup.drill_rto"}
    actions = [(e.action, json.loads(e.details)) for e in store.audit.entries(20)]
    assert [a for a, _d in actions].count("backup.drill") == 2 and ("backup.verify" in [a for a, _d in actions])
    assert store.audit.verify().ok
    store.close()


def test_a_set_older_than_its_rpo_is_late(dump_set, tmp_path):
    inv, folder = dump_set
    old = time.time() - 30 * 3600
    os.utime(folder / "erp.dump", (old, old))
    store, service = _service(inv, tmp_path)
    late = [f for f in service.findings(service.read("erp dumps")) if f.check == "backup.late"]
    assert late and late[0].severity.value == "critical" and late[0].target == "erp dumps"
    store.close()


def test_one_drill_per_set_at_a_time(dump_set, tmp_path):
    inv, _folder = dump_set
    store, service = _service(inv, tmp_path)
    newest = service.read("erp dumps").newest_good
    started = threading.Event()
    gate = threading.Event()

    def slow_progress(phase: str, fraction: float) -> None:
        started.set()
        gate.wait(10)

    worker = threading.Thread(target=service.drill, args=("erp dumps", newest.id, slow_progress))
    worker.start()
    try:
        assert started.wait(10)
        with pytest.raises(ValueError, match="already running"):
            service.drill("erp dumps", newest.id)
    finally:
        gate.set()
        worker.join(30)
    assert service.drills("erp dumps")[0].ok
    store.close()


def test_unknown_set_and_backup_are_refused_with_a_sentence(dump_set, tmp_path):
    inv, _folder = dump_set
    store, service = _service(inv, tmp_path)
    with pytest.raises(ValueError, match="no backup set named"):
        service.read("nope")
    with pytest.raises(ValueError, match="has no backup"):
        service.verify("erp dumps", "gone.dump")
    store.close()
