"""SOP runs as one service: the template library, runs saved step by step, checks on live
data, sign-off, schedules and compliance. Every change goes to the audit trail. Every method
blocks (store, live checks): the bridge calls them on its worker thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo

from erpconsole.i18n import _, ngettext
from erpconsole.services.sop import schedule as scheduling
from erpconsole.services.sop.models import (
    APPROVAL, CHECK, FAILED, OPEN, PASSED, SKIPPED, CheckResult, Compliance, DueRun, SopRun,
    SopStep, SopTemplate, StepState, TemplateError,
)
from erpconsole.services.sop.runs import RunStore
from erpconsole.services.store.audit import default_actor

log = logging.getLogger(__name__)


class SopService:
    def __init__(self, engine, inventory, audit=None, check_context=None, template_dirs=(), now=None,
                 checks: Mapping | None = None, library: Sequence[SopTemplate] | None = None,
                 tz: tzinfo | None = None) -> None:
        """``check_context()`` returns the live data checks judge (see services/sop/checks.py
        CheckContext); ``template_dirs``: folders of the team's own templates beside the bundled
        ones; ``now``: a clock for tests. ``checks``: name -> CheckSpec (default: every check in
        services/sop/checks.py); ``library``: a fixed set of templates instead of the files;
        ``tz``: the zone schedules are read in (default: the machine's local time)."""
        self.inventory = inventory
        self.audit = audit
        self.store = RunStore(engine)
        self._check_context = check_context
        self._template_dirs = tuple(template_dirs)
        self._now = now or time.time
        self._checks = checks
        self._library = tuple(library) if library is not None else None
        self._tz = tz
        self._lock = threading.Lock()

    # -- the library ------------------------------------------------------------------------------

    def templates(self) -> tuple[list[SopTemplate], list[TemplateError]]:
        """Bundled and the team's own templates, and the files that were refused."""
        if self._library is not None:
            return list(self._library), []
        from erpconsole.services.sop.templates import load_templates

        return load_templates(self._template_dirs, bundled=True)

    def _template(self, template_id: str) -> SopTemplate:
        # The loader lists bundled templates first: a team's own file of the same id wins.
        found = {t.id: t for t in self.templates()[0]}
        if template_id not in found:
            raise ValueError(_("there is no SOP template named {id}").format(id=template_id))
        return found[template_id]

    # -- runs -------------------------------------------------------------------------------------

    def start(self, template_id: str, actor: str | None = None, due: float | None = None) -> SopRun:
        """``due`` None on a scheduled template answers its newest occurrence, if no run has."""
        template = self._template(template_id)
        actor = actor or default_actor()
        now = self._now()
        with self._lock:
            if due is None and template.schedule:
                due = self._unanswered(template, now)
            run_id = self.store.create(template, now, actor, due)
        self._audit("sop.start", template.id, run_id, {"version": template.version, "due": due}, actor, now)
        return self.run(run_id)

    def _unanswered(self, template: SopTemplate, now: float) -> float | None:
        try:
            at = scheduling.latest(scheduling.parse_schedule(template.schedule), now, self._tz)
        except ValueError:
            return None
        if at is None or any(r.due == at for r in self.store.runs(template_id=template.id, limit=50)):
            return None
        return at

    def run(self, run_id: int) -> SopRun:
        found = self.store.get(run_id)
        if found is None:
            raise ValueError(_("there is no SOP run {id}").format(id=run_id))
        return found

    def history(self, run_id: int) -> list[StepState]:
        """Every change to the run's steps, oldest first (a reopened tick stays in it)."""
        return self.store.history(run_id)

    def runs(self, template_id: str | None = None, actor: str | None = None, outcome: str | None = None,
             limit: int = 200) -> list[SopRun]:
        """Newest first. ``actor``: runs this person started, signed or changed a step of;
        ``outcome``: open, passed or failed."""
        filtered = actor is not None or outcome is not None
        found = self.store.runs(template_id=template_id, limit=None if filtered else limit)
        if actor is not None:
            found = [r for r in found if actor in _people(r)]
        if outcome is not None:
            found = [r for r in found if r.outcome == outcome]
        return found[:limit]

    def open_runs(self) -> list[SopRun]:
        """Runs not signed yet (to resume)."""
        return self.store.runs(unsigned=True)

    # -- steps ------------------------------------------------------------------------------------

    def tick(self, run_id: int, step_id: str, note: str = "", evidence: str = "",
             actor: str | None = None) -> SopRun:
        """A manual, action or approval step passed. ValueError: signed run, unknown step,
        evidence required but empty, approval by nobody."""
        run, step = self._writable(run_id, step_id)
        if step.kind == CHECK:
            raise ValueError(_("step {step} is a check: it passes by itself when its check passes "
                               "(run the check, or skip the step with a reason)").format(step=step.id))
        if step.evidence and not evidence.strip():
            raise ValueError(_("step {step} needs {what} before it can be ticked").format(
                step=step.id, what=step.evidence))
        if step.kind == APPROVAL and not (actor or "").strip():
            raise ValueError(_("step {step} is an approval: give the name of the person who approves "
                               "as {role}").format(step=step.id, role=step.role or _("approver")))
        state = StepState(step.id, PASSED, actor or default_actor(), self._now(), note.strip(),
                          evidence.strip(), step.role if step.kind == APPROVAL else "")
        return self._record(run, state, "sop.tick")

    def fail(self, run_id: int, step_id: str, note: str, actor: str | None = None) -> SopRun:
        """ValueError without a note (what was wrong)."""
        run, step = self._writable(run_id, step_id)
        if not note.strip():
            raise ValueError(_("say what is wrong to fail step {step}").format(step=step.id))
        state = StepState(step.id, FAILED, actor or default_actor(), self._now(), note.strip())
        return self._record(run, state, "sop.fail")

    def skip(self, run_id: int, step_id: str, reason: str, actor: str | None = None) -> SopRun:
        """ValueError without a reason."""
        run, step = self._writable(run_id, step_id)
        if not reason.strip():
            raise ValueError(_("a skipped step needs a reason ({step})").format(step=step.id))
        state = StepState(step.id, SKIPPED, actor or default_actor(), self._now(), message=reason.strip())
        return self._record(run, state, "sop.skip")

    def reopen(self, run_id: int, step_id: str, actor: str | None = None) -> SopRun:
        """Back to open (undo a tick by mistake); kept in the history."""
        run, step = self._writable(run_id, step_id)
        if run.state_of(step.id).state == OPEN:
            raise ValueError(_("step {step} is open already").format(step=step.id))
        state = StepState(step.id, OPEN, actor or default_actor(), self._now())
        return self._record(run, state, "sop.reopen")

    def run_check(self, run_id: int, step_id: str, actor: str | None = None) -> SopRun:
        """Runs (or re-runs) a check step on live data; it passes or fails by itself and
        stores what it saw. A check that cannot run yet leaves the step open with the reason."""
        run, step = self._writable(run_id, step_id)
        if step.kind != CHECK:
            raise ValueError(_("step {step} is not a check").format(step=step.id))
        result = self.check_now(step.check, dict(step.params))
        verdict = {True: PASSED, False: FAILED}.get(result.ok, OPEN)
        state = StepState(step.id, verdict, actor or default_actor(), self._now(),
                          message=result.message, values=result.values)
        return self._record(run, state, "sop.check", {"check": step.check, "ok": result.ok})

    def run_checks(self, run_id: int, actor: str | None = None) -> SopRun:
        """Every open check step of the run."""
        run = self.run(run_id)
        _refuse_signed(run)
        for step in run.template.steps:
            if step.kind == CHECK and run.state_of(step.id).state == OPEN:
                run = self.run_check(run_id, step.id, actor)
        return run

    def sign(self, run_id: int, signer_name: str, actor: str | None = None) -> SopRun:
        """Finish and sign; ValueError while steps are open. Read-only afterwards."""
        run = self.run(run_id)
        _refuse_signed(run)
        if not signer_name.strip():
            raise ValueError(_("type the name of the person who signs the run"))
        still_open = [s.step_id for s in run.steps if s.state == OPEN]
        if still_open:
            raise ValueError(ngettext("{n} step still open: {steps}", "{n} steps still open: {steps}",
                                      len(still_open)).format(
                n=len(still_open), steps=", ".join(still_open)))
        actor, now = actor or default_actor(), self._now()
        with self._lock:
            if not self.store.sign(run_id, signer_name.strip(), actor, now):
                _refuse_signed(self.run(run_id))
        self._audit("sop.sign", run.template.id, run_id, {
            "signed_by": signer_name.strip(), "outcome": run.outcome,
            "steps": {s.step_id: s.state for s in run.steps}}, actor, now)
        return self.run(run_id)

    def _writable(self, run_id: int, step_id: str) -> tuple[SopRun, SopStep]:
        run = self.run(run_id)
        _refuse_signed(run)
        step = next((s for s in run.template.steps if s.id == step_id), None)
        if step is None:
            raise ValueError(_("{template} has no step {step}").format(template=run.template.id, step=step_id))
        return run, step

    def _record(self, run: SopRun, state: StepState, action: str, extra: dict | None = None) -> SopRun:
        with self._lock:
            # Read again under the lock: another thread may have signed since _writable.
            _refuse_signed(self.run(run.id))
            self.store.append(run.id, state)
        details = {"step": state.step_id, "state": state.state, "note": state.note,
                   "evidence": state.evidence, "message": state.message,
                   "values": [list(v) for v in state.values], **(extra or {})}
        self._audit(action, run.template.id, run.id, details, state.actor, state.ts)
        return self.run(run.id)

    def _audit(self, action: str, template_id: str, run_id: int, details: dict, actor: str,
               ts: float | None) -> None:
        if self.audit is not None:
            self.audit.append(action, f"{template_id}#{run_id}", details, actor=actor, ts=ts)

    # -- schedules --------------------------------------------------------------------------------

    def due(self, now: float | None = None) -> list[DueRun]:
        """Scheduled runs due now or overdue (for the Overview and the status bar)."""
        now = self._now() if now is None else now
        templates = self.templates()[0]
        answering = [r for t in templates if t.schedule for r in self.store.runs(template_id=t.id, limit=100)]
        return scheduling.due_runs(templates, answering, self.open_runs(), now, self._tz, since=self._in_use_since(now))

    def _in_use_since(self, now: float) -> float:
        """Since when the console kept a record here (its first event or run): an occurrence
        before that was never the console's to remind of, so it is neither due nor missed."""
        first = [t for t in (self.store.first_started(), self.store.first_event()) if t is not None]
        return min(first) if first else now

    def compliance(self, months: int = 6, now: float | None = None) -> list[Compliance]:
        now = self._now() if now is None else now
        templates = [t for t in self.templates()[0] if t.schedule]
        since = scheduling.month_starts(months, now, self._tz)[0]
        runs = [r for t in templates for r in self.store.runs(template_id=t.id, due_from=since)]
        since = self._in_use_since(now)
        return scheduling.compliance(templates, runs, months, now, self._tz, since=since)

    # -- checks -----------------------------------------------------------------------------------

    def check_now(self, name: str, params: dict | None = None) -> CheckResult:
        """One named check on live data, outside any run (the report uses it)."""
        checks = self._checks
        if checks is None:
            from erpconsole.services.sop.checks import CHECKS

            checks = CHECKS
        spec = checks.get(name)
        if spec is None:
            return CheckResult(None, _("there is no check named {name} in this console yet").format(name=name))
        try:
            ctx = self._check_context() if self._check_context is not None else None
            if ctx is None:
                return CheckResult(None, _("no live data is connected to check against"))
            return spec.run(ctx, dict(params or {}))
        except Exception as exc:  # a broken check must leave its step open, never pass it
            log.exception("SOP check %s", name)
            return CheckResult(None, _("the check could not run: {error}").format(error=exc))


def _refuse_signed(run: SopRun) -> None:
    if run.signed:
        when = datetime.fromtimestamp(run.signed_ts).strftime("%Y-%m-%d %H:%M")
        raise ValueError(_("this run was signed by {name} on {when}; it is read-only").format(
            name=run.signed_by, when=when))


def _people(run: SopRun) -> set[str]:
    return {run.started_by, run.signed_by, run.signed_actor} | {s.actor for s in run.steps if s.actor}
