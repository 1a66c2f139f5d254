"""Shapes of standard operating procedures and their runs that cross threads and reach the UI
(frozen dataclasses). Times are epoch seconds."""

from __future__ import annotations

from dataclasses import dataclass

# SopStep.kind
MANUAL = "manual"  # a person ticks it (with a note, and evidence when the step asks for it)
CHECK = "check"  # bound to a named check on live data; passes or fails by itself
ACTION = "action"  # opens the page or starts the drill it names
APPROVAL = "approval"  # a person in the named role signs it
STEP_KINDS = (MANUAL, CHECK, ACTION, APPROVAL)

# StepState.state
OPEN = "open"
PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"
STEP_STATES = (OPEN, PASSED, FAILED, SKIPPED)


@dataclass(frozen=True, slots=True)
class SopStep:
    id: str  # unique within its template; runs refer to steps by it
    title: str
    kind: str
    why: str = ""
    article: str = ""  # a knowledge article: a URL or a path
    check: str = ""  # CHECK: the name of a check in services/sop/checks.py
    params: tuple[tuple[str, str], ...] = ()  # CHECK: its parameters, e.g. (("max_percent", "85"),)
    evidence: str = ""  # MANUAL: what must be given to tick it ("ticket number"); "" = nothing
    action: str = ""  # ACTION: a page name ("backups") or "drill:<backup set>"
    role: str = ""  # APPROVAL: who signs ("DBA", "security officer")
    line: int | None = None  # where the step is written in its file


@dataclass(frozen=True, slots=True)
class SopSection:
    title: str
    steps: tuple[SopStep, ...]


@dataclass(frozen=True, slots=True)
class SopTemplate:
    id: str  # stable name, e.g. "daily-inspection"
    title: str
    version: str
    description: str = ""
    schedule: str = ""  # "" | "daily 08:00" | "weekly mon 09:00" | "monthly 1 09:00"
    sections: tuple[SopSection, ...] = ()
    source: str = ""  # the file it was read from
    bundled: bool = False

    @property
    def steps(self) -> tuple[SopStep, ...]:
        return tuple(step for section in self.sections for step in section.steps)


@dataclass(frozen=True, slots=True)
class TemplateError:
    """A template file that was refused: ``FILE:LINE: what is wrong``."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What a check saw: ``ok`` None means the check cannot run yet (no data, not configured);
    such a step never passes by itself."""

    ok: bool | None
    message: str
    values: tuple[tuple[str, str], ...] = ()  # ("erp-app-1 /", "91%") ...


@dataclass(frozen=True, slots=True)
class StepState:
    step_id: str
    state: str = OPEN
    actor: str = ""
    ts: float | None = None
    note: str = ""
    evidence: str = ""
    message: str = ""  # a check's verdict, a skip's reason
    values: tuple[tuple[str, str], ...] = ()  # what a check saw


@dataclass(frozen=True, slots=True)
class SopRun:
    id: int
    template: SopTemplate  # as it was when the run started (later edits do not rewrite history)
    started: float
    started_by: str
    steps: tuple[StepState, ...] = ()  # one per template step, in template order
    due: float | None = None  # the scheduled time this run answers, if any
    finished: float | None = None
    signed_by: str = ""
    signed_actor: str = ""
    signed_ts: float | None = None

    @property
    def signed(self) -> bool:
        return self.signed_ts is not None

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.state != OPEN)

    @property
    def outcome(self) -> str:
        """open while steps are open, failed if any failed, else passed."""
        if any(s.state == OPEN for s in self.steps):
            return OPEN
        return FAILED if any(s.state == FAILED for s in self.steps) else PASSED

    def state_of(self, step_id: str) -> StepState:
        return next((s for s in self.steps if s.step_id == step_id), StepState(step_id))


@dataclass(frozen=True, slots=True)
class DueRun:
    """A scheduled run that is due or overdue."""

    template_id: str
    title: str
    due: float
    overdue: bool
    run_id: int | None = None  # a run started for it but not signed


@dataclass(frozen=True, slots=True)
class Compliance:
    """Share of scheduled runs done on time, per template and month ("2026-11")."""

    template_id: str
    month: str
    scheduled: int
    on_time: int
    late: int
    missed: int
