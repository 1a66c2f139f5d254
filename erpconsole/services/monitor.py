"""Live monitoring without Qt: the scheduler polls, the store keeps history, checks judge each
snapshot, and subscribers (the Qt bridge, tests) hear a TargetStatus per poll and an Event per
health change."""

from __future__ import annotations

import dataclasses
import logging
import shlex
from pathlib import Path
import threading
import time
from collections.abc import Callable

from erpconsole.config import DatabaseConfig, HostConfig, Inventory
from erpconsole.services import checks
from erpconsole.services.databases.factory import database_target, database_targets
from erpconsole.services.hosts.factory import host_target, host_targets
from erpconsole.i18n import _, ngettext
from erpconsole.services.models import (
    DatabaseSnapshot,
    DbAction,
    DbActionResult,
    Event,
    ForgetResult,
    Health,
    HostKeyInfo,
    PollOutcome,
    Severity,
    StoreHealth,
    TargetStatus,
    Thresholds,
    DbThresholds,
)
from erpconsole.services.scheduler import Scheduler
from erpconsole.services.state_log import StateLog
from erpconsole.services.health_events import event_from_verdict, store_health_event
from erpconsole.services.secrets import SecretStore
from erpconsole.services.scheduler import call_quietly as _quietly

log = logging.getLogger(__name__)

_MAX_PENDING = 100_000


class Monitor:
    """Owns the scheduler for one inventory; ``store_writer`` may be None (no history)."""

    def __init__(self, inventory: Inventory, store_writer=None, max_workers: int = 8,
                 secrets=None, known_hosts_path: str | Path | None = None,
                 states_from_store: bool = False) -> None:
        """``states_from_store``: hold health changes until ``attach_states`` gives the store's
        last states (the console opens its store in the background)."""
        self.inventory = inventory
        # One store for the session: a secret kept in memory (no keyring backend) must reach
        # the collectors that need it.
        self.secrets = self._secrets = secrets if secrets is not None else SecretStore()
        self._known_hosts_path = known_hosts_path
        self._collectors: dict = {}
        self._writer = store_writer
        self._store_failed: StoreHealth | None = None  # the streak of failed writes, if any
        self.scheduler = Scheduler(max_workers=max_workers)
        self._thresholds: dict[str, Thresholds | DbThresholds] = {}
        self._kinds: dict[str, str] = {}
        self._intervals: dict[str, float] = {}
        self._status: dict[str, TargetStatus] = {}
        self._lock = threading.Lock()
        # Samples and events that arrive before the store is open (it opens in the background).
        self._pending_samples: list = []
        self._pending_events: list[Event] = []
        self._status_subs: list[Callable[[TargetStatus], None]] = []
        self._event_subs: list[Callable[[Event], None]] = []
        # Changes of state only: held until the store says what the last states were.
        self.states = StateLog(self.record)
        if not states_from_store:
            self.states.set_baseline({})
        for target in host_targets(inventory, secrets, known_hosts_path):
            self._add_target(*target)
        for target in database_targets(inventory, self._secrets):
            self._add_target(*target, kind="database")
        self.scheduler.subscribe(self._on_outcome)

    def _add_target(self, name, collector, interval, timeout, thresholds, kind: str = "host") -> TargetStatus:
        status = TargetStatus(name, kind, Health.PENDING, _("waiting for the first poll"), interval)
        with self._lock:
            self._kinds[name] = kind
            self._thresholds[name] = thresholds
            self._intervals[name] = interval
            self._collectors[name] = collector
            self._status[name] = status
        self.scheduler.add_target(name, collector, interval, timeout)
        return status

    # -- the fleet changes while running ----------------------------------------------------

    def add_host(self, host: HostConfig) -> None:
        """Start watching one more SSH host (saved in the dialog), no restart."""
        if host.name in self._collectors:
            raise ValueError(_("a host named {name} is already watched").format(name=host.name))
        status = self._add_target(*host_target(host, self._secrets, self._known_hosts_path))
        self.inventory = dataclasses.replace(self.inventory, hosts=(*self.inventory.hosts, host))
        for cb in self._status_subs:
            _quietly(cb, status)

    def _drop_target(self, name: str) -> None:
        self.scheduler.remove_target(name)  # closes its collector
        with self._lock:
            self._collectors.pop(name, None)
            self._thresholds.pop(name, None)
            self._intervals.pop(name, None)
            self._status.pop(name, None)
        self.states.forget("health", name)

    def remove_host(self, name: str) -> None:
        self._drop_target(name)
        self.inventory = dataclasses.replace(
            self.inventory, hosts=tuple(h for h in self.inventory.hosts if h.name != name))

    def update_host(self, host: HostConfig, old_name: str | None = None) -> None:
        """Replace a watched host by its edited entry (maybe renamed)."""
        old = old_name or host.name
        if old in self._collectors:
            self.remove_host(old)
        self.add_host(host)

    def host_config(self, name: str) -> HostConfig | None:
        return next((h for h in self.inventory.hosts if h.name == name), None)

    def add_database(self, db: DatabaseConfig) -> None:
        """Start watching one more database (saved in the dialog), no restart."""
        if db.name in self._collectors:
            raise ValueError(_("a target named {name} is already watched").format(name=db.name))
        status = self._add_target(*database_target(db, self._secrets), kind="database")
        self.inventory = dataclasses.replace(self.inventory, databases=(*self.inventory.databases, db))
        for cb in self._status_subs:
            _quietly(cb, status)

    def remove_database(self, name: str) -> None:
        self._drop_target(name)
        self.inventory = dataclasses.replace(
            self.inventory, databases=tuple(d for d in self.inventory.databases if d.name != name))

    def update_database(self, db: DatabaseConfig, old_name: str | None = None) -> None:
        """Replace a watched database by its edited entry (maybe renamed): a new connection."""
        old = old_name or db.name
        if old in self._collectors:
            self.remove_database(old)
        self.add_database(db)

    def database_config(self, name: str) -> DatabaseConfig | None:
        return next((d for d in self.inventory.databases if d.name == name), None)

    # -- acts of a person ------------------------------------------------------------------------

    def resume(self, target: str, why: str = "") -> None:
        """Poll again now (after a password was stored, a key trusted or removed)."""
        self.scheduler.resume(target)
        self.record(Event(time.time(), target, Severity.INFO,
                          why or _("{target}: polling resumed by the user").format(target=target),
                          kind="action"))

    def host_key_info(self, target: str) -> HostKeyInfo:
        collector = self._collectors.get(target)
        with self._lock:
            status = self._status.get(target)
        health = status.health if status else Health.PENDING
        message = status.message if status else ""
        if not hasattr(collector, "key_endpoint"):  # not an SSH host
            return HostKeyInfo(target, "", 0, health, message)
        host, port = collector.key_endpoint()
        kh = collector.known_hosts
        return HostKeyInfo(target, host, port, health, message, collector.offered_key_type,
                           collector.offered_fingerprint or "", tuple(kh.lines_for(host, port)),
                           str(kh.own_path))

    def trust_host_key(self, target: str) -> str:
        """Trust the key the host offered (console's own known_hosts), log it, poll again."""
        collector = self._collectors.get(target)
        if collector is None or not hasattr(collector, "trust_offered_key"):
            raise ValueError(_("{target} has no host key waiting to be trusted").format(target=target))
        info = self.host_key_info(target)
        fp = collector.trust_offered_key()
        self.resume(target, _("{target}: host key {kind} {fp} trusted by the user for {where} "
                              "(written to {path})").format(
            target=target, kind=info.key_type, fp=fp, where=f"{info.host}:{info.port}",
            path=info.own_path))
        return fp

    def forget_host_key(self, target: str) -> ForgetResult:
        """Remove the old key of host:port from the console's own file; polling resumes when
        no other file still holds an old key (the user's own files are never edited)."""
        collector = self._collectors.get(target)
        if not hasattr(collector, "known_hosts"):
            raise ValueError(_("{target} is not an SSH host").format(target=target))
        info = self.host_key_info(target)
        removed = collector.known_hosts.forget(info.host, info.port)
        remaining = tuple(line for line in info.lines if not line.own)
        command = ""
        if remaining:
            from erpconsole.services.hosts.known_hosts import lookup_name

            name = lookup_name(info.host, info.port)
            command = " ; ".join(sorted({f"ssh-keygen -R {shlex.quote(name)} -f {shlex.quote(line.path)}"
                                         for line in remaining}))
        self.record(Event(time.time(), target, Severity.WARNING, ngettext(
            "{target}: {n} old host key for {where} removed by the user from {path}",
            "{target}: {n} old host keys for {where} removed by the user from {path}", removed).format(
            target=target, n=removed, where=f"{info.host}:{info.port}", path=info.own_path),
            kind="action"))
        if not remaining:
            self.resume(target)
        return ForgetResult(removed, info.own_path, remaining, command)

    # -- database actions (confirmed by a person, audited) -----------------------------------

    def attach_audit(self, audit) -> None:
        """The store's audit trail; write actions are refused until it is attached."""
        self._audit = audit

    def audit(self, action: str, target: str, details: dict, actor: str | None = None) -> bool:
        """One line in the audit trail for a change a person made; False before it is open."""
        audit = getattr(self, "_audit", None)
        if audit is None:
            return False
        audit.append(action, target, details, actor=actor)
        return True

    def database_kind(self, target: str) -> str:
        """postgresql / mysql / mariadb / sqlite, known from the URL before the first poll."""
        return getattr(self._collectors.get(target), "kind", "")

    def build_db_action(self, target: str, action: str, **subject) -> DbAction:
        """The exact statement ``action`` would run on ``target`` (ValueError if it can't)."""
        collector = self._collectors.get(target)
        if collector is None or not hasattr(collector, "build_action"):
            raise ValueError(_("{target} is not a watched database").format(target=target))
        return collector.build_action(action, **subject)

    def run_db_action(self, action: DbAction, actor: str | None = None) -> DbActionResult:
        """Runs a confirmed action (blocking: call it off the GUI thread). The audit trail gets
        the request before it runs and the result after, so a crash in between still leaves
        a trace; with no audit trail open nothing runs."""
        audit = getattr(self, "_audit", None)
        if audit is None:
            return DbActionResult(action, False, _(
                "the audit trail is not open yet, so nothing was run; try again in a moment"))
        collector = self._collectors.get(action.target)
        if collector is None:
            return DbActionResult(action, False, _("{target} is no longer watched").format(
                target=action.target))
        what = {"statement": action.statement, "subject": action.subject,
                "params": dict(action.params)}
        request = audit.append(f"db.{action.action}", action.target, {**what, "phase": "requested"},
                               actor=actor)
        result = collector.run_action(action)
        audit.append(f"db.{action.action}", action.target, {
            **what, "phase": "result", "ok": result.ok, "message": result.message,
            "duration_s": round(result.duration_s, 3), "request_id": request.id}, actor=request.actor)
        level = Severity.INFO if result.ok else Severity.WARNING
        self.record(Event(time.time(), action.target, level, _(
            "{target}: {action} {subject} by {actor}: {message}").format(
            target=action.target, action=action.action, subject=action.subject,
            actor=request.actor, message=result.message), action.statement, kind="action"))
        if action.action != "explain":
            self.scheduler.poll_now(action.target)
        return result

    def attach_writer(self, writer) -> None:
        """The store is open: hand it what arrived meanwhile, then write as it comes."""
        with self._lock:
            self._writer = writer
            samples, events = self._pending_samples, self._pending_events
            self._pending_samples, self._pending_events = [], []
        writer.put(samples)
        for event in events:
            writer.put_event(event)
        if hasattr(writer, "subscribe"):
            writer.subscribe(self._on_store_health)

    def _on_store_health(self, health: StoreHealth) -> None:
        """On the writer thread: the failing event waits in the writer's buffer with the rest,
        so the store holds it too once writes succeed again."""
        failed = self._store_failed
        self._store_failed = None if health.ok else health
        if health.ok and failed is None:
            return
        self.record(store_health_event(health, failed))

    def _write(self, samples=(), event: Event | None = None) -> None:
        with self._lock:
            writer = self._writer
            if writer is None:
                if len(self._pending_samples) < _MAX_PENDING:
                    self._pending_samples.extend(samples)
                if event is not None and len(self._pending_events) < _MAX_PENDING:
                    self._pending_events.append(event)
                return
        if samples:
            writer.put(samples)
        if event is not None:
            writer.put_event(event)

    def subscribe(self, on_status=None, on_event=None) -> None:
        if on_status is not None:
            self._status_subs.append(on_status)
        if on_event is not None:
            self._event_subs.append(on_event)

    def is_watched(self, target: str) -> bool:
        with self._lock:
            return target in self._status

    def statuses(self) -> list[TargetStatus]:
        with self._lock:
            return list(self._status.values())

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.stop()
        for collector in list(self._collectors.values()):
            _quietly(getattr(collector, "close", lambda: None))

    def record(self, event: Event) -> None:
        """An event from elsewhere (the UI, an action) for the log and the store."""
        self._write(event=event)
        for cb in self._event_subs:
            _quietly(cb, event)

    def attach_states(self, states: dict[tuple[str, str], str]) -> None:
        """The store's last state per target ({} without a store): held changes are judged now."""
        self.states.set_baseline(states)

    def record_start(self, version: str) -> None:
        """One line per start of the console."""
        self.record(Event(time.time(), "", Severity.INFO, _("console started (erpconsole {version})").format(
            version=version), kind="console"))

    def _facts_of(self, target: str):
        return getattr(self._collectors.get(target), "facts", None)

    def _on_outcome(self, o: PollOutcome) -> None:
        now = time.time()
        findings = []
        with self._lock:
            thresholds = self._thresholds.get(o.target)
        if thresholds is None:
            return  # removed while its last poll was on the way
        if isinstance(o.snapshot, DatabaseSnapshot):
            findings = checks.db_findings(o.snapshot, thresholds)
            self._write(o.snapshot.samples())
        elif o.snapshot is not None:
            findings = checks.host_findings(o.snapshot, thresholds)
            self._write(o.snapshot.samples())
        with self._lock:
            prev = self._status.get(o.target)
            status = TargetStatus(
                o.target, self._kinds.get(o.target, "host"), o.health,
                o.error.message if o.error else "",
                self._intervals.get(o.target, 5.0),
                o.snapshot or (prev.snapshot if prev else None),
                tuple(findings) if o.snapshot is not None else (prev.findings if prev else ()),
                now,
                now if o.error is None else (prev.last_ok_ts if prev else None),
                o.error.detail if o.error else "",
                self._facts_of(o.target) or (prev.facts if prev else None),
            )
            self._status[o.target] = status
        v = status.verdict
        if v.level != "pending":
            self.states.offer("health", o.target, v.state,
                              lambda before: event_from_verdict(o.target, v, before, now, status.detail))
        for cb in self._status_subs:
            _quietly(cb, status)


