"""Backup set statuses built by hand for the Backups page tests, and a recording stand-in for
the bridge (the page's own contract: signals in, calls out)."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from erpconsole.services.backups.models import (
    DUMP, Backup, BackupPolicy, BackupSetConfig, BackupSetStatus, DrillCheck, DrillResult, VerifyResult,
)
from erpconsole.services.models import Finding, Severity

H = 3600.0
D = 86400.0


def config(name: str, tool: str = "dumpdir", rpo_h: float = 26.0, **kw) -> BackupSetConfig:
    policy = BackupPolicy(rpo_h=rpo_h, drill_every_d=kw.pop("drill_every_d", 30.0),
                          rto_target_min=kw.pop("rto_target_min", 30.0))
    return BackupSetConfig(name=name, tool=tool, repo=kw.pop("repo", f"/var/backups/{name}"), policy=policy,
                           interval_s=kw.pop("interval_s", 300.0), **kw)


def backup(set_name: str, age_s: float, kind: str = DUMP, size: int | None = 50_000_000, ok: bool = True,
           now: float | None = None, error: str = "") -> Backup:
    finished = (now or time.time()) - age_s
    return Backup(set_name, f"{set_name}-{time.strftime('%Y%m%d-%H%M', time.localtime(finished))}.dump", kind,
                  finished, started=finished - 120, size_bytes=size, stored_bytes=None if size is None else size // 3,
                  ok=ok, error=error, location=f"/var/backups/{set_name}/", checksum="ab" * 32)


def daily(set_name: str, days: int = 30, newest_h: float = 2.0, skip_days: tuple[int, ...] = (),
          now: float | None = None) -> tuple[Backup, ...]:
    """One dump a day, the newest ``newest_h`` old; day i (0 = newest) is left out when in skip_days."""
    now = now or time.time()
    out = [backup(set_name, newest_h * H + i * D, size=50_000_000 + (days - i) * 100_000, now=now)
           for i in range(days) if i not in skip_days]
    return tuple(sorted(out, key=lambda b: b.finished))


def status(name: str = "erp-db-nightly", backups: tuple[Backup, ...] | None = None, **kw) -> BackupSetStatus:
    cfg = kw.pop("config", None) or config(name)
    return BackupSetStatus(cfg, time.time(), backups if backups is not None else daily(name), **kw)


def finding(name: str, check: str, message: str, severity: Severity = Severity.WARNING) -> Finding:
    return Finding(severity, name, check, message)


def verified(name: str, backup_id: str, ok: bool = True, age_s: float = 3 * H) -> VerifyResult:
    return VerifyResult(name, backup_id, time.time() - age_s, ok, "pg_restore --list",
                        "312 entries listed" if ok else "pg_restore: error: could not read input file: end of file")


def drill(name: str, backup_id: str, ok: bool = True, duration_s: float = 252.0, age_s: float = 5 * D) -> DrillResult:
    finished = time.time() - age_s
    checks = (DrillCheck("row count public.res_partner", "1204", "1204" if ok else "0", ok),
              DrillCheck("sanity query 1", "rows", "3 rows", True))
    return DrillResult(name, backup_id, finished - duration_s, finished, duration_s, 7200.0, ok,
                       "restored and checked" if ok else "row counts differ", checks,
                       target="erpconsole_drill_20240501_1200", rto_target_s=1800.0)


class RecordingBridge(QObject):
    backups_ready = Signal()
    backups_loaded = Signal(object)
    backup_verified = Signal(object)
    drill_progress = Signal(str, str, float)
    drill_finished = Signal(object)
    backups_failed = Signal(str, str)
    entry_tested = Signal(int, object)
    entry_saved = Signal(int, str)
    entry_save_failed = Signal(int, str)
    secret_known = Signal(int, bool)
    backup_sets_changed = Signal()

    def __init__(self, configs=(), has_backups: bool = True) -> None:
        super().__init__()
        self.configs = list(configs)
        self.has_backups = has_backups
        self.inventory_path = "/home/admin/.config/erpconsole/inventory.toml"
        self.calls: list[tuple] = []

    def backup_configs(self):
        return list(self.configs)

    def backups_unavailable(self) -> str:
        return "" if self.has_backups else "The backup service starts with the store; the sets are read in a moment."

    def request_backups(self, names=None) -> None:
        self.calls.append(("read", tuple(names or ())))

    def verify_backup(self, name: str, backup_id: str) -> bool:
        self.calls.append(("verify", name, backup_id))
        return True

    def start_drill(self, name: str, backup_id: str) -> bool:
        self.calls.append(("drill", name, backup_id))
        return True

    def cancel_drill(self, name: str) -> bool:
        self.calls.append(("cancel", name))
        return True

    def host_names(self) -> list[str]:
        return []

    def database_names(self) -> list[str]:
        return []

    def request_has_secret(self, name: str) -> int:
        self.calls.append(("has_secret", name))
        return 0

    def test_backup_set(self, cfg, password: str | None) -> int:
        self.calls.append(("test", cfg.name))
        return 0

    def save_backup_set(self, values: dict, old_name: str | None, password: str | None) -> int:
        self.calls.append(("save", values["name"], old_name))
        return 0
