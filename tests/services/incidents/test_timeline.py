"""An incident's timeline on a real store (SQLite and the machine's PostgreSQL): the two alerts
it was opened from, their acknowledgement and note, the audit rows and event-log lines of its
targets in its span (and not those of another target or from long before), the incident-response
procedure started for it, and its closing with cause, fix and follow-ups."""

from __future__ import annotations

from pathlib import Path

from erpconsole.services.alerts.store import AlertRow, AlertStore
from erpconsole.services.incidents.store import IncidentStore
from erpconsole.services.incidents.timeline import timeline
from erpconsole.services.models import Event, Severity
from erpconsole.services.sop.runs import RunStore
from erpconsole.services.sop.templates import parse_template
from erpconsole.services.store import Store

T0 = 1_800_000_000.0
SOP = Path(__file__).parents[3] / "erpconsole" / "resources" / "sops" / "incident-response.sop.toml"


def _alert(alert_id: str, target: str, started: float, resolved: float | None) -> AlertRow:
    return AlertRow(alert_id, "target_down", target, "critical", "resolved" if resolved else "firing",
                    f"{target} unreachable", "unreachable", "", started, started + 10, started + 10, resolved,
                    None, None, None, None, None)


def test_the_timeline_holds_the_alerts_notes_audit_events_and_procedure(store_url: str) -> None:
    store = Store(store_url)
    try:
        alerts = AlertStore(store.engine)
        with store.engine.begin() as conn:
            alerts.insert(conn, _alert("a-app", "erp-app-1", T0, T0 + 900))
            alerts.insert(conn, _alert("a-db", "erp-db-1", T0 + 20, T0 + 880))
            alerts.insert(conn, _alert("a-other", "erp-mail", T0 + 30, None))
        alerts.ack("a-app", "anna@desk", "on it", T0 + 60)
        alerts.note("a-db", "bo@desk", "replica lagging too", T0 + 120)
        store.audit.append("host.service_restart", "erp-app-1", {"service": "erp-api"}, actor="anna@desk",
                           ts=T0 + 300)
        store.audit.append("host.service_restart", "erp-mail", {"service": "postfix"}, actor="anna@desk",
                           ts=T0 + 310)  # another target: not this incident's
        store.audit.append("db.config_change", "erp-db-1", {"setting": "work_mem"}, actor="bo@desk",
                           ts=T0 - 3600)  # long before: not in its span
        store.write_batch([], [Event(T0 + 5, "erp-db-1", Severity.CRITICAL, "erp-db-1 is unreachable",
                                     kind="health", state="unreachable"),
                               Event(T0 + 880, "erp-db-1", Severity.INFO, "erp-db-1 is ok again",
                                     kind="health", state="ok")])
        RunStore(store.engine).create(parse_template(SOP, bundled=True), T0 + 90, "anna@desk", None)
        incidents = IncidentStore(store.engine)
        number = incidents.open("ERP down", ["a-app", "a-db"], "anna@desk", T0 + 100)
        assert incidents.close(number, "disk full", "logs rotated", "alert at 85%", "anna@desk", T0 + 1000)
        assert not incidents.close(number, "again", "again", "again", "anna@desk", T0 + 1001)

        entries = timeline(incidents, incidents.get(number), now=T0 + 2000)
        seen = [(e.ts - T0, e.source, e.target, e.who, e.text) for e in entries]
        assert [s[0] for s in seen] == sorted(s[0] for s in seen)
        assert ("alert", "erp-app-1") in {(s[1], s[2]) for s in seen}
        assert (20.0, "alert", "erp-db-1", "", "a-db (critical) first seen: erp-db-1 unreachable (unreachable)") in seen
        assert (900.0, "alert", "erp-app-1", "", "a-app resolved after 14 min 50 s") in seen
        assert (60.0, "note", "erp-app-1", "anna@desk", "a-app acknowledged: on it") in seen
        assert (120.0, "note", "erp-db-1", "bo@desk", "a-db: note: replica lagging too") in seen
        assert [s for s in seen if s[1] == "audit"] == [
            (300.0, "audit", "erp-app-1", "anna@desk", 'host.service_restart {"service":"erp-api"}')]
        assert [s[4] for s in seen if s[1] == "event"] == ["[critical] erp-db-1 is unreachable",
                                                         "[info] erp-db-1 is ok again"]
        assert [s[:2] for s in seen if s[1] == "sop"] == [(90.0, "sop")]
        assert not [s for s in seen if "erp-mail" in (s[2], s[4])]
        assert seen[-1][1:3] == ("incident", "") and "cause: disk full" in seen[-1][4]
    finally:
        store.close()
