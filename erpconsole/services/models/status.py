"""The latest word on one target: the scheduler's outcome of a poll and the status pages show."""

from __future__ import annotations

from dataclasses import dataclass

from erpconsole.services.models.core import Finding, Health, PollError
from erpconsole.services.models.database import DatabaseSnapshot
from erpconsole.services.models.host import HostFacts, HostSnapshot

@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What the scheduler hands subscribers after each poll."""

    target: str
    health: Health
    snapshot: HostSnapshot | DatabaseSnapshot | None = None
    error: PollError | None = None
    started_mono: float = 0.0
    duration_s: float = 0.0
    lag_s: float = 0.0  # how late the poll started against its due time


@dataclass(frozen=True, slots=True)
class TargetStatus:
    """The latest word on one target, for pages and the status bar."""

    target: str
    kind: str  # "host" | "database" (backups later)
    health: Health
    message: str
    interval_s: float
    snapshot: HostSnapshot | DatabaseSnapshot | None = None
    findings: tuple[Finding, ...] = ()
    last_poll_ts: float | None = None
    last_ok_ts: float | None = None
    detail: str = ""
    facts: HostFacts | None = None

    @property
    def level(self) -> str:
        """ok / warning / critical / pending, for colours."""
        if self.health is Health.PENDING:
            return "pending"
        if self.health.is_failure:
            return "critical"
        worst = max((f.severity.rank for f in self.findings), default=0)
        return {0: "ok", 1: "warning", 2: "critical"}[worst]
