"""The typed shapes of the inventory's alerting part (read by alerts_schema.py)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """One ``[[rules]]`` entry: a new rule, or (same name as a built-in one) a tuned one."""

    name: str
    check: str | None = None  # a check name (disk_used, health, db_long_query, ...)
    metric: str | None = None  # or a metric with a threshold (disk.used_percent)
    threshold: float | None = None
    below: bool = False  # fire under the threshold instead of over it
    severity: str | None = None
    for_s: float | None = None
    clear_s: float | None = None
    targets: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    runbook: str | None = None
    enabled: bool = True
    line: int | None = None


@dataclass(frozen=True, slots=True)
class RouteConfig:
    channels: tuple[str, ...]
    severity: str | None = None
    tags: tuple[str, ...] = ()
    escalate_to: tuple[str, ...] = ()
    person: str | None = None  # "oncall" | "second": that person's contact goes with each row
    escalate_person: str | None = None  # the same for the escalation (to escalate_to, or channels)
    line: int | None = None


@dataclass(frozen=True, slots=True)
class MaintenanceConfig:
    """A recurring window (``every = "sunday 02:00-04:00"``) or a fixed one (from, to: epoch
    seconds, from TOML date-times), for a target or a tag, with a reason."""

    reason: str
    target: str | None = None
    tag: str | None = None
    weekday: int | None = None  # 0 Monday
    start_min: int = 0  # minutes after local midnight
    end_min: int = 0
    starts_at: float | None = None
    ends_at: float | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class AlertsConfig:
    for_s: float | None = None  # None: two polls
    clear_s: float | None = None
    escalate_after_s: float = 900.0
    repeat_s: float = 3600.0
    warn: bool = False
    rules: tuple[RuleConfig, ...] = ()
    routes: tuple[RouteConfig, ...] = ()
    maintenance: tuple[MaintenanceConfig, ...] = field(default_factory=tuple)
    # [alerts.respond_within]: (severity, seconds) pairs; the escalation deadline of that severity
    respond_within: tuple[tuple[str, float], ...] = ()

    def deadline_s(self, severity: str) -> float:
        """Seconds to respond to an alert of ``severity`` before it escalates (0: never)."""
        return dict(self.respond_within).get(severity, self.escalate_after_s)
