"""Fakes of the domain bridges, for page tests without a monitor, a store or a network: QObjects
with the same signals as the real bridges, canned answers, and every call recorded.

They cannot drift from the real bridges unnoticed: tests/ui/test_bridge_protocols.py checks that
each provides every member of its domain's Protocol with a compatible signature. Answers that
the real bridge sends from a worker come here on the next turn of the event loop, never inside
the call, as a page meets them in the running console."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from erpconsole.config import HostConfig
from erpconsole.services.models import (
    ConnectionStep, Event, ForgetResult, Health, HostKeyInfo, Severity, TargetStatus,
)


class _Recording(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []

    def named(self, name: str) -> list[tuple]:
        return [c for c in self.calls if c[0] == name]

    def _later(self, emit, *args) -> None:
        QTimer.singleShot(0, self, lambda: emit(*args))


class FakeHostsBridge(_Recording):
    """HostsApi over canned statuses and host configs; saves and removals succeed (or fail with
    ``refuse_saves``) on the next turn of the event loop, and change the canned inventory."""

    status_changed = Signal(TargetStatus)
    hosts_changed = Signal()
    history_loaded = Signal(str, int, object)
    history_failed = Signal(str, int, str)
    connection_step = Signal(int, ConnectionStep)
    connection_done = Signal(int, object)
    secret_known = Signal(int, bool)
    host_saved = Signal(int, str)
    host_save_failed = Signal(int, str)
    host_removed = Signal(str)
    host_remove_failed = Signal(str, str)
    ssh_config_read = Signal(object)
    ssh_config_failed = Signal(str)
    hosts_added = Signal(object)

    def __init__(self, statuses: list[TargetStatus] = (), hosts: list[HostConfig] = (),
                 inventory_path: str | None = "/tmp/fake-inventory.toml", secrets: set[str] = frozenset(),
                 ssh_config: list[dict] = ()) -> None:
        super().__init__()
        self._statuses = {s.target: s for s in statuses}
        self._hosts = {h.name: h for h in hosts}
        self._inventory_path = inventory_path
        self._secrets = set(secrets)
        self._ssh_config = list(ssh_config)
        self.refuse_saves = ""
        self.history: dict[str, dict] = {}  # target -> {(metric, label): (ts, values)}
        self._rid = 0

    def _next(self) -> int:
        self._rid += 1
        return self._rid

    @property
    def inventory_path(self) -> str | None:
        return self._inventory_path

    def statuses(self) -> list[TargetStatus]:
        return list(self._statuses.values())

    def is_watched(self, target: str) -> bool:
        return target in self._statuses

    def targets(self) -> list[str]:
        return list(self._statuses)

    def request_history(self, target: str, start: float, end: float) -> int:
        rid = self._next()
        self.calls.append(("request_history", target, start, end))
        self._later(self.history_loaded.emit, target, rid, self.history.get(target, {}))
        return rid

    def host_config(self, name: str) -> HostConfig | None:
        return self._hosts.get(name)

    def host_key_info(self, target: str) -> HostKeyInfo:
        raise AssertionError("no host key in the fake: give the test a real sshd")

    def trust_host_key(self, target: str) -> str:
        self.calls.append(("trust_host_key", target))
        return "SHA256:fake"

    def forget_host_key(self, target: str) -> ForgetResult:
        raise AssertionError("no host key in the fake: give the test a real sshd")

    def resume(self, target: str) -> None:
        self.calls.append(("resume", target))

    def request_has_secret(self, name: str) -> int:
        rid = self._next()
        self._later(self.secret_known.emit, rid, name in self._secrets)
        return rid

    def test_connection(self, host: HostConfig, secret: str | None = None) -> int:
        rid = self._next()
        self.calls.append(("test_connection", host.name))
        self._later(self.connection_done.emit, rid, [ConnectionStep("resolve", True, "fake")])
        return rid

    def save_host(self, host: HostConfig, old_name: str | None = None, secret: str | None = None) -> int:
        rid = self._next()
        self.calls.append(("save_host", host.name, old_name, secret))
        if self.refuse_saves:
            self._later(self.host_save_failed.emit, rid, self.refuse_saves)
            return rid
        self._hosts.pop(old_name or host.name, None)
        self._hosts[host.name] = host
        self._statuses.setdefault(host.name, TargetStatus(host.name, "host", Health.PENDING, "", host.interval_s))
        self._later(self._saved, rid)
        return rid

    def _saved(self, rid: int) -> None:
        self.hosts_changed.emit()
        self.host_saved.emit(rid, self._inventory_path or "")

    def remove_host(self, name: str) -> None:
        self.calls.append(("remove_host", name))
        self._hosts.pop(name, None)
        self._statuses.pop(name, None)
        self._later(self._removed, name)

    def _removed(self, name: str) -> None:
        self.hosts_changed.emit()
        self.host_removed.emit(name)

    def import_ssh_config(self, path: str | None = None) -> None:
        self.calls.append(("import_ssh_config", path))
        self._later(self.ssh_config_read.emit, list(self._ssh_config))

    def add_hosts(self, entries: list[dict]) -> None:
        self.calls.append(("add_hosts", [e["name"] for e in entries]))
        for entry in entries:
            self.save_host(HostConfig(**entry))
        self._later(self.hosts_added.emit, [])


class FakeEventsBridge(_Recording):
    """EventsApi over canned stored events; a note is logged (and heard) as the monitor would."""

    event_logged = Signal(Event)
    events_loaded = Signal(object)
    audit_loaded = Signal(object)

    def __init__(self, stored: list[Event] = (), audit: list = ()) -> None:
        super().__init__()
        self._stored = list(stored)
        self._audit = list(audit)

    def log_event(self, target: str, message: str, level: Severity = Severity.INFO, detail: str = "") -> None:
        self.calls.append(("log_event", target, message))
        self._later(self.event_logged.emit, Event(time.time(), target, level, message, detail, kind="note"))

    def request_recent_events(self, limit: int = 500) -> None:
        self.calls.append(("request_recent_events", limit))
        self._later(self.events_loaded.emit, self._stored[-limit:])

    def request_audit(self, target: str | None = None, limit: int = 200) -> None:
        self.calls.append(("request_audit", target, limit))
        self._later(self.audit_loaded.emit, self._audit[:limit])
