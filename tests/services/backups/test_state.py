"""A backup set that changes health is in the event log: a real dump folder read by the real
service, ok, then late (its newest dump aged past the RPO) logs one event, and reading it late
again logs none."""

from __future__ import annotations

import os
import time

from erpconsole.config import Inventory
from erpconsole.services.backups.models import BackupPolicy, BackupSetConfig
from erpconsole.services.backups.service import BackupService
from erpconsole.services.models import Event, Severity
from erpconsole.services.state_log import StateLog

POLICY = BackupPolicy(rpo_h=26, max_shrink_percent=None, drill_every_d=None, rto_target_min=None)


def test_a_set_going_from_ok_to_late_logs_one_event(tmp_path):
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    dump = dumps / "erp-1.dump"
    dump.write_bytes(b"x" * 4096)
    os.utime(dump, (time.time() - 3600, time.time() - 3600))
    heard: list[Event] = []
    states = StateLog(heard.append)
    states.set_baseline({})
    cfg = BackupSetConfig("erp-dumps", "dumpdir", str(dumps), pattern="*.dump", policy=POLICY)
    service = BackupService(Inventory(backups=(cfg,)), states=states)

    service.read("erp-dumps")
    assert [(e.target, e.kind, e.state, e.level) for e in heard] == [("erp-dumps", "backup", "ok", Severity.INFO)]
    old = time.time() - 30 * 3600
    os.utime(dump, (old, old))
    service.read("erp-dumps")
    service.read("erp-dumps")
    assert [e.state for e in heard] == ["ok", "late"]
    late = heard[-1]
    assert late.level is Severity.CRITICAL and late.message.startswith("backup set erp-dumps: late: ")
    assert "past the RPO of 26 h" in late.message


def test_a_late_set_still_late_after_a_restart_is_not_logged_again(tmp_path):
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    dump = dumps / "erp-1.dump"
    dump.write_bytes(b"x" * 4096)
    old = time.time() - 30 * 3600
    os.utime(dump, (old, old))
    heard: list[Event] = []
    states = StateLog(heard.append)
    cfg = BackupSetConfig("erp-dumps", "dumpdir", str(dumps), pattern="*.dump", policy=POLICY)
    service = BackupService(Inventory(backups=(cfg,)), states=states)
    service.read("erp-dumps")
    states.set_baseline({("backup", "erp-dumps"): "late"})
    assert heard == []
    dump.touch()
    service.read("erp-dumps")
    assert [e.message for e in heard] == ["backup set erp-dumps is ok again (was late)"]
