"""The backups as one service: read every set, judge it, verify, run restore drills, and keep
verifications and drills in the store. Every method blocks: the bridge calls them on its own
worker threads, `inspect` calls them directly."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from erpconsole.services.backups.models import BackupSetConfig, BackupSetStatus, DrillResult, VerifyResult
from erpconsole.services.backups.records import BackupRecords
from erpconsole.services.backups.state import KIND, set_state, state_event
from erpconsole.i18n import _
from erpconsole.services.models import Finding

log = logging.getLogger(__name__)

DrillProgress = Callable[[str, float], None]  # (phase, fraction 0..1)
READ_TIMEOUT_S = 60.0


class BackupService:
    def __init__(self, inventory, secrets=None, known_hosts_path=None, audit=None, engine=None,
                 states=None, login_gate=None) -> None:
        """``states``: a StateLog that hears each set's state after each read (the event log
        gets a line when it changes); ``login_gate``: the readers of one run (inspect) share
        one login attempt per account."""
        self.login_gate = login_gate
        self.inventory = inventory
        self._states = states
        self.secrets = secrets
        self.known_hosts_path = known_hosts_path
        self.audit = audit
        self.records = BackupRecords(engine) if engine is not None else None
        self._hosts = {h.name: h for h in inventory.hosts}
        self._lock = threading.Lock()
        self._drilling: set[str] = set()  # one drill per set at a time
        # The newest read of each set with its findings then, in the order first read: what
        # the SOP checks judge (they run on another thread than the reads).
        self._latest: dict[str, tuple[BackupSetStatus, tuple[Finding, ...]]] = {}

    def replace_sets(self, inventory) -> None:
        """The sets (and hosts) of an inventory edited while running: a new or edited set is
        read with its new entry from the next read on; a removed one is forgotten."""
        names = {b.name for b in inventory.backups}
        with self._lock:
            self.inventory = inventory
            self._hosts = {h.name: h for h in inventory.hosts}
            self._latest = {n: v for n, v in self._latest.items() if n in names}

    def set_names(self) -> list[str]:
        return [b.name for b in self.inventory.backups]

    def _config(self, name: str) -> BackupSetConfig:
        cfg = next((b for b in self.inventory.backups if b.name == name), None)
        if cfg is None:
            raise ValueError(_("no backup set named {name} in the inventory").format(name=name))
        return cfg

    def read(self, name: str) -> BackupSetStatus:
        """Reads one set now (its tool's listing), with its last verification and drill."""
        from erpconsole.services.backups.factory import source_for

        cfg = self._config(name)
        with self._lock:
            previous = self._latest.get(name, (None, ()))[0]
        try:
            status = source_for(cfg).read(cfg, self.secrets, self.known_hosts_path, self._hosts,
                                          timeout_s=READ_TIMEOUT_S, login_gate=self.login_gate,
                                          previous=previous)
        except Exception as exc:  # a bug in one source must not take the page down
            log.exception("backup set %s", name)
            status = BackupSetStatus(cfg, time.time(), error=_("could not be read: {error}").format(error=exc))
        if self.records is not None:
            drills = self.records.drills(name, 1)
            status = dataclasses.replace(status, verification=self.records.last_verification(name) or status.verification,
                                         last_drill=drills[0] if drills else status.last_drill)
        findings = tuple(self.findings(status))
        with self._lock:
            self._latest[name] = (status, findings)
        if self._states is not None:
            self._states.offer(KIND, name, set_state(status, findings),
                               lambda before: state_event(status, findings, before))
        return status

    def latest(self) -> list[tuple[BackupSetStatus, tuple[Finding, ...]]] | None:
        """The newest read of every set read so far, with its findings; None before any read."""
        with self._lock:
            return list(self._latest.values()) or None

    def read_all(self) -> list[BackupSetStatus]:
        """Every set, read in parallel; a dead host or a slow repository holds up no other."""
        names = self.set_names()
        if not names:
            return []
        with ThreadPoolExecutor(max_workers=min(8, len(names)), thread_name_prefix="backup-read") as pool:
            return list(pool.map(self.read, names))

    def findings(self, status: BackupSetStatus, now: float | None = None) -> list[Finding]:
        from erpconsole.services.backups.policy import backup_findings

        return backup_findings(status, time.time() if now is None else now)

    def verify(self, name: str, backup_id: str, actor: str | None = None) -> VerifyResult:
        """Verifies one backup with its tool; recorded and audited."""
        from erpconsole.services.backups.factory import source_for

        cfg = self._config(name)
        status = self.read(name)
        backup = next((b for b in status.backups if b.id == backup_id), None)
        if backup is None:
            raise ValueError(_("{name} has no backup {id} (any more)").format(name=name, id=backup_id))
        result = source_for(cfg).verify(cfg, backup, self.secrets, self.known_hosts_path, self._hosts)
        if self.records is not None:
            self.records.add_verification(result)
        self._audit("backup.verify", name, {"backup": backup_id, "ok": result.ok, "method": result.method,
                                             "message": result.message}, actor)
        return result

    def drill(self, name: str, backup_id: str, progress: DrillProgress | None = None,
              cancel: threading.Event | None = None, actor: str | None = None) -> DrillResult:
        """Restores one backup into a scratch target, checks it, drops the target; recorded
        and audited. Confirmed by the person before it is called."""
        from erpconsole.services.backups.drill import run_drill

        cfg = self._config(name)
        with self._lock:
            if name in self._drilling:
                raise ValueError(_("a restore drill of {name} is already running").format(name=name))
            self._drilling.add(name)
        try:
            status = self.read(name)
            backup = next((b for b in status.backups if b.id == backup_id), None)
            if backup is None:
                raise ValueError(_("{name} has no backup {id} (any more)").format(name=name, id=backup_id))
            result = run_drill(cfg, backup, self.inventory, self.secrets, progress=progress, cancel=cancel,
                               actor=actor, audit=self.audit, known_hosts_path=self.known_hosts_path)
        finally:
            with self._lock:
                self._drilling.discard(name)
        if self.records is not None:
            self.records.add_drill(result)
        return result

    def drills(self, name: str, limit: int = 20) -> list[DrillResult]:
        """The set's drills, newest first."""
        return self.records.drills(name, limit) if self.records is not None else []

    def _audit(self, action: str, target: str, details: dict, actor: str | None) -> None:
        if self.audit is not None:
            self.audit.append(action, target, details, actor=actor)
