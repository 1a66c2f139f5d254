"""Words of the SOP page: step states and kinds, schedules, due and overdue markers, times,
and which step actions a person may take now (and why not)."""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication

from erpconsole.services.sop.models import (
    ACTION, APPROVAL, CHECK, FAILED, MANUAL, OPEN, PASSED, SKIPPED, DueRun, SopRun, SopStep, StepState,
)
from erpconsole.ui.common.words import counted


def _tr(text: str) -> str:
    return QCoreApplication.translate("sop", text)


def state_label(state: str) -> str:
    return {OPEN: _tr("open"), PASSED: _tr("passed"), FAILED: _tr("failed"), SKIPPED: _tr("skipped")}.get(state, state)


def state_level(state: str) -> str:
    """The theme level a step state is coloured with."""
    return {PASSED: "ok", FAILED: "critical", SKIPPED: "warning"}.get(state, "pending")


def kind_label(kind: str) -> str:
    return {MANUAL: _tr("manual"), CHECK: _tr("check"), ACTION: _tr("action"),
            APPROVAL: _tr("approval")}.get(kind, kind)


def outcome_label(outcome: str) -> str:
    return {OPEN: _tr("open"), PASSED: _tr("passed"), FAILED: _tr("failed")}.get(outcome, outcome)


def when_text(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else ""


def age_text(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 3600:
        return _tr("{0} min").format(int(seconds // 60))
    if seconds < 2 * 86400:
        return _tr("{0} h").format(int(seconds // 3600))
    return _tr("{0} d").format(int(seconds // 86400))


def schedule_text(schedule: str) -> str:
    return schedule or _tr("on demand")


def due_marker(due: DueRun | None, now: float) -> tuple[str, str]:
    """(text, level) for a template's row in the library: overdue, due, or nothing."""
    if due is None:
        return "", ""
    if due.overdue:
        return _tr("OVERDUE {0}").format(age_text(now - due.due)), "critical"
    return _tr("due {0}").format(time.strftime("%H:%M", time.localtime(due.due))), "warning"


def overdue_summary(due: list[DueRun], now: float) -> str:
    """The Overview's banner: how many runs are overdue and the most overdue one; "" when none."""
    late = sorted((d for d in due if d.overdue), key=lambda d: d.due)
    if not late:
        return ""
    first = late[0]
    return counted("sop", "SOP: %n run overdue; most overdue: {0} (due {1} ago)",
                   "SOP: %n runs overdue; most overdue: {0} (due {1} ago)", len(late)).format(
        first.title, age_text(now - first.due))


def run_title(run: SopRun) -> str:
    """Two lines, so a narrow list cuts the end of a line, never the middle of the date: the
    procedure and its progress, then when and by whom it was started."""
    first = _tr("{0} · {1}/{2}").format(run.template.title, run.done, len(run.steps))
    second = _tr("started {0} by {1}").format(when_text(run.started), run.started_by or "?")
    return first + "\n" + second


#: What the open runs list gives room for: the second line of ``run_title`` with a short name.
RUN_TITLE_ROOM = "started 0000-00-00 00:00 by someone"


def step_message(state: StepState) -> str:
    """One line for the steps table: the skip reason, the check's verdict, or the note."""
    return state.message or state.note


def signed_text(run: SopRun) -> str:
    return _tr("Signed by {0} on {1}: a signed run is read-only.").format(run.signed_by, when_text(run.signed_ts))


def step_actions(run: SopRun, step: SopStep, note: str, evidence: str, saving: bool) -> dict[str, tuple[bool, str]]:
    """name -> (enabled, tooltip) for tick, fail, skip, reopen, check, open: the rules a person
    meets on the page, kept here so they can be read (and tested) in one place."""
    names = ("tick", "fail", "skip", "reopen", "check", "open")
    if run.signed:
        return {n: (False, signed_text(run)) for n in names}
    if saving:
        return {n: (False, _tr("Saving the last change…")) for n in names}
    state = run.state_of(step.id).state
    is_open = state == OPEN
    done = _tr("The step is {0}: reopen it first.").format(state_label(state))
    tick = (is_open and step.kind != CHECK, done if not is_open else
            _tr("A check step passes by itself: run the check.") if step.kind == CHECK else "")
    if tick[0] and step.evidence and not evidence.strip():
        tick = (False, _tr("Give the {0} first.").format(step.evidence))
    if tick[0] and step.kind == APPROVAL and not evidence.strip():
        tick = (False, _tr("Type the name of the {0} who approves.").format(step.role or _tr("approver")))
    skip = (is_open and bool(note.strip()), done if not is_open else "" if note.strip()
            else _tr("Type the reason for skipping in the note first."))
    return {
        "tick": tick,
        "fail": (is_open and step.kind != CHECK and bool(note.strip()), done if not is_open else ""
                 if note.strip() else _tr("Type what is wrong in the note first.")),
        "skip": skip,
        "reopen": (not is_open, "" if not is_open else _tr("The step is open already.")),
        "check": (step.kind == CHECK and state != SKIPPED, ""),
        "open": (step.kind == ACTION and bool(step.action), ""),
    }
