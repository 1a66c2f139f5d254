"""The Overview's bridge: the few things of other domains the wall of tiles shows (statuses and
sparklines, backups, SOP runs due), relayed from their own bridges so that the page depends on
one narrow Protocol and not on three bridges."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance

from erpconsole.services.backups.models import BackupSetConfig
from erpconsole.services.models import TargetStatus
from erpconsole.ui.backups.bridge import BackupsBridge
from erpconsole.ui.hosts.bridge import HostsBridge
from erpconsole.ui.sop.bridge import SopBridge


class OverviewApi(Protocol):
    """What the Overview page may call and connect."""

    status_changed: SignalInstance  # TargetStatus
    hosts_changed: SignalInstance
    history_loaded: SignalInstance  # target, request id, series
    backups_loaded: SignalInstance  # list[(BackupSetStatus, list[Finding])]
    sop_due_changed: SignalInstance  # list[DueRun]

    def statuses(self) -> list[TargetStatus]: ...
    def is_watched(self, target: str) -> bool: ...
    def targets(self) -> list[str]: ...
    def request_history(self, target: str, start: float, end: float) -> int: ...
    def backup_configs(self) -> list[BackupSetConfig]: ...


class OverviewBridge(QObject):
    status_changed = Signal(TargetStatus)
    hosts_changed = Signal()
    history_loaded = Signal(str, int, object)  # the series are a dict, so `object`
    backups_loaded = Signal(object)  # a list, so `object`
    sop_due_changed = Signal(object)  # a list, so `object`

    def __init__(self, hosts: HostsBridge, backups: BackupsBridge, sop: SopBridge,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hosts, self._backups = hosts, backups
        hosts.status_changed.connect(self.status_changed)
        hosts.hosts_changed.connect(self.hosts_changed)
        hosts.history_loaded.connect(self.history_loaded)
        backups.backups_loaded.connect(self.backups_loaded)
        sop.sop_due_changed.connect(self.sop_due_changed)

    def statuses(self) -> list[TargetStatus]:
        return self._hosts.statuses()

    def is_watched(self, target: str) -> bool:
        return self._hosts.is_watched(target)

    def targets(self) -> list[str]:
        return self._hosts.targets()

    def request_history(self, target: str, start: float, end: float) -> int:
        return self._hosts.request_history(target, start, end)

    def backup_configs(self) -> list[BackupSetConfig]:
        return self._backups.backup_configs()
