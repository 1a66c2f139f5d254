"""The arithmetic of the incident figures, on plain recorded histories (no store here):
time to acknowledge and to repair per incident; per month and target MTTA, MTTR, the count by
severity and availability. A stretch with no poll for longer than ``gap_s`` is unknown: it is
counted neither healthy nor down, and the figure says how long it was."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

HEALTHY = ("ok",)
DEGRADED = ("warning",)  # it answered, with a warning finding: available, counted apart
UNKNOWN_STATES = ("", "pending")
SEVERITY_ORDER = ("critical", "warning", "info")


@dataclass(frozen=True, slots=True)
class Availability:
    target: str
    start: float
    end: float
    healthy_s: float
    down_s: float  # a failed poll (unreachable, auth_failed, timeout, ...) or a critical finding
    unknown_s: float
    warning_s: float = 0.0  # polled fine with a warning finding: available, and said apart

    @property
    def share(self) -> float | None:
        """Available (healthy or with a warning) over the known time (None when nothing was known)."""
        known = self.healthy_s + self.warning_s + self.down_s
        return (self.healthy_s + self.warning_s) / known if known > 0 else None

    def as_json(self) -> dict:
        return {"target": self.target, "healthy_s": round(self.healthy_s, 3),
                "warning_s": round(self.warning_s, 3), "down_s": round(self.down_s, 3),
                "unknown_s": round(self.unknown_s, 3),
                "availability": None if self.share is None else round(self.share, 6)}


def availability(target: str, states: Sequence[tuple[float, str]], polls: Iterable[float], start: float,
                 end: float, gap_s: float) -> Availability:
    """``states``: (ts, state) changes in time order, the last one before ``start`` included;
    ``polls``: times something was polled (a state change is one too). Between two polls less
    than ``gap_s`` apart the target was in the state last recorded; a longer stretch, the time
    before the first poll and more than ``gap_s`` after the last one are unknown."""
    points = sorted({*polls, *(ts for ts, _s in states)})
    healthy = warning = down = 0.0
    idx, current = 0, ""

    def state_at(t: float) -> str:
        nonlocal idx, current
        while idx < len(states) and states[idx][0] <= t:
            current = states[idx][1]
            idx += 1
        return current

    def add(a: float, b: float, state: str) -> None:
        nonlocal healthy, warning, down
        a, b = max(a, start), min(b, end)
        if b <= a or state in UNKNOWN_STATES:
            return
        if state in HEALTHY:
            healthy += b - a
        elif state in DEGRADED:
            warning += b - a
        else:
            down += b - a

    for a, b in zip(points, points[1:]):
        if b - a <= gap_s:
            add(a, b, state_at(a))
    if points:
        add(points[-1], points[-1] + gap_s, state_at(points[-1]))
    total = max(end - start, 0.0)
    return Availability(target, start, end, healthy, down, max(total - healthy - warning - down, 0.0), warning)


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """What the figures need of one alert of an incident."""

    id: str
    target: str
    severity: str
    started_at: float
    fired_at: float | None
    resolved_at: float | None
    first_ack_at: float | None  # the first acknowledgement, even if taken back later


@dataclass(frozen=True, slots=True)
class IncidentTimes:
    start: float
    acknowledged_at: float | None
    repaired_at: float | None
    severity: str
    targets: tuple[str, ...]

    @property
    def tta_s(self) -> float | None:
        return None if self.acknowledged_at is None else max(self.acknowledged_at - self.start, 0.0)

    @property
    def ttr_s(self) -> float | None:
        return None if self.repaired_at is None else max(self.repaired_at - self.start, 0.0)


def incident_times(alerts: Sequence[AlertFacts]) -> IncidentTimes:
    """From the first alert firing: to the first acknowledgement of any of them (TTA), and to
    the last of them resolving (TTR; None while one is still open)."""
    if not alerts:
        raise ValueError("an incident holds at least one alert")
    start = min(a.fired_at if a.fired_at is not None else a.started_at for a in alerts)
    acks = [a.first_ack_at for a in alerts if a.first_ack_at is not None]
    ends = [a.resolved_at for a in alerts]
    repaired = None if any(e is None for e in ends) else max(e for e in ends if e is not None)
    return IncidentTimes(start, min(acks) if acks else None, repaired, worst(a.severity for a in alerts),
                         tuple(sorted({a.target for a in alerts})))


def worst(severities: Iterable[str]) -> str:
    given = list(severities)
    for severity in SEVERITY_ORDER:
        if severity in given:
            return severity
    return given[0] if given else "info"


@dataclass(slots=True)
class TargetMonth:
    month: str
    target: str
    incidents: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)
    tta: list[float] = field(default_factory=list)
    ttr: list[float] = field(default_factory=list)
    availability: Availability | None = None
    missed_responses: int = 0  # alerts whose time to respond ran out unacknowledged

    @property
    def mtta_s(self) -> float | None:
        return sum(self.tta) / len(self.tta) if self.tta else None

    @property
    def mttr_s(self) -> float | None:
        return sum(self.ttr) / len(self.ttr) if self.ttr else None

    def as_json(self) -> dict:
        out = {"month": self.month, "target": self.target, "incidents": self.incidents,
               "by_severity": dict(sorted(self.by_severity.items())),
               "mtta_s": _round(self.mtta_s), "mttr_s": _round(self.mttr_s),
               "acknowledged": len(self.tta), "repaired": len(self.ttr),
               "missed_responses": self.missed_responses}
        if self.availability is not None:
            out.update({k: v for k, v in self.availability.as_json().items() if k != "target"})
        return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def per_target(month: str, incidents: Iterable[IncidentTimes]) -> dict[str, TargetMonth]:
    """MTTA, MTTR and the count by severity of each target the month's incidents touched (an
    incident over two targets counts for both)."""
    out: dict[str, TargetMonth] = {}
    for times in incidents:
        for target in times.targets:
            row = out.setdefault(target, TargetMonth(month, target))
            row.incidents += 1
            row.by_severity[times.severity] = row.by_severity.get(times.severity, 0) + 1
            if times.tta_s is not None:
                row.tta.append(times.tta_s)
            if times.ttr_s is not None:
                row.ttr.append(times.ttr_s)
    return out
