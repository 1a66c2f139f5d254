"""The bundled daily inspection run against live data: this workstation watched by the real
monitor (psutil), a real dump folder judged by the real backup service, the real store.
Checks pass or fail by themselves and keep what they saw; a check with nothing to judge stays
open; the run survives a new service on the same store; the audit chain verifies."""

from __future__ import annotations

import gzip
import os
import time

import pytest

from erpconsole.config import Inventory, LocalConfig
from erpconsole.services.backups.models import DUMPDIR, BackupPolicy, BackupSetConfig
from erpconsole.services.backups.service import BackupService
from erpconsole.services.monitor import Monitor
from erpconsole.services.sop.context import CheckContext, check_context
from erpconsole.services.sop.models import FAILED, OPEN, PASSED
from erpconsole.services.sop.service import SopService
from erpconsole.services.store import Store

pytestmark = pytest.mark.integration


@pytest.fixture
def live(tmp_path):
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    dump = dumps / "erp.sql.gz"
    dump.write_bytes(gzip.compress(b"CREATE TABLE t (id int);\n"))
    late = time.time() - 3 * 86400  # three days old against a 26 h RPO
    os.utime(dump, (late, late))
    inv = Inventory(local=LocalConfig(interval_s=0.5), backups=(
        BackupSetConfig("erp dumps", DUMPDIR, str(dumps), pattern="*.sql.gz", policy=BackupPolicy(rpo_h=26)),))
    monitor = Monitor(inv)
    monitor.start()
    backups = BackupService(inv)
    # The first poll of this workstation: generous, a loaded machine takes its time.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(s.snapshot for s in monitor.statuses()):
        time.sleep(0.1)
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")

    def context() -> CheckContext:
        backups.read_all()  # as the Backups page asks; the context reads the service's newest
        return check_context(monitor, backups)

    yield inv, store, context
    monitor.stop()
    store.close()


def test_daily_inspection_checks_judge_live_data(live):
    inv, store, context = live
    service = SopService(store.engine, inv, audit=store.audit, check_context=context)
    run = service.start("daily-inspection", actor="anna@ops")
    run = service.run_checks(run.id, actor="anna@ops")
    state = {s.step_id: s for s in run.steps}
    disk = state["disk"]
    assert disk.state in (PASSED, FAILED) and disk.values  # it saw this machine's disks
    assert any("/" in name for name, _value in disk.values)
    assert state["reachable"].state == PASSED, state["reachable"].message
    backup_steps = [s for s in run.steps if "rpo" in s.step_id.lower() or "backup" in s.step_id.lower()]
    late = [s for s in backup_steps if s.state == FAILED and "erp dumps" in s.message + str(s.values)]
    assert late, [(s.step_id, s.state, s.message) for s in backup_steps]  # the late set fails its check
    access = [s for s in run.steps if s.step_id.startswith("access") or "departed" in s.step_id]
    assert all(s.state == OPEN and s.message for s in access)  # nothing to judge: open, with why

    reopened = SopService(store.engine, inv, audit=store.audit, check_context=context).run(run.id)
    assert {s.step_id: (s.state, s.values) for s in reopened.steps} == {
        s.step_id: (s.state, s.values) for s in run.steps}
    assert store.audit.verify().ok
    assert any(e.action.startswith("sop.") for e in store.audit.entries(50))
