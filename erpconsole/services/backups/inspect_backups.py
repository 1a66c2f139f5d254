"""The backups part of `erpconsole inspect`: every set read once and judged, no drills."""

from __future__ import annotations

import time
from dataclasses import dataclass

from erpconsole.config import Inventory
from erpconsole.services.backups.models import BackupSetStatus
from erpconsole.services.backups.service import BackupService
from erpconsole.services.models import Finding
from erpconsole.services.backups.policy import set_level


@dataclass(frozen=True, slots=True)
class BackupsReport:
    sets: tuple[tuple[BackupSetStatus, tuple[Finding, ...]], ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for _s, found in self.sets for f in found)


def inspect_backups(inv: Inventory, secrets=None, known_hosts_path=None, engine=None,
                    login_gate=None) -> BackupsReport:
    service = BackupService(inv, secrets, known_hosts_path, engine=engine, login_gate=login_gate)
    now = time.time()
    return BackupsReport(tuple((s, tuple(service.findings(s, now))) for s in service.read_all()))


def _level(status: BackupSetStatus, findings: tuple[Finding, ...]) -> str:
    return set_level(status, findings, time.time())


def backups_json(report: BackupsReport | None) -> list[dict]:
    if report is None:
        return []
    out = []
    now = time.time()
    for s, found in report.sets:
        newest = s.newest_good
        drill = s.last_drill
        out.append({
            "name": s.config.name, "tool": s.config.tool, "host": s.config.host, "status": _level(s, found),
            "message": s.error or s.note, "backups": len(s.backups),
            "newest_age_s": round(now - newest.finished, 1) if newest else None,
            "rpo_s": s.config.policy.rpo_h * 3600,
            "newest_size_bytes": newest.size_bytes if newest else None,
            "verified": None if s.verification is None else s.verification.ok,
            "last_drill": None if drill is None else {
                "finished": drill.finished, "ok": drill.ok, "duration_s": drill.duration_s,
                "rto_target_s": drill.rto_target_s},
        })
    return out
