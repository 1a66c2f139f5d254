"""Live monitoring without Qt: the scheduler polls, the store keeps history, checks judge each
snapshot, and subscribers (the Qt bridge, tests) hear a TargetStatus per poll and an Event per
health change."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from erpconsole.config import Inventory
from erpconsole.services import checks
from erpconsole.services.hosts.factory import host_targets
from erpconsole.services.i18n import _
from erpconsole.services.models import (
    Event,
    Health,
    HealthChange,
    PollOutcome,
    Severity,
    TargetStatus,
    Thresholds,
)
from erpconsole.services.scheduler import Scheduler

log = logging.getLogger(__name__)

_WARNING_STATES = (Health.TIMEOUT, Health.PARSE_ERROR)
_MAX_PENDING = 100_000


def event_from_change(change: HealthChange) -> Event:
    if change.new is Health.OK:
        level = Severity.INFO
        message = _("{target} is ok").format(target=change.target)
        if change.old is not Health.PENDING:
            message = _("{target} is ok again (was {old})").format(target=change.target, old=change.old.value)
    else:
        level = Severity.WARNING if change.new in _WARNING_STATES else Severity.CRITICAL
        message = _("{target}: {state}: {message}").format(
            target=change.target, state=change.new.value, message=change.message
        )
    return Event(change.ts, change.target, level, message, change.detail, kind="health")


class Monitor:
    """Owns the scheduler for one inventory; ``store_writer`` may be None (no history)."""

    def __init__(self, inventory: Inventory, store_writer=None, max_workers: int = 8) -> None:
        self.inventory = inventory
        self._writer = store_writer
        self.scheduler = Scheduler(max_workers=max_workers)
        self._thresholds: dict[str, Thresholds] = {}
        self._intervals: dict[str, float] = {}
        self._status: dict[str, TargetStatus] = {}
        self._lock = threading.Lock()
        # Samples and events that arrive before the store is open (it opens in the background).
        self._pending_samples: list = []
        self._pending_events: list[Event] = []
        self._status_subs: list[Callable[[TargetStatus], None]] = []
        self._event_subs: list[Callable[[Event], None]] = []
        for name, collector, interval, timeout, thresholds in host_targets(inventory):
            self._thresholds[name] = thresholds
            self._intervals[name] = interval
            self._status[name] = TargetStatus(name, "host", Health.PENDING, _("waiting for the first poll"), interval)
            self.scheduler.add_target(name, collector, interval, timeout)
        self.scheduler.subscribe(self._on_outcome, self._on_health)

    def attach_writer(self, writer) -> None:
        """The store is open: hand it what arrived meanwhile, then write as it comes."""
        with self._lock:
            self._writer = writer
            samples, events = self._pending_samples, self._pending_events
            self._pending_samples, self._pending_events = [], []
        writer.put(samples)
        for event in events:
            writer.put_event(event)

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

    def statuses(self) -> list[TargetStatus]:
        with self._lock:
            return list(self._status.values())

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.stop()

    def record(self, event: Event) -> None:
        """An event from elsewhere (the UI, an action) for the log and the store."""
        self._write(event=event)
        for cb in self._event_subs:
            _quietly(cb, event)

    def _on_health(self, change: HealthChange) -> None:
        self.record(event_from_change(change))

    def _on_outcome(self, o: PollOutcome) -> None:
        now = time.time()
        findings = []
        if o.snapshot is not None:
            findings = checks.host_findings(o.snapshot, self._thresholds[o.target])
            self._write(o.snapshot.samples())
        with self._lock:
            prev = self._status.get(o.target)
            status = TargetStatus(
                o.target, "host", o.health,
                o.error.message if o.error else "",
                self._intervals.get(o.target, 5.0),
                o.snapshot or (prev.snapshot if prev else None),
                tuple(findings) if o.snapshot is not None else (prev.findings if prev else ()),
                now,
                now if o.error is None else (prev.last_ok_ts if prev else None),
                o.error.detail if o.error else "",
            )
            self._status[o.target] = status
        for cb in self._status_subs:
            _quietly(cb, status)


def _quietly(fn, *args) -> None:
    try:
        fn(*args)
    except Exception:  # noqa: BLE001 - one subscriber's bug must not silence the others
        log.exception("subscriber %r failed", fn)
