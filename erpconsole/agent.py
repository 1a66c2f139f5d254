"""``erpconsole agent``: the console's wiring without Qt, for a server or a systemd unit.

The same Monitor (hosts and databases), store and writer, event log, backup reads and SOP
schedule as the window, and the log file of services/log_setup.py. Every agent on a store
polls; one of them at a time (the holder of the store's ``rules`` lease) also evaluates the
alert rules and sends the notifications, and another takes over once its lease lapses.
Runs until SIGTERM or SIGINT and stops within 10 s with exit 0; a bad inventory is exit 3.
Imports nothing from Qt: a contract in pyproject.toml keeps it so.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

from erpconsole import __version__
from erpconsole.config import InventoryError, load_default_inventory, load_inventory
from erpconsole.guards.urls import mask_text, mask_url
from erpconsole.i18n import _
from erpconsole.services import systemd
from erpconsole.services.alerts.rules import checked
from erpconsole.services.headless import PeriodicReads
from erpconsole.services.log_setup import setup_logging
from erpconsole.services.models import Event, Severity
from erpconsole.services.store.db import default_store_url
from erpconsole.services.store.lock import DEFAULT_TTL_S, RULES, StoreLease, default_holder
from erpconsole.services.units import duration

log = logging.getLogger(__name__)

EXIT_OK, EXIT_UNKNOWN = 0, 3
TICK_S = 1.0
STOP_BUDGET_S = 9.0  # under the 10 s of the contract and systemd's TimeoutStopSec
STORE_RETRY_S = (5.0, 10.0, 20.0, 40.0, 60.0)
LEASE_LOOK_S = 2.0  # how soon a change of holder is said
KIND = "agent"  # the event log's kind for what the agent itself says


def say(line: str) -> None:
    """A line for the person or the journal reading stderr, and for the log file."""
    log.info("%s", line)
    print(f"erpconsole: {line}", file=sys.stderr, flush=True)


class Agent:
    """Everything one running agent owns: the monitor, the store and its writer, the periodic
    reads, the alert service (rules, under the lease) and the sender (the outbox, likewise)."""

    def __init__(self, inventory, store_url: str, lease_s: float = DEFAULT_TTL_S,
                 holder: str | None = None) -> None:
        from erpconsole.services.monitor import Monitor

        self.inventory = inventory
        self.store_url = store_url
        self.shown_url = mask_url(store_url)
        self.lease_s = lease_s
        self.holder = holder or default_holder()
        self.monitor = Monitor(inventory, None, states_from_store=True)
        self.monitor.subscribe(on_event=_log_event)
        self.store = self.writer = self.lease = self.reads = self.alerts = None
        self.role = ""  # "rules" while holding the lease, "collectors" while another does
        self._stop = threading.Event()
        self._loop = threading.Thread(target=self._run, name="agent-loop", daemon=True)
        self._sender = None  # the OutboxSender, when there are [[channels]]
        self._lease_failing = False

    # -- running ----------------------------------------------------------------------------

    def start(self) -> None:
        self.monitor.start()
        self.monitor.record(Event(time.time(), "", Severity.INFO, _(
            "agent started (erpconsole {version}) as {holder}").format(
                version=__version__, holder=self.holder), kind=KIND))
        self._loop.start()

    def _run(self) -> None:
        if not self._open_store():
            return
        next_lease = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_lease:
                self._renew()
                next_lease = now + min(self.lease_s / 3, LEASE_LOOK_S)
            self.reads.tick(now)
            self._stop.wait(TICK_S)

    def _open_store(self) -> bool:
        """Retries until the store opens or the agent stops: polling goes on meanwhile, and
        what arrives is held (up to the monitor's bound) and written once it opens."""
        from erpconsole.services.store import Store

        for attempt in range(1_000_000):
            try:
                store = Store(self.store_url)
                break
            except Exception as exc:  # noqa: BLE001 - said, then tried again
                wait = STORE_RETRY_S[min(attempt, len(STORE_RETRY_S) - 1)]
                log.warning("%s", _("the store at {url} could not open; trying again in {wait}, "
                                    "polling meanwhile: {error}").format(
                    url=self.shown_url, wait=duration(wait), error=_first_line(exc)))
                log.info("the store's error in full", exc_info=True)
                if self._stop.wait(wait):
                    return False
        self._attach(store)
        return True

    def _attach(self, store) -> None:
        from erpconsole.services.store import StoreWriter

        self.store, self.writer = store, StoreWriter(store)
        self.monitor.attach_states(_last_states(store))
        self.monitor.attach_writer(_StandbyQuiet(self.writer, lambda: self.role != "collectors"))
        self.monitor.attach_audit(store.audit)
        backups, sop = _backup_service(self.monitor, store), _sop_service(self.monitor, store)
        self.reads = PeriodicReads(self.monitor, backups, sop)
        self.alerts = self._alert_service(store, backups, sop)
        # The alert service renews the lease on its own thread; without one the agent holds
        # it itself, so the sender still runs in one process per store.
        self.lease = (self.alerts.lease if self.alerts is not None
                      else StoreLease(store.engine, RULES, self.holder, self.lease_s))
        self._sender = self._outbox_sender(store)

    def _outbox_sender(self, store):
        """The outbox, delivered while this agent holds the lease, on a thread of its own: a
        channel that hangs until its deadline holds up neither the polls nor the rules."""
        if not self.inventory.channels:
            return None
        try:
            from erpconsole.services.notify.outbox import OutboxSender

            sender = OutboxSender(store.engine, self.inventory.channels, self.monitor.secrets,
                                  active=lambda: self.lease.held)
            sender.start()
            return sender
        except Exception:  # noqa: BLE001 - alerts are still recorded without it
            log.exception("notification sender")
            return None

    def _alert_service(self, store, backups, sop):
        """Rules judge every poll (on the scheduler's workers), the backup sets' newest reads and
        the SOP schedule, and write alerts and outbox rows while this agent holds the lease; a
        failure leaves the polling running."""
        try:
            from erpconsole.services.alerts.service import AlertService
            from erpconsole.services.alerts.sources import attach_sources

            service = AlertService(store.engine, self.inventory, holder=self.holder,
                                   lock_ttl_s=self.lease_s)
            attach_sources(service, backups, sop)
            service.start(self.monitor)
            return service
        except Exception:  # noqa: BLE001 - said in the log; the agent polls without alerts
            log.exception("alert service")
            return None

    def _renew(self) -> None:
        """Who evaluates: the alert service takes and renews the lease each second; this only
        looks (and takes it itself when there is no alert service)."""
        try:
            held = self.lease.held if self.alerts is not None else self.lease.try_acquire()
            other = None if held else self.lease.current()
        except Exception as exc:  # noqa: BLE001 - the lease runs out by itself; said once
            if not self._lease_failing:
                log.warning("%s", _("the store at {url} could not be asked who evaluates the "
                                    "alert rules; this agent keeps polling: {error}").format(
                    url=self.shown_url, error=_first_line(exc)))
            self._lease_failing = True
            return
        self._lease_failing = False
        if not held and (other is None or other.lapsed or other.holder == self.holder):
            return  # nobody else holds it: the alert service takes it at its next tick
        self._set_role("rules" if held else "collectors", other)

    def _set_role(self, role: str, other) -> None:
        if role == self.role:
            return
        self.role = role
        if role == "rules":
            line = _("this agent ({holder}) evaluates the alert rules and sends the notifications "
                     "for the store {url}").format(holder=self.holder, url=self.shown_url)
        else:
            who = other.holder if other is not None else _("another process")
            left = max(0.0, other.remaining_s) if other is not None else self.lease_s
            line = _("{other} evaluates the alert rules and sends the notifications for the store "
                     "{url}: this agent runs the collectors only, and takes over if that one stops "
                     "(its lease runs for {left} more)").format(
                other=who, url=self.shown_url, left=duration(left))
        say(line)
        self.monitor.record(Event(time.time(), "", Severity.INFO, line, kind=KIND))
        systemd.notify(f"STATUS={line}")

    # -- stopping ---------------------------------------------------------------------------

    def stop(self) -> None:
        """Gives the lease up (another agent takes over at once), stops polling, writes what
        is queued. Nothing here waits on a target: each wait has its own bound."""
        self._stop.set()
        self._loop.join(3.0)
        if self._sender is not None:
            self._sender.stop(2.0)  # a send in flight keeps its row claimed: sent after the claim lapses
        if self.reads is not None:
            self.reads.shutdown()
        if self.alerts is not None:
            self.alerts.stop()  # gives the lease up
        elif self.lease is not None and self.lease.held:
            _guarded(self.lease.release)
        self.monitor.record(Event(time.time(), "", Severity.INFO, _("agent stopped ({holder})").format(
            holder=self.holder), kind=KIND))
        self.monitor.stop()
        if self.writer is not None:
            self.writer.close(timeout=3.0)
        if self.store is not None:
            self.store.close()


class _StandbyQuiet:
    """The store writer as the monitor sees it: while another agent holds the rules, this one's
    event lines (health changes, backup and SOP states) stay out of the store, where the
    holder's already are; its samples and its own lines (kind "agent") go in."""

    def __init__(self, writer, recording) -> None:
        self._writer = writer
        self._recording = recording

    def put(self, samples) -> None:
        self._writer.put(samples)

    def put_event(self, event: Event) -> None:
        if event.kind == KIND or self._recording():
            self._writer.put_event(event)

    def subscribe(self, on_health) -> None:
        self._writer.subscribe(on_health)


def _first_line(exc: Exception) -> str:
    """An error in one line with its secrets masked: a driver's message runs over several."""
    lines = str(exc).strip().splitlines()
    return mask_text(f"{type(exc).__name__}: {lines[0] if lines else ''}")


def _guarded(call: Callable[[], object]) -> None:
    try:
        call()
    except Exception:  # noqa: BLE001 - logged; the loop goes on
        log.exception("agent: %s", getattr(call, "__qualname__", call))


def _log_event(event: Event) -> None:
    """The event log in the log file too, and warnings on stderr (the journal) one line each."""
    level = logging.INFO if event.level is Severity.INFO else logging.WARNING
    if event.kind != KIND:
        log.log(level, "%s", event.message)


def _last_states(store) -> dict:
    try:
        return store.last_states()
    except Exception:  # noqa: BLE001 - without them every state is logged, as on a first start
        log.exception("last states from the store")
        return {}


def _backup_service(monitor, store):
    if not monitor.inventory.backups:
        return None
    try:
        from erpconsole.services.backups.service import BackupService

        return BackupService(monitor.inventory, secrets=monitor.secrets, known_hosts_path=None,
                             audit=store.audit, engine=store.engine, states=monitor.states)
    except Exception:  # noqa: BLE001 - the rest runs without backup reads
        log.exception("backup service")
        return None


def _sop_service(monitor, store):
    try:
        from pathlib import Path

        import platformdirs

        from erpconsole.services.sop.service import SopService

        sops = Path(platformdirs.user_data_dir("erpconsole")) / "sops"
        return SopService(store.engine, monitor.inventory, audit=store.audit,
                          template_dirs=(sops, *monitor.inventory.sop_folders))
    except Exception:  # noqa: BLE001 - the rest runs without the SOP schedule
        log.exception("SOP service")
        return None


# -- the command ----------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    store_url = getattr(args, "store", None)
    inventory_path = getattr(args, "inventory", None)
    if args.print_systemd_unit:
        return _print_unit(inventory_path, store_url, args.lease)
    # First: a stop asked for while the inventory loads or the store opens still ends in 0.
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _n, _f: stop.set())
    setup_logging()
    try:
        inventory = checked(load_inventory(inventory_path) if inventory_path else load_default_inventory())
    except InventoryError as exc:
        print(f"erpconsole: {exc}", file=sys.stderr)
        return EXIT_UNKNOWN
    url = store_url or default_store_url()
    problem = _bad_store_url(url)
    if problem:
        print(f"erpconsole: {problem}", file=sys.stderr)
        return EXIT_UNKNOWN
    agent = Agent(inventory, url, lease_s=args.lease)
    agent.start()
    systemd.notify("READY=1")
    say(_("agent running as {holder}, store {url}; stop it with SIGTERM or Ctrl+C").format(
        holder=agent.holder, url=agent.shown_url))
    while not stop.wait(TICK_S):
        pass
    return _stop(agent)


def _stop(agent: Agent) -> int:
    systemd.notify("STOPPING=1")
    timer = threading.Timer(STOP_BUDGET_S, _out_of_time)
    timer.daemon = True
    timer.start()
    agent.stop()
    say(_("agent stopped"))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # A poll still in flight on a pool thread would hold the interpreter's exit
    # (concurrent.futures joins its workers); everything worth keeping is written now.
    os._exit(EXIT_OK)


def _out_of_time() -> None:
    names = ", ".join(sorted(t.name for t in threading.enumerate() if t is not threading.current_thread()))
    log.warning("%s", _("the agent did not finish stopping within {budget}; leaving now (still "
                        "running: {names})").format(budget=duration(STOP_BUDGET_S), names=names))
    sys.stderr.flush()
    os._exit(EXIT_OK)


def _bad_store_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        make_url(url).get_dialect()
    except Exception as exc:  # noqa: BLE001 - ArgumentError, NoSuchModuleError: said plainly
        return _("--store {url} is not a store URL this console can open ({error}); give one "
                 "like sqlite:////var/lib/erpconsole/store.sqlite3 or "
                 "postgresql+psycopg://erpconsole@db-host/erpconsole").format(
            url=mask_url(url), error=mask_text(str(exc)))
    return ""


def _print_unit(inventory: str | None, store: str | None, lease_s: float) -> int:
    try:
        text = systemd.unit_text(inventory, store, None if lease_s == DEFAULT_TTL_S else lease_s)
    except systemd.UnitError as exc:
        print(f"erpconsole: {exc}", file=sys.stderr)
        return EXIT_UNKNOWN
    sys.stdout.write(text)
    return EXIT_OK
