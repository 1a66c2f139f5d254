"""The shapes every domain shares: health and severity, samples, poll errors, events,
findings, the status bar's numbers and the audit trail's rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

class Health(StrEnum):
    """Health state of one target; the order of DESIGN.md."""

    PENDING = "pending"  # not polled yet
    OK = "ok"
    UNREACHABLE = "unreachable"
    AUTH_FAILED = "auth_failed"
    HOSTKEY_UNKNOWN = "hostkey_unknown"
    HOSTKEY_MISMATCH = "hostkey_mismatch"
    TIMEOUT = "timeout"
    PARSE_ERROR = "parse_error"
    ERROR = "error"

    @property
    def is_failure(self) -> bool:
        return self not in (Health.OK, Health.PENDING)

    @property
    def needs_user(self) -> bool:
        """States where polling stops until a person acts (no lockout storms, no MITM)."""
        return self in (Health.AUTH_FAILED, Health.HOSTKEY_UNKNOWN, Health.HOSTKEY_MISMATCH)


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "critical": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of one series at one wall-clock time (epoch seconds)."""

    target: str
    metric: str
    value: float
    ts: float
    label: str = ""


@dataclass(frozen=True, slots=True)
class PollError:
    """A poll that failed: the state it leads to, a sentence for a person, the raw detail."""

    target: str
    kind: Health
    message: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class HealthChange:
    target: str
    old: Health
    new: Health
    message: str
    ts: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Event:
    """A line of the event log: a health change, an error, an action."""

    ts: float
    target: str
    level: Severity
    message: str
    detail: str = ""
    kind: str = "health"
    # The target's state after this event ("ok", "unreachable", "late", ...); "" when the event
    # changes no state. The store keeps it, so a restart logs only what changed since.
    state: str = ""


@dataclass(frozen=True, slots=True)
class StoreHealth:
    """Whether the store takes writes: ``since`` the first failed write of a streak, and why."""

    ok: bool
    since: float | None = None
    reason: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    target: str
    check: str
    message: str


@dataclass(frozen=True, slots=True)
class StatusSummary:
    """Numbers for the status bar."""

    ok: int = 0
    failing: int = 0
    store_bytes: int = 0
    last_poll_ts: float | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the append-only, hash-chained audit trail."""

    id: int
    ts: float
    actor: str
    action: str
    target: str
    details: str  # canonical JSON
    prev_hash: str
    hash: str
