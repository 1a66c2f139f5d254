"""SOP runs in the store: a run row keeps the template as it was at the start, and every change
to a step is a new event (append-only). A step's state is its newest event, so a run read back
after a crash shows every tick that was committed."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from sqlalchemy import Engine, text

from erpconsole.services.sop.models import SopRun, SopSection, SopStep, SopTemplate, StepState

_RUN_COLS = "id, template_id, template_json, started, started_by, due, finished, signed_by, signed_actor, signed_ts"
_EVENT_COLS = "run_id, step_id, state, actor, ts, note, evidence, message, values_json"
_STEP_FIELDS = {f.name for f in fields(SopStep)}
_TEMPLATE_FIELDS = {f.name for f in fields(SopTemplate)} - {"sections"}


# -- templates as JSON ------------------------------------------------------------------------

def template_to_json(template: SopTemplate) -> str:
    return json.dumps(asdict(template), ensure_ascii=False, sort_keys=True)


def template_from_json(body: str) -> SopTemplate:
    """Unknown keys are ignored, so a run written by a newer console still opens."""
    data = json.loads(body)
    sections = tuple(SopSection(s["title"], tuple(_step(st) for st in s["steps"]))
                     for s in data.get("sections", ()))
    head = {k: v for k, v in data.items() if k in _TEMPLATE_FIELDS}
    return SopTemplate(sections=sections, **head)


def _step(data: dict[str, Any]) -> SopStep:
    known = {k: v for k, v in data.items() if k in _STEP_FIELDS}
    known["params"] = tuple((str(k), str(v)) for k, v in known.get("params", ()))
    return SopStep(**known)


def _values(body: str) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in json.loads(body or "[]"))


# -- the store --------------------------------------------------------------------------------

class RunStore:
    """Reads and writes runs; safe from any thread (each call has its own transaction)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, template: SopTemplate, started: float, started_by: str, due: float | None) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(text(
                "INSERT INTO sop_runs (template_id, template_json, started, started_by, due, signed_by, "
                "signed_actor) VALUES (:t, :j, :s, :by, :due, '', '') RETURNING id"),
                {"t": template.id, "j": template_to_json(template), "s": started, "by": started_by,
                 "due": due}).scalar_one())

    def append(self, run_id: int, state: StepState) -> None:
        values = json.dumps([list(v) for v in state.values], ensure_ascii=False)
        with self.engine.begin() as conn:
            conn.execute(text(
                f"INSERT INTO sop_events ({_EVENT_COLS}) VALUES (:run_id, :step_id, :state, :actor, :ts, "
                ":note, :evidence, :message, :values_json)"),
                {"run_id": run_id, "step_id": state.step_id, "state": state.state, "actor": state.actor,
                 "ts": state.ts, "note": state.note, "evidence": state.evidence, "message": state.message,
                 "values_json": values})

    def sign(self, run_id: int, signed_by: str, signed_actor: str, ts: float) -> bool:
        """False if the run was signed already (by another console in the meantime)."""
        with self.engine.begin() as conn:
            done = conn.execute(text(
                "UPDATE sop_runs SET finished = :ts, signed_by = :by, signed_actor = :actor, signed_ts = :ts "
                "WHERE id = :id AND signed_ts IS NULL"),
                {"ts": ts, "by": signed_by, "actor": signed_actor, "id": run_id})
            return done.rowcount == 1

    def first_started(self) -> float | None:
        """When the team began keeping runs here: compliance is not judged before it."""
        with self.engine.connect() as conn:
            # A run answers its due time, which may lie a little before it was started.
            return _float(conn.execute(text("SELECT MIN(COALESCE(due, started)) FROM sop_runs")).scalar())

    def first_event(self) -> float | None:
        """The store's first event: when the console began watching here."""
        with self.engine.connect() as conn:
            return _float(conn.execute(text("SELECT MIN(ts) FROM events")).scalar())

    def get(self, run_id: int) -> SopRun | None:
        found = self.runs(run_ids=[run_id])
        return found[0] if found else None

    def runs(self, template_id: str | None = None, unsigned: bool = False, run_ids=None,
             limit: int | None = None, due_from: float | None = None) -> list[SopRun]:
        """Newest first, each with its steps' current states; ``due_from``: only runs that
        answer a scheduled time at or after it."""
        where, params = ["1=1"], {}
        if due_from is not None:
            where.append("due >= :due_from")
            params["due_from"] = due_from
        if template_id is not None:
            where.append("template_id = :t")
            params["t"] = template_id
        if unsigned:
            where.append("signed_ts IS NULL")
        if run_ids is not None:
            ids = [int(i) for i in run_ids] or [-1]
            where.append(f"id IN ({', '.join(str(i) for i in ids)})")
        sql = f"SELECT {_RUN_COLS} FROM sop_runs WHERE {' AND '.join(where)} ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self.engine.connect() as conn:
            rows = conn.execute(text(sql), params).all()
        events = self._events([r[0] for r in rows])
        return [_run(r, events.get(r[0], [])) for r in rows]

    def history(self, run_id: int) -> list[StepState]:
        """Every event of the run, oldest first."""
        return self._events([run_id]).get(run_id, [])

    def _events(self, run_ids: list[int]) -> dict[int, list[StepState]]:
        if not run_ids:
            return {}
        ids = ", ".join(str(int(i)) for i in run_ids)
        with self.engine.connect() as conn:
            rows = conn.execute(text(f"SELECT {_EVENT_COLS} FROM sop_events WHERE run_id IN ({ids}) "
                                     "ORDER BY id")).all()
        out: dict[int, list[StepState]] = {}
        for r in rows:
            out.setdefault(int(r[0]), []).append(
                StepState(r[1], r[2], r[3], float(r[4]), r[5], r[6], r[7], _values(r[8])))
        return out


def _run(row, events: list[StepState]) -> SopRun:
    template = template_from_json(row[2])
    newest = {e.step_id: e for e in events}  # events are oldest first: the last one wins
    steps = tuple(newest.get(step.id, StepState(step.id)) for step in template.steps)
    return SopRun(int(row[0]), template, float(row[3]), row[4], steps,
                  _float(row[5]), _float(row[6]), row[7] or "", row[8] or "", _float(row[9]))


def _float(value) -> float | None:
    return None if value is None else float(value)
