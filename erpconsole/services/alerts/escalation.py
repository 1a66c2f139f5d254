"""Escalation: an alert not acknowledged within its severity's time to respond reaches the
routes' escalate_to (and the second in line, when a route names one), once; the time to
respond that ran out is noted on the alert for the monthly figures."""

from __future__ import annotations

from erpconsole.i18n import _
from erpconsole.services.alerts.routing import escalation_for
from erpconsole.services.units import duration


def escalate(service, now: float) -> None:
    """Not acknowledged within the severity's time to respond ([alerts.respond_within], else
    escalate_after_s): the routes' escalate_to hear it, once; a time to respond that ran out
    is noted on the alert (missed_response), counted in the monthly figures."""
    cfg = service.config
    limits = [cfg.deadline_s(sev) for sev in ("info", "warning", "critical")]
    limits = [s for s in limits if s > 0]
    if not limits:
        return
    timed = dict(cfg.respond_within)
    for row in service.store.due("escalated_at", now - min(limits)):
        limit = cfg.deadline_s(row.severity)
        if limit <= 0 or row.fired_at is None or row.fired_at > now - limit:
            continue
        to = escalation_for(cfg.routes, row.severity, service._tags.get(row.target, frozenset()))
        if not to and row.severity not in timed:
            continue
        with service.store.engine.begin() as conn:
            if not service.store.mark(conn, row.id, "escalated_at", now, "firing"):
                continue
            if row.severity in timed:
                text = _("not acknowledged within {limit}, the time to respond to a {severity} alert")
                service.store.missed(conn, row.id, now, text.format(limit=duration(limit),
                                                                    severity=row.severity))
            if to:
                service.store.enqueue(conn, service.store.get_in(conn, row.id), "escalated", to, now,
                                      service._people(row, to, now, escalation=True))
