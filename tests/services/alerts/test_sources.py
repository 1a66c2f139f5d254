"""Findings the monitor does not poll fire alerts too: a backup set whose dump folder is gone,
read by the real backup service, fires a backup alert and resolves when the folder and a fresh
dump are back."""

from __future__ import annotations

from pathlib import Path

import pytest

from erpconsole.services.alerts.sources import attach_sources
from erpconsole.services.backups.service import BackupService

from .conftest import INVENTORY, Clock

pytestmark = pytest.mark.integration

BACKUP = """
[[backups]]
name = "erp-dumps"
tool = "dumpdir"
repo = "{repo}"
pattern = "*.dump"
rpo_h = 24
"""


def test_a_backup_set_that_cannot_be_read_fires_and_resolves(make_service, tmp_path: Path) -> None:
    repo = tmp_path / "dumps"
    clock = Clock()
    service = make_service(INVENTORY + BACKUP.format(repo=repo), clock=clock)
    backups = BackupService(service_inventory(tmp_path, repo))
    attach_sources(service, backups=backups, every_s=60)
    backups.read("erp-dumps")  # the folder does not exist: critical
    for _ in range(2):
        service.tick()
        clock.advance(60)
    [alert] = service.store.alerts()
    assert (alert.rule, alert.target, alert.state, alert.severity) == (
        "backup_source", "erp-dumps", "firing", "critical")
    assert "does not exist" in alert.summary

    repo.mkdir()
    (repo / "erp-2026-12-04.dump").write_bytes(b"PGDMP" + b"\0" * 2048)
    backups.read("erp-dumps")
    for _ in range(2):
        service.tick()
        clock.advance(60)
    assert service.store.get(alert.id).state == "resolved"


def service_inventory(tmp_path: Path, repo: Path):
    from erpconsole.config import load_inventory

    path = tmp_path / "backups.toml"
    path.write_text(INVENTORY + BACKUP.format(repo=repo), encoding="utf-8")
    return load_inventory(path)
