"""SOP runs on a real store: saved step by step, every rule of ticking, checks, sign-off and
read-only afterwards, the audit chain, and a run resumed by a new service on the same store."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import exc as sa_exc, text

from erpconsole.services.sop.checks import CheckSpec, Param
from erpconsole.services.sop.context import CheckContext
from erpconsole.services.sop.models import (
    ACTION, APPROVAL, CHECK, FAILED, MANUAL, OPEN, PASSED, SKIPPED, CheckResult, SopSection,
    SopStep, SopTemplate,
)
from erpconsole.services.sop.runs import template_from_json, template_to_json
from erpconsole.services.sop.service import SopService
from erpconsole.services.store import Store
from tests.services.store.conftest import pg_url  # noqa: F401 - the fixture, a fresh PostgreSQL database

T0 = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        self.t += 1.0  # every change gets its own second, so ordering is visible
        return self.t


def _disk(ctx: CheckContext, p) -> CheckResult:
    """A real check over what the test puts in the context: each status is (host, used %)."""
    rows = [(f"{name} /", f"{used:.0f}%") for name, used in ctx.statuses]
    if not rows:
        return CheckResult(None, "no host polled yet")
    ok = all(used < p["max_percent"] for _n, used in ctx.statuses)
    return CheckResult(ok, "every disk below the limit" if ok else "a disk is above the limit", tuple(rows))


def _broken(ctx, p) -> CheckResult:
    raise RuntimeError("monitor went away")


CHECKS = {
    "disk": CheckSpec("disk", "Disk", "every disk below max_percent", _disk,
                      (Param("max_percent", 85, 1, 100),)),
    "broken": CheckSpec("broken", "Broken", "raises", _broken),
}

TEMPLATE = SopTemplate(
    id="daily-inspection", title="Daily inspection", version="3", schedule="daily 08:00",
    sections=(
        SopSection("Hardware", (
            SopStep("disk", "Disks below 85%", CHECK, check="disk", params=(("max_percent", "85"),)),
            SopStep("console", "Look at the hardware console", MANUAL, why="fans and PSUs"),
        )),
        SopSection("Backups", (
            SopStep("ticket", "File the inspection ticket", MANUAL, evidence="ticket number"),
            SopStep("drill", "Open the Backups page", ACTION, action="backups"),
            SopStep("approve", "DBA approves", APPROVAL, role="DBA"),
        )),
    ))
OTHER = SopTemplate(id="offboarding", title="Staff offboarding", version="1", sections=(
    SopSection("Accounts", (SopStep("lock", "Lock accounts", MANUAL),)),))


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.fixture
def store(url):
    s = Store(url)
    yield s
    s.close()


def _service(store, statuses=(("erp-app-1", 40.0),), library=(TEMPLATE, OTHER), context=True, clock=None):
    ctx = CheckContext(statuses=tuple(statuses), backups=None, access=None, now=T0)
    return SopService(store.engine, None, audit=store.audit, check_context=(lambda: ctx) if context else None,
                      checks=CHECKS, library=library, now=clock or Clock())


def _finish(svc: SopService, run_id: int) -> None:
    svc.run_check(run_id, "disk")
    svc.tick(run_id, "console", note="all green")
    svc.tick(run_id, "ticket", evidence="INC-4711")
    svc.skip(run_id, "drill", "drill done yesterday")
    svc.tick(run_id, "approve", actor="Li Wei")


def test_template_survives_json_unchanged() -> None:
    assert template_from_json(template_to_json(TEMPLATE)) == TEMPLATE


def test_start_keeps_the_template_as_it_was(store) -> None:
    run = _service(store).start("daily-inspection", actor="alice")
    assert [s.state for s in run.steps] == [OPEN] * 5
    assert (run.started_by, run.template) == ("alice", TEMPLATE)
    edited = SopTemplate(id="daily-inspection", title="Daily inspection", version="4")
    again = _service(store, library=(edited,)).run(run.id)
    assert again.template.version == "3" and len(again.template.steps) == 5
    with pytest.raises(ValueError, match="no SOP template named nope"):
        _service(store).start("nope")


def test_tick_rules(store) -> None:
    svc = _service(store)
    run_id = svc.start("daily-inspection", actor="alice").id
    run = svc.tick(run_id, "console", note=" fans fine ", actor="bob")
    state = run.state_of("console")
    assert (state.state, state.actor, state.note) == (PASSED, "bob", "fans fine")
    with pytest.raises(ValueError, match="needs ticket number"):
        svc.tick(run_id, "ticket", evidence="  ")
    assert svc.tick(run_id, "ticket", evidence="INC-4711").state_of("ticket").evidence == "INC-4711"
    with pytest.raises(ValueError, match="approval"):
        svc.tick(run_id, "approve")
    approved = svc.tick(run_id, "approve", actor="Li Wei").state_of("approve")
    assert (approved.state, approved.actor, approved.message) == (PASSED, "Li Wei", "DBA")
    with pytest.raises(ValueError, match="is a check"):
        svc.tick(run_id, "disk")
    with pytest.raises(ValueError, match="has no step ghost"):
        svc.tick(run_id, "ghost")


def test_fail_skip_reopen_and_history(store) -> None:
    svc = _service(store)
    run_id = svc.start("daily-inspection").id
    with pytest.raises(ValueError):
        svc.fail(run_id, "console", "")
    with pytest.raises(ValueError, match="needs a reason"):
        svc.skip(run_id, "drill", " ")
    assert svc.fail(run_id, "console", "PSU 2 amber").state_of("console").state == FAILED
    skipped = svc.skip(run_id, "drill", "drill done yesterday").state_of("drill")
    assert (skipped.state, skipped.message) == (SKIPPED, "drill done yesterday")
    assert svc.reopen(run_id, "console").state_of("console").state == OPEN
    with pytest.raises(ValueError, match="open already"):
        svc.reopen(run_id, "console")
    history = [(h.step_id, h.state) for h in svc.history(run_id)]
    assert history == [("console", FAILED), ("drill", SKIPPED), ("console", OPEN)]


def test_checks_pass_fail_or_stay_open_and_keep_what_they_saw(store) -> None:
    run_id = _service(store).start("daily-inspection").id
    passed = _service(store).run_check(run_id, "disk").state_of("disk")
    assert (passed.state, passed.values) == (PASSED, (("erp-app-1 /", "40%"),))
    failed = _service(store, statuses=[("erp-app-1", 91.0)]).run_check(run_id, "disk").state_of("disk")
    assert (failed.state, failed.message, failed.values) == (FAILED, "a disk is above the limit",
                                                              (("erp-app-1 /", "91%"),))
    unknown = _service(store, statuses=[]).run_check(run_id, "disk").state_of("disk")
    assert (unknown.state, unknown.message) == (OPEN, "no host polled yet")
    no_data = _service(store, context=False).run_check(run_id, "disk").state_of("disk")
    assert no_data.state == OPEN and "no live data" in no_data.message
    with pytest.raises(ValueError, match="not a check"):
        _service(store).run_check(run_id, "console")
    # Read back by a fresh service: the values are in the store, not in memory.
    assert [h.values for h in _service(store).history(run_id)][1] == (("erp-app-1 /", "91%"),)


def test_missing_or_broken_check_never_passes(store) -> None:
    template = SopTemplate(id="t", title="T", version="1", sections=(SopSection("S", (
        SopStep("a", "A", CHECK, check="not-written-yet"), SopStep("b", "B", CHECK, check="broken"),
        SopStep("c", "C", CHECK, check="disk", params=(("max_percent", "10"),)))),))
    svc = _service(store, library=(template,))
    run = svc.run_checks(svc.start("t").id)
    assert [s.state for s in run.steps] == [OPEN, OPEN, FAILED]
    assert "not-written-yet" in run.state_of("a").message
    assert "monitor went away" in run.state_of("b").message
    # run_checks runs open checks only: the failed one is not re-run (and stays failed).
    assert len(svc.run_checks(run.id).steps) == 3 and len(svc.history(run.id)) == 5


def test_sign_needs_every_step_and_a_name_then_read_only(store) -> None:
    svc = _service(store)
    run_id = svc.start("daily-inspection").id
    svc.tick(run_id, "console")
    with pytest.raises(ValueError, match="still open"):
        svc.sign(run_id, "Alice Chen")
    _finish(svc, run_id)
    with pytest.raises(ValueError, match="name"):
        svc.sign(run_id, "  ")
    signed = svc.sign(run_id, "Alice Chen", actor="alice@ws1")
    assert (signed.signed, signed.signed_by, signed.signed_actor, signed.outcome) == (True, "Alice Chen",
                                                                                      "alice@ws1", PASSED)
    writes = [lambda: svc.tick(run_id, "console"), lambda: svc.fail(run_id, "console", "x"),
              lambda: svc.skip(run_id, "console", "x"), lambda: svc.reopen(run_id, "console"),
              lambda: svc.run_check(run_id, "disk"), lambda: svc.run_checks(run_id),
              lambda: svc.sign(run_id, "Mallory")]
    for write in writes:
        with pytest.raises(ValueError, match="signed by Alice Chen .* read-only"):
            write()
    assert len(svc.history(run_id)) == 6 and svc.run(run_id).signed_by == "Alice Chen"


def test_step_history_is_append_only_in_the_database(store) -> None:
    svc = _service(store)
    svc.tick(svc.start("offboarding").id, "lock")
    for sql in ("UPDATE sop_events SET state = 'failed'", "DELETE FROM sop_events"):
        with pytest.raises(sa_exc.DatabaseError):
            with store.engine.begin() as conn:
                conn.execute(text(sql))


def test_runs_filters_and_open_runs(store) -> None:
    svc = _service(store)
    a = svc.start("daily-inspection", actor="alice").id
    b = svc.start("offboarding", actor="bob").id
    svc.fail(b, "lock", "HR list missing", actor="carol")
    c = svc.start("offboarding", actor="alice").id
    svc.tick(c, "lock")
    svc.sign(c, "Alice Chen")
    assert [r.id for r in svc.runs()] == [c, b, a]
    assert [r.id for r in svc.runs(template_id="offboarding")] == [c, b]
    assert [r.id for r in svc.runs(actor="carol")] == [b]
    assert [r.id for r in svc.runs(actor="alice")] == [c, a]
    assert [r.id for r in svc.runs(outcome=FAILED)] == [b]
    assert [r.id for r in svc.runs(outcome=PASSED)] == [c]
    assert [r.id for r in svc.runs(limit=1)] == [c]
    assert [r.id for r in svc.open_runs()] == [b, a]


def test_every_change_is_audited_and_the_chain_verifies(store) -> None:
    svc = _service(store)
    run_id = svc.start("daily-inspection", actor="alice").id
    _finish(svc, run_id)
    svc.reopen(run_id, "console")
    svc.tick(run_id, "console", note="second look")
    svc.sign(run_id, "Alice Chen")
    entries = list(reversed(store.audit.entries(target=f"daily-inspection#{run_id}")))
    assert [e.action for e in entries] == ["sop.start", "sop.check", "sop.tick", "sop.tick", "sop.skip",
                                           "sop.tick", "sop.reopen", "sop.tick", "sop.sign"]
    assert json.loads(entries[1].details)["values"] == [["erp-app-1 /", "40%"]]
    assert json.loads(entries[3].details)["evidence"] == "INC-4711"
    assert json.loads(entries[7].details)["note"] == "second look"
    assert entries[5].actor == "Li Wei"
    result = store.audit.verify()
    assert result.ok and result.count == 9


def test_a_new_service_resumes_every_tick(url) -> None:
    first = Store(url)
    svc = _service(first)
    run_id = svc.start("daily-inspection", actor="alice").id
    svc.run_check(run_id, "disk")
    svc.tick(run_id, "ticket", evidence="INC-1", note="filed")
    first.close()  # the console closes (or dies) here: nothing was kept only in memory
    again = Store(url)
    try:
        resumed = _service(again)
        [run] = resumed.open_runs()
        assert run.id == run_id
        assert [(s.step_id, s.state) for s in run.steps if s.state != OPEN] == [("disk", PASSED), ("ticket", PASSED)]
        assert run.state_of("ticket").note == "filed" and run.state_of("disk").values
        resumed.tick(run_id, "console")
        resumed.skip(run_id, "drill", "n/a")
        resumed.tick(run_id, "approve", actor="Li Wei")
        assert resumed.sign(run_id, "Alice Chen").outcome == PASSED
        assert again.audit.verify().ok
    finally:
        again.close()


def test_start_answers_the_newest_occurrence_once(store) -> None:
    clock = Clock()
    svc = _service(store, clock=clock)
    first = svc.start("daily-inspection")
    assert first.due is not None and first.due <= first.started
    assert svc.start("daily-inspection").due is None  # that occurrence is answered already
    assert svc.start("offboarding").due is None  # not scheduled


def test_a_run_on_postgresql(pg_url) -> None:
    store = Store(pg_url)
    try:
        svc = _service(store)
        run_id = svc.start("daily-inspection", actor="alice").id
        _finish(svc, run_id)
        assert _service(store).run(run_id).state_of("ticket").evidence == "INC-4711"
        assert svc.sign(run_id, "Alice Chen").signed
        with pytest.raises(ValueError, match="read-only"):
            svc.tick(run_id, "console")
        with pytest.raises(sa_exc.DatabaseError):
            with store.engine.begin() as conn:
                conn.execute(text("DELETE FROM sop_events"))
        assert store.audit.verify().ok and store.audit.verify().count == 7
    finally:
        store.close()
