"""A backup set has one grade: a dump folder that does not exist is critical in `inspect`
(the set's status, its finding and the overall status), in the daily report's Backups table
and on the Backups page, because no backup can be found to meet the RPO."""

from __future__ import annotations

import json

from erpconsole.config import BackupSetConfig, Inventory, LocalConfig
from erpconsole.services.backups import policy
from erpconsole.services.inspect import run_inspection, to_json
from erpconsole.services.report.daily import build_report


def test_a_missing_dump_folder_is_critical_in_inspect_and_in_the_report(tmp_path):
    missing = tmp_path / "no-such-folder"
    cfg = BackupSetConfig(name="erp-dumps", tool="dumpdir", repo=str(missing), pattern="*.dump")
    inspection = run_inspection(Inventory(local=LocalConfig(enabled=False), backups=(cfg,)), timeout_s=15)

    doc = json.loads(to_json(inspection))
    (item,) = doc["backups"]
    assert "does not exist" in item["message"], item
    assert item["status"] == "critical"
    source = [f for f in doc["findings"] if f["target"] == "erp-dumps" and f["check"] == policy.SOURCE]
    assert [f["severity"] for f in source] == ["critical"]
    assert doc["status"] == "critical" and inspection.exit_code == 2

    (row,) = build_report(inspection).backups
    assert row.level == "critical" and "does not exist" in row.message

    (status, findings), = inspection.backups.sets
    assert policy.set_level(status, findings) == "critical"  # what the Backups page paints
