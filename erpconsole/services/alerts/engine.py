"""Rule evaluation as plain functions over a clock the caller passes in: what each poll says
for each (rule, target), and the transitions pending -> firing -> resolved that follow.

A condition must hold ``for_s`` before it fires and be clear ``clear_s`` before the alert
resolves; with neither given, two polls in a row decide. A value that flaps gives one alert: a
clear poll between two bad ones does not resolve it. No I/O here: the service writes the
transitions to the store.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from erpconsole.i18n import _
from erpconsole.services.alerts.rules import FINDING, HEALTH, METRIC, Rule
from erpconsole.services.models import TargetStatus

POLLS_TO_DECIDE = 2
_RANK = {"info": 0, "warning": 1, "critical": 2}

# Transition kinds
PENDING, FIRING, RESOLVED, DROPPED, UPDATED = "pending", "firing", "resolved", "dropped", "updated"


@dataclass(frozen=True, slots=True)
class Condition:
    """What one poll says for one (rule, target) whose condition holds."""

    rule: Rule
    target: str
    severity: str
    summary: str
    value: str = ""


@dataclass(slots=True)
class Tracked:
    """One (rule, target) whose condition held lately: pending or open (firing)."""

    rule: Rule
    target: str
    alert_id: str
    since: float
    severity: str
    summary: str
    value: str
    last_seen: float
    firing: bool = False
    active_polls: int = 1
    clear_since: float | None = None
    clear_polls: int = 0


@dataclass(frozen=True, slots=True)
class Transition:
    kind: str  # pending | firing | resolved | dropped | updated (severity or summary moved)
    alert: Tracked
    at: float


def alert_id(rule: str, target: str, since: float) -> str:
    """Stable for the life of one alert; another occurrence later gets another id."""
    return hashlib.sha1(f"{rule}\0{target}\0{since!r}".encode()).hexdigest()[:12]


class RuleSet:
    """The rules that apply to one target, indexed so a round costs per finding, not per rule:
    a target with no finding and a good poll is judged by its health rules alone."""

    __slots__ = ("health", "by_check", "metric", "_judged_all", "_judged_health")

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.health = tuple(r for r in rules if r.kind == HEALTH)
        self.metric = tuple(r for r in rules if r.kind == METRIC)
        self.by_check: dict[str, tuple[Rule, ...]] = {}
        for r in rules:
            if r.kind == FINDING:
                self.by_check[r.check] = (*self.by_check.get(r.check, ()), r)
        self._judged_health = frozenset(r.name for r in self.health)
        self._judged_all = frozenset(r.name for r in rules)

    def for_check(self, check: str) -> tuple[Rule, ...]:
        """Rules on ``check`` itself or on a family it belongs to ("access" for "access.stale")."""
        found = self.by_check.get(check, ())
        while "." in check:
            check = check.rsplit(".", 1)[0]
            found = found + self.by_check.get(check, ())
        return found


def conditions(status: TargetStatus, rules: RuleSet | tuple[Rule, ...], warn: bool
               ) -> tuple[dict[str, Condition], frozenset[str]]:
    """({rule name: condition} of the rules whose condition holds, names of the rules judged).

    While the target cannot be read its findings and metrics are not known: those rules are
    not judged (their alerts neither fire anew nor resolve), only the health rules are."""
    if not isinstance(rules, RuleSet):
        rules = RuleSet(tuple(rules))
    health = status.health.value
    if health == "pending":
        return {}, frozenset()
    active: dict[str, Condition] = {}
    for rule in rules.health:
        if health in rule.states:
            active[rule.name] = Condition(rule, status.target, rule.severity or "critical", _(
                "{target}: {state}: {message}").format(
                target=status.target, state=health, message=status.message or health), health)
    if status.health.is_failure:
        return active, rules._judged_health
    for f in status.findings:
        for rule in rules.for_check(f.check):
            found = _finding_condition(status, rule, warn)
            if found is not None:
                active[rule.name] = found
    if rules.metric:
        snap = status.snapshot
        samples = snap.samples() if snap is not None else []
        for rule in rules.metric:
            found = _metric_condition(status.target, rule, samples)
            if found is not None:
                active[rule.name] = found
    return active, rules._judged_all


def _finding_condition(status: TargetStatus, rule: Rule, warn: bool) -> Condition | None:
    worst = None
    for f in status.findings:
        if not rule.matches_check(f.check):
            continue
        if f.severity.value == "critical" or (warn and f.severity.value == "warning"):
            if worst is None or f.severity.rank > worst.severity.rank:
                worst = f
    if worst is None:
        return None
    return Condition(rule, status.target, rule.severity or worst.severity.value,
                     _("{target}: {message}").format(target=status.target, message=worst.message),
                     worst.severity.value)


def _metric_condition(target: str, rule: Rule, samples) -> Condition | None:
    threshold = rule.threshold
    hits = [s for s in samples if s.metric == rule.metric
            and (s.value < threshold if rule.below else s.value > threshold)]
    if not hits:
        return None
    worst = min(hits, key=lambda s: s.value) if rule.below else max(hits, key=lambda s: s.value)
    where = f"{rule.metric} {worst.label}".strip()
    text = (_("{target}: {metric} is {value:g} (under {limit:g})") if rule.below
            else _("{target}: {metric} is {value:g} (over {limit:g})"))
    return Condition(rule, target, rule.severity or "warning",
                     text.format(target=target, metric=where, value=worst.value, limit=threshold),
                     f"{worst.value:g}")


class Evaluator:
    """The (rule, target) pairs whose condition held lately, and their transitions.

    Not thread-safe: the service calls it under its own lock. ``for_s``/``clear_s`` of None
    (neither the rule nor ``[alerts]`` gives one) mean two polls in a row."""

    def __init__(self, for_s: float | None = None, clear_s: float | None = None) -> None:
        self.for_s, self.clear_s = for_s, clear_s
        self._tracked: dict[str, dict[str, Tracked]] = {}  # target -> rule name -> tracked

    def restore(self, tracked: Tracked) -> None:
        """An alert the store holds open (a restart): it goes on, no second alert fires."""
        self._tracked.setdefault(tracked.target, {})[tracked.rule.name] = tracked

    def tracked(self) -> list[Tracked]:
        return [t for per in self._tracked.values() for t in per.values()]

    def forget(self, target: str) -> None:
        self._tracked.pop(target, None)

    def observe(self, target: str, active: dict[str, Condition], judged: frozenset[str], now: float
                ) -> list[Transition]:
        """One poll of ``target``: the conditions that hold and the rules that were judged."""
        per = self._tracked.get(target)
        out: list[Transition] = []
        for name, cond in active.items():
            t = per.get(name) if per else None
            if t is None:
                t = Tracked(cond.rule, target, alert_id(name, target, now), now, cond.severity,
                            cond.summary, cond.value, now)
                per = self._tracked.setdefault(target, {})
                per[name] = t
                out.append(Transition(PENDING, t, now))
            else:
                self._held(t, cond, now, out)
            self._maybe_fire(t, now, out)
        if per:
            for name in [n for n in per if n not in active and n in judged]:
                self._clear(per, per[name], now, out)
            if not per:
                self._tracked.pop(target, None)
        return out

    def _held(self, t: Tracked, cond: Condition, now: float, out: list[Transition]) -> None:
        t.active_polls += 1
        t.clear_since, t.clear_polls, t.last_seen = None, 0, now
        moved = _RANK.get(cond.severity, 0) > _RANK.get(t.severity, 0) or cond.summary != t.summary
        if _RANK.get(cond.severity, 0) > _RANK.get(t.severity, 0):
            t.severity = cond.severity
        t.summary, t.value = cond.summary, cond.value
        if moved and t.firing:
            out.append(Transition(UPDATED, t, now))

    def _maybe_fire(self, t: Tracked, now: float, out: list[Transition]) -> None:
        if t.firing:
            return
        for_s = t.rule.for_s if t.rule.for_s is not None else self.for_s
        held = (now - t.since >= for_s) if for_s is not None else t.active_polls >= POLLS_TO_DECIDE
        if held:
            t.firing = True
            out.append(Transition(FIRING, t, now))

    def _clear(self, per: dict[str, Tracked], t: Tracked, now: float, out: list[Transition]) -> None:
        if not t.firing:  # never fired: it was a blip, not an alert
            del per[t.rule.name]
            out.append(Transition(DROPPED, t, now))
            return
        if t.clear_since is None:
            t.clear_since = now
        t.clear_polls += 1
        self._maybe_resolve(per, t, now, out)

    def _maybe_resolve(self, per: dict[str, Tracked], t: Tracked, now: float, out: list[Transition]) -> None:
        clear_s = t.rule.clear_s if t.rule.clear_s is not None else self.clear_s
        if t.clear_since is None:
            return
        done = (now - t.clear_since >= clear_s) if clear_s is not None else t.clear_polls >= POLLS_TO_DECIDE
        if done:
            del per[t.rule.name]
            out.append(Transition(RESOLVED, t, now))

    def tick(self, now: float) -> list[Transition]:
        """Time alone moves a pending condition past ``for_s`` or a clear one past ``clear_s``
        (with explicit seconds; counted polls wait for the next poll)."""
        out: list[Transition] = []
        for target in list(self._tracked):
            per = self._tracked[target]
            for t in list(per.values()):
                if not t.firing and t.clear_since is None and t.last_seen >= t.since:
                    for_s = t.rule.for_s if t.rule.for_s is not None else self.for_s
                    if for_s is not None and t.active_polls >= 1 and now - t.since >= for_s:
                        self._maybe_fire(t, now, out)
                elif t.firing:
                    self._maybe_resolve(per, t, now, out)
            if not per:
                del self._tracked[target]
        return out
