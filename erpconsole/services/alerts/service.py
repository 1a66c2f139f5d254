"""The alert loop of one process: poll results in, transitions and outbox rows out, in the store.

``observe`` is called with every TargetStatus the monitor hands on (on the scheduler's worker
thread, never the GUI's); ``tick`` runs on the service's own thread every second or so and
moves what time alone moves: ``for_s`` and ``clear_s`` given in seconds, silences starting and
ending, escalation and reminders. Only the process that holds the store's ``rules`` lease
(services/store/lock.py) evaluates: a second console or agent on the same store reads the alerts and sends nothing.
"""

from __future__ import annotations

import getpass
import logging
import os
import queue
import socket
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

from erpconsole.config import LOCAL_HOST, Inventory
from erpconsole.services.alerts import engine as ev
from erpconsole.services.alerts.oncall import recipients
from erpconsole.services.alerts.escalation import escalate
from erpconsole.services.alerts.routing import channels_for, roles_for
from erpconsole.services.alerts.rules import compile_rules, runbook_text
from erpconsole.services.alerts.silences import silenced_by
from erpconsole.services.alerts.store import AlertRow, AlertStore
from erpconsole.services.models import TargetStatus
from erpconsole.services.store.lock import RULES, STATEMENT_TIMEOUT_MS, StoreLease

log = logging.getLogger(__name__)

LOCK_TTL_S = 30.0  # renewed every tick
TICK_S = 1.0


def person() -> str:
    """Who acts, as ``user@host``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"{user}@{socket.gethostname()}"


class AlertService:
    def __init__(self, engine: Engine, inventory: Inventory, *, clock: Callable[[], float] = time.time,
                 holder: str | None = None, lock_ttl_s: float = LOCK_TTL_S) -> None:
        self.store = AlertStore(engine)
        self.config = inventory.alerts
        self._rota = inventory  # [[people]], [oncall] and the channels' kinds
        self.rules = compile_rules(inventory)
        self._by_name = {r.name: r for r in self.rules}
        self._tags: dict[str, frozenset[str]] = {}
        self._rules_for: dict[str, ev.RuleSet] = {}
        self._inventory = None
        self._targets_from(inventory)
        self._monitor = None
        self._polled: set[str] = set()  # targets whose results came from the monitor
        self.evaluator = ev.Evaluator(self.config.for_s, self.config.clear_s)
        self.clock = clock
        self.lease = StoreLease(engine, RULES, holder, lock_ttl_s)
        self.holder = self.lease.holder
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_tick_at: float | None = None  # by the clock: the last tick that evaluated
        self._sources: list[list] = []  # [read(now) -> statuses, every_s, next_at]
        # Transitions wait here for the alerts thread (or are written at once before start).
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._failed: tuple | None = None
        self._write_lock = threading.Lock()
        self._threaded = False
        self._wake = threading.Event()  # a transition is waiting

    # -- the lease ------------------------------------------------------------------------------

    @property
    def evaluating(self) -> bool:
        """True while this process holds the store's ``rules`` lease."""
        return self.lease.held

    def take_lock(self) -> bool:
        """Takes or renews the lease; on taking it, carries on the alerts the store holds open."""
        was = self.lease.held
        try:
            held = self.lease.try_acquire()
        except Exception:  # noqa: BLE001 - the store is away: the lease runs out by itself
            log.warning("alert lease could not be renewed", exc_info=True)
            return self.lease.held
        if held and not was:
            with self._lock:
                self._restore()
        return held

    def _restore(self) -> None:
        """Alerts left open in the store go on where they were (after a restart, or after the
        lock came over from a process that stopped)."""
        self.evaluator = ev.Evaluator(self.config.for_s, self.config.clear_s)
        for row in self.store.open_alerts():
            rule = self._by_name.get(row.rule)
            if rule is None or not rule.enabled:  # removed or disabled in the inventory since
                with self.store.engine.begin() as conn:
                    self._resolve(conn, row.id, self.clock())
                continue
            self.evaluator.restore(ev.Tracked(rule, row.target, row.id, row.started_at, row.severity,
                                              row.summary, row.value, row.last_seen,
                                              firing=row.state != "pending"))

    # -- the monitor's results ------------------------------------------------------------------

    def _targets_from(self, inventory: Inventory) -> None:
        """Each target's tags, which rules and routes select by; again when the monitor's
        inventory changed (a host added or edited in the window)."""
        if inventory is self._inventory:
            return
        tags = {LOCAL_HOST: frozenset()}
        for entry in (*inventory.hosts, *inventory.databases):
            tags[entry.name] = frozenset(entry.tags)
        self._inventory, self._tags, self._rules_for = inventory, tags, {}

    def rules_for(self, target: str) -> ev.RuleSet:
        found = self._rules_for.get(target)
        if found is None:
            tags = self._tags.get(target, frozenset())
            found = self._rules_for[target] = ev.RuleSet(
                tuple(r for r in self.rules if r.applies_to(target, tags)))
        return found

    def observe(self, status: TargetStatus, now: float | None = None) -> list[ev.Transition]:
        now = self.clock() if now is None else now
        if not self.evaluating:
            return []
        active, judged = ev.conditions(status, self.rules_for(status.target), self.config.warn)
        with self._lock:
            transitions = self.evaluator.observe(status.target, active, judged, now)
            if transitions:
                self._submit(transitions, now)  # in the evaluator's order
        if transitions and not self._threaded:
            self._drain()
        return transitions

    def tick(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        if not self.take_lock():
            return
        if self._monitor is not None:
            self._targets_from(self._monitor.inventory)
            self._drop_unwatched(now)
        with self._lock:
            transitions = self.evaluator.tick(now)
            if transitions:
                self._submit(transitions, now)
        self._pull(now)
        self._drain()
        self._silences(now)
        self._escalate(now)
        if self.config.repeat_s > 0:
            self._remind(now)
        self.last_tick_at = now

    def add_source(self, read: Callable[[float], list[TargetStatus]], every_s: float = 60.0) -> None:
        """What the monitor does not poll (backup sets, SOP schedules): ``read(now)`` gives a
        status per target with its findings, asked on the ticks ``every_s`` apart."""
        self._sources.append([read, every_s, 0.0])

    def _pull(self, now: float) -> None:
        for source in self._sources:
            read, every_s, next_at = source
            if now < next_at:
                continue
            source[2] = now + every_s
            try:
                statuses = read(now)
            except Exception:  # noqa: BLE001 - one source failing leaves the others judged
                log.exception("alert source")
                continue
            for status in statuses:
                self.observe(status, now)

    # -- writing --------------------------------------------------------------------------------

    def _submit(self, transitions: list[ev.Transition], now: float) -> None:
        self._queue.put((transitions, now))
        self._wake.set()

    def _drain(self) -> None:
        """Writes what the evaluator decided, in order. On the alerts thread when started, so a
        store that is slow or gone never holds a poll's worker; a batch that fails is tried
        again, first, on the next round."""
        with self._write_lock:
            while True:
                if self._failed is None:
                    try:
                        self._failed = self._queue.get_nowait()
                    except queue.Empty:
                        return
                transitions, now = self._failed
                try:
                    self._write(transitions, now)
                except Exception:  # noqa: BLE001 - kept, and written when the store answers
                    log.warning("alert transitions not written yet", exc_info=True)
                    return
                self._failed = None

    def _write(self, transitions: list[ev.Transition], now: float) -> None:
        silences = self.store.silences(now) if any(t.kind == ev.FIRING for t in transitions) else []
        with self.store.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # a store that hangs fails and is tried again
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
            for t in transitions:
                self._write_one(conn, t, now, silences)

    def _write_one(self, conn, t: ev.Transition, now: float, silences) -> None:
        a, store = t.alert, self.store
        if t.kind == ev.PENDING:
            store.insert(conn, AlertRow(a.alert_id, a.rule.name, a.target, a.severity, "pending", a.summary,
                                        a.value, runbook_text(a.rule), a.since, None, now, None, None, None,
                                        None, None, None))
        elif t.kind == ev.DROPPED:
            store.delete_pending(conn, a.alert_id)
        elif t.kind == ev.UPDATED:
            before = store.get_in(conn, a.alert_id)
            store.touch(conn, a.alert_id, a.severity, a.summary, a.value, now)
            if before is not None and before.state == "firing" and before.severity != a.severity:
                self._worse(conn, before, now)
        elif t.kind == ev.FIRING:
            store.touch(conn, a.alert_id, a.severity, a.summary, a.value, now)
            tags = self._tags.get(a.target, frozenset())
            if silenced_by(a.target, tags, now, silences, self.config.maintenance) is not None:
                store.set_state(conn, a.alert_id, "silenced", now, fired_at=now)
                return
            self._fire(conn, a.alert_id, now)
        elif t.kind == ev.RESOLVED:
            self._resolve(conn, a.alert_id, now)

    def _resolve(self, conn, alert_id: str, now: float) -> None:
        """Resolved; whoever heard of it hears that it ended, and after how long."""
        before = self.store.get_in(conn, alert_id)
        if before is None or not self.store.resolve(conn, alert_id, now):
            return
        if before.notified_at is not None:
            row = self.store.get_in(conn, alert_id)
            channels = self._channels(row)
            self.store.enqueue(conn, row, "resolved", channels, now, self._people(row, channels, now))

    def _worse(self, conn, before: AlertRow, now: float) -> None:
        """A warning that became critical reaches the routes of critical alerts too, once."""
        row = self.store.get_in(conn, before.id)
        told = set(self._channels(before))
        new = [ch for ch in self._channels(row) if ch not in told]
        if new:
            self.store.enqueue(conn, row, "firing", new, now, self._people(row, new, now))
            self.store.set_state(conn, row.id, row.state, now, notified_at=now)

    def _fire(self, conn, alert_id: str, now: float) -> None:
        """Firing and told: the route's channels get a row each, in this transaction."""
        row = self.store.get_in(conn, alert_id)
        channels = self._channels(row)
        state = "acknowledged" if row.acked_by else "firing"
        # Silenced from the start: escalate_after_s counts from when people were first told.
        fired = now if row.state == "silenced" or row.fired_at is None else row.fired_at
        self.store.set_state(conn, alert_id, state, now, fired_at=fired,
                             notified_at=now if channels else None)
        if channels:
            self.store.enqueue(conn, self.store.get_in(conn, alert_id), "firing", channels, now,
                               self._people(row, channels, now))

    def _channels(self, row: AlertRow) -> tuple[str, ...]:
        return channels_for(self.config.routes, row.severity, self._tags.get(row.target, frozenset()))

    def _people(self, row: AlertRow, channels, now: float, escalation: bool = False) -> dict[str, dict]:
        """{channel: the rota's person for it}: who is on call (or second) at ``now``, the time
        of the transition, with their contact on that channel."""
        roles = roles_for(self.config.routes, row.severity, self._tags.get(row.target, frozenset()),
                          escalation)
        out: dict[str, dict] = {}
        for role in set(roles.values()):
            out.update(recipients(self._rota, role, [ch for ch in channels if roles.get(ch) == role], now))
        return out

    def _silences(self, now: float) -> None:
        silences = self.store.silences(now)
        for row in self.store.open_alerts():
            if row.state not in ("firing", "silenced"):
                continue
            tags = self._tags.get(row.target, frozenset())
            quiet = silenced_by(row.target, tags, now, silences, self.config.maintenance) is not None
            if quiet and row.state == "firing":
                with self.store.engine.begin() as conn:
                    self.store.set_state(conn, row.id, "silenced", now)
            elif not quiet and row.state == "silenced":
                with self.store.engine.begin() as conn:
                    if row.notified_at is None:
                        self._fire(conn, row.id, now)
                    else:
                        self.store.set_state(conn, row.id, "firing", now)

    def _escalate(self, now: float) -> None:
        escalate(self, now)

    def _remind(self, now: float) -> None:
        for row in self.store.due("notified_at", now - self.config.repeat_s):
            channels = self._channels(row)
            with self.store.engine.begin() as conn:
                if channels and self.store.mark(conn, row.id, "notified_at", now, "firing", row.notified_at):
                    self.store.enqueue(conn, self.store.get_in(conn, row.id), "reminder", channels, now)

    # -- running --------------------------------------------------------------------------------

    def start(self, monitor=None) -> None:
        """Takes the lock if it can and ticks on a thread of its own; ``monitor``: subscribe to
        its results (the console, the agent)."""
        if monitor is not None:
            self.watch(monitor)
        self._threaded = True
        self._thread = threading.Thread(target=self._run, name="alerts", daemon=True)
        self._thread.start()

    def _drop_unwatched(self, now: float) -> None:
        """A target taken out of the monitor (removed in the window) resolves its alerts: nobody
        would ever see them clear."""
        with self._lock:
            gone = {t.target for t in self.evaluator.tracked()
                    if t.target in self._polled and not self._monitor.is_watched(t.target)}
            for target in gone:
                self.evaluator.forget(target)
                self._polled.discard(target)
        if not gone:
            return
        self._drain()
        with self.store.engine.begin() as conn:
            for row in self.store.open_alerts():
                if row.target in gone:
                    if row.state == "pending":
                        self.store.delete_pending(conn, row.id)
                    else:
                        self._resolve(conn, row.id, now)

    def watch(self, monitor) -> None:
        """Judge every result ``monitor`` hands on; its inventory's tags follow its changes."""
        self._monitor = monitor
        monitor.subscribe(on_status=self._on_status)

    def _on_status(self, status: TargetStatus) -> None:
        self._polled.add(status.target)
        try:
            self.observe(status)
        except Exception:  # noqa: BLE001 - a store hiccup must not stop the monitor's callbacks
            log.exception("alert evaluation for %s", status.target)

    def _run(self) -> None:
        next_tick = 0.0
        while not self._stop.is_set():
            if time.monotonic() >= next_tick:
                next_tick = time.monotonic() + TICK_S
                try:
                    self.tick()
                except Exception:  # noqa: BLE001 - the next tick tries again
                    log.exception("alert tick")
            self._wake.wait(max(0.0, next_tick - time.monotonic()))
            self._wake.clear()
            self._drain()
        self._drain()  # what was decided before the stop is in the store

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
        if self.lease.held:
            try:
                self.lease.release()
            except Exception:  # noqa: BLE001 - the lease runs out by itself
                log.warning("could not give the alert lease up", exc_info=True)
