"""The Alerts page's bridge: the alerts as the store holds them (read on the store's reader
thread), and a person's acts on them (acknowledge, take back, silence, note) on a worker of
their own, through the same code as ``erpconsole alerts ...``, so each is audited the same way."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal, SignalInstance

from erpconsole.ui.common.bridge_base import StoreReader

if TYPE_CHECKING:
    from erpconsole.services.alerts.store import AlertStore

log = logging.getLogger(__name__)

HISTORY_LIMIT = 10_000  # resolved alerts shown at most (the newest)
INCIDENT_LIMIT = 2_000  # incidents listed at most (open ones first, then the newest)


class AlertsApi(Protocol):
    """What the Alerts page may call and connect."""

    alerts_loaded: SignalInstance  # list of alert rows (active first), include_resolved
    acted: SignalInstance  # message for the message bar, level ("ok" or "critical")
    notes_loaded: SignalInstance  # alert id, [(ts, author, kind, text)] oldest first
    duty_loaded: SignalInstance  # who is on call now (or None: no rota), channels with undelivered rows

    incidents_loaded: SignalInstance  # [(IncidentRow, IncidentTimes | None)] open first, newest first
    timeline_loaded: SignalInstance  # incident number, [timeline Entry] oldest first

    def request_alerts(self, include_resolved: bool = False) -> None: ...
    def request_incidents(self) -> None: ...
    def request_timeline(self, number: int) -> None: ...
    def open_incident(self, alert_ids: list[str], title: str) -> None: ...
    def close_incident(self, number: int, cause: str, fix: str, follow_ups: list[str]) -> None: ...
    def request_notes(self, alert_id: str) -> None: ...
    def acknowledge(self, alert_ids: list[str], comment: str) -> None: ...
    def unacknowledge(self, alert_ids: list[str]) -> None: ...
    def silence(self, target: str | None, tag: str | None, duration: str, comment: str) -> None: ...
    def add_note(self, alert_id: str, text: str) -> None: ...
    def target_kind(self, target: str) -> str: ...


class AlertsBridge(QObject):
    alerts_loaded = Signal(object, bool)  # list[AlertRow]: a list, so `object`
    acted = Signal(str, str)
    duty_loaded = Signal(object, object)  # OnCall | None, list[ChannelState]
    notes_loaded = Signal(str, object)
    incidents_loaded = Signal(object)
    timeline_loaded = Signal(int, object)

    def __init__(self, monitor, reader: StoreReader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._monitor = monitor
        self._store_reader = reader
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alert-acts")
        self._alerts: AlertStore | None = None
        self._incidents = None  # IncidentStore, made on first use (off the GUI thread)
        self._waiting_read = False

    def _store(self) -> AlertStore:
        if self._alerts is None:
            # Imported on the reader thread, not before the first paint (SQLAlchemy is heavy).
            from erpconsole.services.alerts.store import AlertStore

            self._alerts = AlertStore(self._store_reader.store.engine)
        return self._alerts

    def request_alerts(self, include_resolved: bool = False) -> None:
        if not self._store_reader.has_store:
            # One read waits for the store, not one per reload: a store that never opens
            # (a bad URL) would otherwise pile them up every 5 s for as long as the window runs.
            if self._waiting_read:
                return
            self._waiting_read = True
        self._store_reader.read(self._load, include_resolved)

    def _load(self, include_resolved: bool) -> None:
        self._waiting_read = False
        try:
            rows = self._store().alerts(include_resolved, limit=HISTORY_LIMIT)
        except Exception:  # noqa: BLE001 - the page keeps what it shows, the log says why
            log.exception("alerts")
            return
        self.alerts_loaded.emit(rows, include_resolved)
        self._load_duty()

    def _incident_store(self):
        if self._incidents is None:
            from erpconsole.services.incidents.store import IncidentStore

            self._incidents = IncidentStore(self._store_reader.store.engine)
        return self._incidents

    def request_incidents(self) -> None:
        self._store_reader.read(self._load_incidents)

    def _load_incidents(self) -> None:
        from erpconsole.services.incidents.report import times_of

        try:
            store = self._incident_store()
            rows = [(row, times_of(store, row)) for row in store.incidents(limit=INCIDENT_LIMIT)]
        except Exception:  # noqa: BLE001 - the view keeps what it shows, the log says why
            log.exception("incidents")
            return
        self.incidents_loaded.emit(rows)

    def request_timeline(self, number: int) -> None:
        self._store_reader.read(self._load_timeline, number)

    def _load_timeline(self, number: int) -> None:
        from erpconsole.services.incidents.timeline import timeline

        try:
            store = self._incident_store()
            row = store.get(number)
            entries = timeline(store, row, time.time()) if row is not None else []
        except Exception:  # noqa: BLE001 - the view goes without it, the log says why
            log.exception("timeline of incident %s", number)
            return
        self.timeline_loaded.emit(number, entries)

    def open_incident(self, alert_ids: list[str], title: str) -> None:
        self._submit([("incident:open", {"alert_ids": list(alert_ids), "title": title})])

    def close_incident(self, number: int, cause: str, fix: str, follow_ups: list[str]) -> None:
        self._submit([("incident:close", {"incident_id": str(number), "cause": cause, "fix": fix,
                                          "follow_up": list(follow_ups)})])

    def request_notes(self, alert_id: str) -> None:
        self._store_reader.read(self._load_notes, alert_id)

    def _load_notes(self, alert_id: str) -> None:
        try:
            self.notes_loaded.emit(alert_id, self._store().notes(alert_id))
        except Exception:  # noqa: BLE001 - the detail goes without them, the log says why
            log.exception("notes of %s", alert_id)

    def _load_duty(self) -> None:
        """Who is on call now (the inventory's rota) and what the outbox could not deliver."""
        from erpconsole.services.alerts.oncall import on_call_at
        from erpconsole.services.notify.outbox import waiting

        rota = self._monitor.inventory.oncall
        try:
            now = on_call_at(rota, time.time()) if rota is not None else None
            states = waiting(self._store_reader.store.engine)
        except Exception:  # noqa: BLE001 - a courtesy line: the log says why it is missing
            log.exception("on call and undelivered notifications")
            return
        self.duty_loaded.emit(now, states)

    def acknowledge(self, alert_ids: list[str], comment: str) -> None:
        self._submit([("ack", {"alert_id": i, "comment": comment}) for i in alert_ids])

    def unacknowledge(self, alert_ids: list[str]) -> None:
        self._submit([("unack", {"alert_id": i}) for i in alert_ids])

    def silence(self, target: str | None, tag: str | None, duration: str, comment: str) -> None:
        self._submit([("silence", {"target": target, "tag": tag, "duration": duration, "comment": comment})])

    def add_note(self, alert_id: str, text: str) -> None:
        self._submit([("note", {"alert_id": alert_id, "text": text})])

    def target_kind(self, target: str) -> str:
        """"host" or "database": which detail page opens it ("" when not watched)."""
        return next((s.kind for s in self._monitor.statuses() if s.target == target), "")

    def _submit(self, acts: list[tuple[str, dict]]) -> None:
        # Once the store is open: an act asked before waits for it, as reads do.
        self._store_reader.read(self._writer.submit, self._run, acts)

    def _run(self, acts: list[tuple[str, dict]]) -> None:
        from erpconsole.services.alerts.commands import act
        from erpconsole.services.incidents.commands import act as incident_act

        said, level = [], "ok"
        for action, kw in acts:
            try:
                if action.startswith("incident:"):
                    code, out, err = incident_act(self._incident_store(), action.split(":", 1)[1], **kw)
                else:
                    code, out, err = act(self._store(), action, **kw)
            except Exception as exc:  # noqa: BLE001 - said in the message bar
                log.exception("alert %s", action)
                code, out, err = 3, "", f"{type(exc).__name__}: {exc}"
            said.append((out or err).strip())
            if code != 0:
                level = "critical"
        self.acted.emit("\n".join(said), level)

    def shutdown(self) -> None:
        self._writer.shutdown(wait=False, cancel_futures=True)
