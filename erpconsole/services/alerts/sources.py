"""Findings the monitor's polls do not carry, as statuses the alert rules judge: the backup
sets' newest reads (late, failed, too small, drill overdue, ...) and the SOP schedules (a
procedure overdue)."""

from __future__ import annotations

from erpconsole.i18n import _
from erpconsole.services.alerts.rules import SOP_OVERDUE
from erpconsole.services.models import Finding, Health, Severity, TargetStatus
from erpconsole.services.units import duration


def backup_statuses(service) -> list[TargetStatus]:
    """One status per backup set read so far, with the findings of its newest read."""
    latest = service.latest() or []
    return [TargetStatus(status.config.name, "backup", Health.OK, "", status.config.interval_s,
                         findings=tuple(findings)) for status, findings in latest]


class SopSource:
    """One status per scheduled procedure: overdue ones carry a warning finding; one no longer
    due (its run was signed) comes back clean, so its alert resolves."""

    def __init__(self, service) -> None:
        self._service = service
        self._seen: set[str] = set()

    def __call__(self, now: float) -> list[TargetStatus]:
        out = []
        for due in self._service.due(now):
            findings = ()
            if due.overdue:
                findings = (Finding(Severity.WARNING, due.template_id, SOP_OVERDUE, _(
                    "{title} is overdue by {late}").format(
                    title=due.title, late=duration(max(0.0, now - due.due)))),)
            out.append(TargetStatus(due.template_id, "sop", Health.OK, "", 60.0, findings=findings))
        listed = {s.target for s in out}
        out += [TargetStatus(t, "sop", Health.OK, "", 60.0) for t in self._seen - listed]
        self._seen = listed
        return out


def attach_sources(alerts, backups=None, sop=None, every_s: float = 60.0) -> None:
    """The console's and the agent's services that hold findings of their own."""
    if backups is not None:
        alerts.add_source(lambda now: backup_statuses(backups), every_s)
    if sop is not None:
        alerts.add_source(SopSource(sop), every_s)
