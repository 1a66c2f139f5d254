"""The latest word on one target: the scheduler's outcome of a poll and the status pages show."""

from __future__ import annotations

from dataclasses import dataclass

from erpconsole.services.models.core import Finding, Health, PollError, Severity
from erpconsole.services.models.database import DatabaseSnapshot
from erpconsole.services.models.host import HostFacts, HostSnapshot

@dataclass(frozen=True, slots=True)
class Verdict:
    """One target's word, decided once for every page, the status bar, the event log and
    ``inspect``: a failed poll is critical and names its state; otherwise the worst finding
    decides (a load warning is "warning", never "ok" beside an amber tile)."""

    level: str  # ok / warning / critical / pending: the colour and the shape
    state: str  # the word's key: a failed poll's Health value, else the level
    cause: str = ""  # the sentence behind the word: the poll's message or the worst finding's

    @property
    def severity(self) -> Severity:
        """The event log's and inspect's grade of this word (pending counts as info)."""
        return {"warning": Severity.WARNING, "critical": Severity.CRITICAL}.get(self.level, Severity.INFO)


def verdict(health: Health, message: str = "", findings: tuple[Finding, ...] | list[Finding] = ()) -> Verdict:
    """The word for a target in ``health`` with ``findings`` from its last good poll."""
    if health is Health.PENDING:
        return Verdict("pending", Health.PENDING.value)
    if health.is_failure:
        return Verdict("critical", health.value, message)
    graded = [f for f in findings if f.severity.rank > 0]
    if not graded:
        return Verdict("ok", Health.OK.value)
    worst = max(graded, key=lambda f: f.severity.rank)  # the first of the worst, in check order
    return Verdict(worst.severity.value, worst.severity.value, worst.message)


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
    def verdict(self) -> Verdict:
        return verdict(self.health, self.message, self.findings)

    @property
    def level(self) -> str:
        """ok / warning / critical / pending, for colours."""
        return self.verdict.level
