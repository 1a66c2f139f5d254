"""The SOP page as a person sees it: the library with its due markers and refused files, the
run view (steps with their state, who and when, check values, progress), the rules on the step
buttons (evidence, reasons), sign-off and the read-only signed run, the History tab's filters
and compliance, the Overview's overdue banner and the status bar. Fed with SopRun/SopTemplate
models built here; the bridge is a recording stand-in (the page's contract)."""

from __future__ import annotations

import dataclasses
import re
import time

import pytest
from PySide6.QtCore import QObject, Qt, Signal

from erpconsole.services.sop.models import (
    APPROVAL, CHECK, FAILED, MANUAL, OPEN, PASSED, SKIPPED, Compliance, DueRun, SopRun, SopSection, SopStep,
    SopTemplate, StepState, TemplateError,
)
from erpconsole.ui.sop.sop_page import SopPage

NOW = time.time()


class RecordingBridge(QObject):
    sop_ready = Signal()
    sop_templates_loaded = Signal(object, object)
    sop_run_loaded = Signal(object)
    sop_runs_loaded = Signal(object)
    sop_open_runs_loaded = Signal(object)
    sop_due_changed = Signal(object)
    sop_compliance_loaded = Signal(object)
    sop_failed = Signal(str, str)
    report_written = Signal(str)

    def __init__(self, has_sop: bool = True) -> None:
        super().__init__()
        self.has_sop = has_sop
        self.calls: list[tuple] = []

    def sop_unavailable(self) -> str:
        return "" if self.has_sop else "SOP runs are kept in the store, which is not open yet."

    def _record(self, name: str, *args, **kw) -> None:
        self.calls.append((name, *args, *sorted(kw.items())))

    def request_sop_templates(self, *args, **kw) -> None:
        self._record("request_sop_templates", *args, **kw)

    def request_sop_open_runs(self, *args, **kw) -> None:
        self._record("request_sop_open_runs", *args, **kw)

    def request_sop_due(self, *args, **kw) -> None:
        self._record("request_sop_due", *args, **kw)

    def request_sop_runs(self, *args, **kw) -> None:
        self._record("request_sop_runs", *args, **kw)

    def request_sop_compliance(self, *args, **kw) -> None:
        self._record("request_sop_compliance", *args, **kw)

    def request_sop_run(self, *args, **kw) -> None:
        self._record("request_sop_run", *args, **kw)

    def start_sop_run(self, *args, **kw) -> None:
        self._record("start_sop_run", *args, **kw)

    def sign_sop_run(self, *args, **kw) -> None:
        self._record("sign_sop_run", *args, **kw)

    def sop_tick(self, *args, **kw) -> None:
        self._record("sop_tick", *args, **kw)

    def sop_fail(self, *args, **kw) -> None:
        self._record("sop_fail", *args, **kw)

    def sop_skip(self, *args, **kw) -> None:
        self._record("sop_skip", *args, **kw)

    def sop_reopen(self, *args, **kw) -> None:
        self._record("sop_reopen", *args, **kw)

    def sop_run_check(self, *args, **kw) -> None:
        self._record("sop_run_check", *args, **kw)

    def sop_run_checks(self, *args, **kw) -> None:
        self._record("sop_run_checks", *args, **kw)

    def write_report(self, *args, **kw) -> None:
        self._record("write_report", *args, **kw)

    def named(self, name: str) -> list[tuple]:
        return [c for c in self.calls if c[0] == name]


def template() -> SopTemplate:
    return SopTemplate(
        "daily-inspection", "Daily inspection", "3", schedule="daily 08:00", sections=(
            SopSection("Hardware and resources", (
                SopStep("disks", "Every disk below 85%", CHECK, why="A full disk stops the database.",
                        article="https://example.org/kb/disks", check="disk_below", params=(("max_percent", "85"),)),
                SopStep("fans", "Look at the server room", MANUAL),
            )),
            SopSection("Records", (
                SopStep("ticket", "Log the inspection in the ticket system", MANUAL, evidence="ticket number"),
                SopStep("dba", "DBA approves", APPROVAL, role="DBA"),
            )),
        ))


def run(run_id: int = 7, steps=None, **kw) -> SopRun:
    t = kw.pop("template", None) or template()
    states = steps or tuple(StepState(s.id) for s in t.steps)
    return SopRun(run_id, t, NOW - 3600, kw.pop("started_by", "alice"), tuple(states), **kw)


def worked(run_id: int = 7, **kw) -> SopRun:
    """Disks checked (failed with values), fans ticked, the rest open."""
    return run(run_id, steps=(
        StepState("disks", FAILED, "alice", NOW - 1800, message="1 disk above 85%",
                  values=(("erp-app-1 /", "91%"), ("erp-db-1 /var", "40%"))),
        StepState("fans", PASSED, "alice", NOW - 1700, note="all green"),
        StepState("ticket"), StepState("dba")), **kw)


def all_done(run_id: int = 7, **kw) -> SopRun:
    return run(run_id, steps=(
        StepState("disks", PASSED, "alice", NOW - 1800, values=(("erp-app-1 /", "40%"),)),
        StepState("fans", PASSED, "alice", NOW - 1700),
        StepState("ticket", PASSED, "bob", NOW - 1600, evidence="INC-1234"),
        StepState("dba", SKIPPED, "bob", NOW - 1500, message="DBA on leave")), **kw)


@pytest.fixture
def bridge():
    return RecordingBridge()


@pytest.fixture
def page(qtbot, bridge):
    page = SopPage(bridge)
    qtbot.addWidget(page)
    page.resize(1300, 850)
    page.show()
    qtbot.waitExposed(page)
    return page


def show(page, bridge, r: SopRun) -> None:
    page.open_run(r.id)
    bridge.sop_run_loaded.emit(r)


def test_first_look_loads_everything(page, bridge):
    page.refresh()
    assert [c[0] for c in bridge.calls] == ["request_sop_templates", "request_sop_open_runs", "request_sop_due",
                                           "request_sop_runs", "request_sop_compliance"]
    page.refresh()
    assert len(bridge.calls) == 5  # once, not at every repaint


def test_without_the_service_the_page_says_why(qtbot):
    bridge = RecordingBridge(has_sop=False)
    page = SopPage(bridge)
    qtbot.addWidget(page)
    page.refresh()
    assert page.message() == "SOP runs are kept in the store, which is not open yet."
    assert bridge.calls == []


def test_library_lists_schedule_due_markers_and_refused_files(page, bridge):
    other = SopTemplate("offboarding", "Staff offboarding", "1")
    errors = [TemplateError("/home/a/sops/bad.yaml", 12, "step 3: unknown kind 'maybe'")]
    bridge.sop_templates_loaded.emit([template(), other], errors)
    bridge.sop_due_changed.emit([DueRun("daily-inspection", "Daily inspection", NOW - 3 * 3600, True)])
    rows = page.library.template_rows()
    assert rows[0] == ("Daily inspection", "daily 08:00", "OVERDUE 3 h")
    assert rows[1] == ("Staff offboarding", "on demand", "")
    assert "/home/a/sops/bad.yaml:12: step 3: unknown kind 'maybe'" in page.library.refused_text()


def test_start_answers_the_due_time_and_resume_asks_for_the_run(page, bridge):
    bridge.sop_templates_loaded.emit([template()], [])
    bridge.sop_due_changed.emit([DueRun("daily-inspection", "Daily inspection", NOW - 600, True)])
    assert not page.library.start_button.isEnabled()
    page.library.select_template("daily-inspection")
    page.library.start_button.click()
    assert bridge.named("start_sop_run") == [("start_sop_run", "daily-inspection", NOW - 600)]
    bridge.sop_run_loaded.emit(run(9))
    assert page.current_run().id == 9
    bridge.sop_open_runs_loaded.emit([worked(5)])
    first, second = page.library.open_run_texts()[0].split("\n")
    assert first == "Daily inspection · 2/4"
    assert second.startswith("started ") and second.endswith(" by alice")
    page.library.select_open_run(5)
    page.library.resume_button.click()
    assert bridge.named("request_sop_run") == [("request_sop_run", 5)]


def test_steps_are_shown_by_section_with_state_who_and_when(page, bridge):
    show(page, bridge, worked())
    view = page.run_view
    assert view.section_titles() == ["Hardware and resources", "Records"]
    shown = view.shown_steps()
    assert [s[:3] for s in shown] == [("Every disk below 85%", "failed", "alice"),
                                      ("Look at the server room", "passed", "alice"),
                                      ("Log the inspection in the ticket system", "open", ""),
                                      ("DBA approves", "open", "")]
    assert shown[0][3] == time.strftime("%Y-%m-%d %H:%M", time.localtime(NOW - 1800))
    assert shown[0][4] == "1 disk above 85%" and shown[1][4] == "all green"
    assert view.progress.value() == 2 and view.progress.maximum() == 4
    assert view.progress.text() == "2 of 4 steps done"


def test_a_check_step_shows_the_values_it_saw_its_why_and_article(page, bridge):
    show(page, bridge, worked())
    page.run_view.select_step("disks")
    step = page.run_view.step_view
    table = step.values_table
    assert [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())] == [
        ("erp-app-1 /", "91%"), ("erp-db-1 /var", "40%")]
    assert "A full disk stops the database." in step.info_label.text()
    assert 'href="https://example.org/kb/disks"' in step.info_label.text()
    assert "check step · runs disk_below (max_percent=85)" in step.info_label.text()
    assert step.buttons["check"].text() == "Re-run check"
    assert step.buttons["tick"].isHidden()  # a check passes by itself


def test_the_first_open_step_is_chosen_and_tick_needs_its_evidence(page, bridge):
    show(page, bridge, worked())
    step = page.run_view.step_view
    assert step.step_id() == "ticket"
    tick = step.buttons["tick"]
    assert not tick.isEnabled() and tick.toolTip() == "Give the ticket number first."
    assert step.evidence_edit.placeholderText() == "ticket number (required)"
    tick.click()
    assert bridge.named("sop_tick") == []
    step.evidence_edit.setText("INC-1234")
    step.note_edit.setText("logged")
    assert tick.isEnabled()
    tick.click()
    assert bridge.named("sop_tick") == [("sop_tick", 7, "ticket", ("actor", None), ("evidence", "INC-1234"),
                                         ("note", "logged"))]
    # Saved the moment it is made: the buttons wait for the saved run, then move on.
    assert not tick.isEnabled() and tick.toolTip() == "Saving the last change…"
    ticked = dataclasses.replace(worked(), steps=worked().steps[:2] + (
        StepState("ticket", PASSED, "alice", NOW, note="logged", evidence="INC-1234"), StepState("dba")))
    bridge.sop_run_loaded.emit(ticked)
    assert page.run_view.shown_steps()[2][1:3] == ("passed", "alice")
    assert page.run_view.progress.value() == 3


def test_an_approval_names_the_approver(page, bridge):
    show(page, bridge, worked())
    page.run_view.select_step("dba")
    step = page.run_view.step_view
    assert step.evidence_caption.text() == "Approved by:"
    assert not step.buttons["tick"].isEnabled()
    step.evidence_edit.setText("Wang Li")
    step.buttons["tick"].click()
    assert bridge.named("sop_tick") == [("sop_tick", 7, "dba", ("actor", "Wang Li"), ("evidence", ""), ("note", ""))]


def test_skip_and_fail_need_a_reason_reopen_needs_a_closed_step(page, bridge):
    show(page, bridge, worked())
    step = page.run_view.step_view
    skip, fail, reopen = step.buttons["skip"], step.buttons["fail"], step.buttons["reopen"]
    assert not skip.isEnabled() and skip.toolTip() == "Type the reason for skipping in the note first."
    assert not fail.isEnabled() and not reopen.isEnabled()
    step.note_edit.setText("   ")
    assert not skip.isEnabled()
    step.note_edit.setText("ticket system down")
    skip.click()
    assert bridge.named("sop_skip") == [("sop_skip", 7, "ticket", "ticket system down")]
    bridge.sop_run_loaded.emit(worked())  # saved (state unchanged here): the buttons come back
    page.run_view.select_step("fans")
    assert step.buttons["reopen"].isEnabled() and not step.buttons["skip"].isEnabled()
    step.buttons["reopen"].click()
    assert bridge.named("sop_reopen") == [("sop_reopen", 7, "fans")]


def test_run_check_and_run_all_checks(page, bridge):
    show(page, bridge, worked())
    page.run_view.select_step("disks")
    page.run_view.step_view.buttons["check"].click()
    assert bridge.named("sop_run_check") == [("sop_run_check", 7, "disks")]
    bridge.sop_run_loaded.emit(worked())
    page.run_view.checks_button.click()
    assert bridge.named("sop_run_checks") == [("sop_run_checks", 7)]
    assert page.message() == "Running every open check of this run…"


def test_a_refusal_from_the_service_is_shown_and_the_step_usable_again(page, bridge):
    show(page, bridge, worked())
    step = page.run_view.step_view
    step.evidence_edit.setText("INC-1")
    step.buttons["tick"].click()
    assert not step.buttons["tick"].isEnabled()
    bridge.sop_failed.emit("tick", "run 7 is signed: it is read-only")
    assert page.message() == "run 7 is signed: it is read-only"
    assert step.buttons["tick"].isEnabled() and step.evidence_edit.text() == "INC-1"


def test_sign_is_refused_while_steps_are_open_with_the_count(page, bridge):
    show(page, bridge, worked())
    assert page.run_view.sign_button.toolTip() == "2 steps still open"
    seen = []
    page.run_dialog = lambda d: (seen.append((d.sign_button.isEnabled(), d.warning_label.text())), True)[1]
    page.sign()
    assert seen == [(False, "2 steps still open: tick, fail or skip (with a reason) each one before signing.")]
    assert bridge.named("sign_sop_run") == []


def test_sign_then_the_run_is_read_only(page, bridge):
    show(page, bridge, all_done())

    def answer(dialog):
        assert not dialog.sign_button.isEnabled()  # no name yet
        dialog.name_edit.setText("Alice Chen")
        assert dialog.sign_button.isEnabled()
        return True

    page.run_dialog = answer
    page.sign()
    assert bridge.named("sign_sop_run") == [("sign_sop_run", 7, "Alice Chen")]
    signed = dataclasses.replace(all_done(), finished=NOW, signed_by="Alice Chen", signed_actor="alice",
                                 signed_ts=NOW)
    bridge.sop_run_loaded.emit(signed)
    view, step = page.run_view, page.run_view.step_view
    why = "Signed by Alice Chen on {0}: a signed run is read-only.".format(
        time.strftime("%Y-%m-%d %H:%M", time.localtime(NOW)))
    assert why in view.header.text()
    assert not view.sign_button.isEnabled() and view.sign_button.toolTip() == why
    assert not view.checks_button.isEnabled()
    for step_id in ("disks", "fans", "ticket", "dba"):
        view.select_step(step_id)
        for name, button in step.buttons.items():
            assert not button.isEnabled(), (step_id, name)
            assert button.toolTip() == why
    assert step.note_edit.isReadOnly()
    page.step_action("reopen", "fans", "", "")
    assert bridge.named("sop_reopen") == []


def test_history_filters_by_procedure_person_and_outcome(page, bridge):
    other = SopTemplate("offboarding", "Staff offboarding", "1", sections=(
        SopSection("Accounts", (SopStep("lock", "Lock the accounts", MANUAL),)),))
    runs = [worked(3), all_done(2, started_by="bob"),
            SopRun(1, other, NOW - 86400, "carol", (StepState("lock", PASSED, "carol", NOW - 86000),))]
    bridge.sop_runs_loaded.emit(runs)
    history = page.history
    assert history.shown_runs() == [3, 2, 1]
    history.set_filters(template="daily-inspection")
    assert history.shown_runs() == [3, 2]
    history.set_filters(outcome=PASSED)
    assert history.shown_runs() == [2, 1]
    history.set_filters(outcome=OPEN)
    assert history.shown_runs() == [3]
    history.set_filters(person="carol")
    assert history.shown_runs() == [1]
    history.set_filters(person="bob")  # bob started run 2 and ticked a step of it
    assert history.shown_runs() == [2]
    items = [history.person_filter.itemText(i) for i in range(history.person_filter.count())]
    assert items == ["everyone", "alice", "bob", "carol"]
    bridge.sop_runs_loaded.emit(runs)  # a reload keeps the chosen filter
    assert history.shown_runs() == [2]


def test_compliance_per_procedure_and_month(page, bridge):
    weekly = SopTemplate("weekly-db", "Weekly database maintenance", "1", schedule="weekly mon 09:00")
    bridge.sop_templates_loaded.emit([template(), weekly], [])
    bridge.sop_runs_loaded.emit([worked(3)])
    bridge.sop_compliance_loaded.emit([Compliance("daily-inspection", "2026-10", 31, 29, 1, 1),
                                       Compliance("daily-inspection", "2026-11", 10, 10, 0, 0),
                                       Compliance("weekly-db", "2026-11", 4, 2, 1, 1)])
    assert page.history.compliance_cells() == {("Daily inspection", "2026-10"): "94% (29/31)",
                                               ("Daily inspection", "2026-11"): "100% (10/10)",
                                               ("Weekly database maintenance", "2026-10"): "–",
                                               ("Weekly database maintenance", "2026-11"): "50% (2/4)"}


def test_history_double_click_opens_the_run(page, bridge):
    bridge.sop_runs_loaded.emit([worked(3)])
    page.tabs.setCurrentWidget(page.history)
    page.history.runs_table.cellDoubleClicked.emit(0, 0)
    assert bridge.named("request_sop_run") == [("request_sop_run", 3)]
    assert page.tabs.currentWidget() is page.split


def test_an_action_step_opens_its_page(page, bridge, qtbot):
    t = SopTemplate("drill", "Restore drill", "1", sections=(
        SopSection("Drill", (SopStep("go", "Run the drill", "action", action="drill:erp-db-nightly"),)),))
    show(page, bridge, run(4, template=t))
    with qtbot.waitSignal(page.page_requested) as got:
        page.run_view.step_view.buttons["open"].click()
    assert got.args == ["drill:erp-db-nightly"]  # the window opens Backups and asks to confirm the drill


def test_report_writes_through_the_bridge(page, bridge):
    page.ask_save_path = lambda: "/tmp/daily.pdf"
    page.run_view.report_button.click()
    assert bridge.named("write_report") == [("write_report", "/tmp/daily.pdf")]
    bridge.report_written.emit("/tmp/daily.pdf")
    assert page.message() == "Daily inspection report written to /tmp/daily.pdf"
    page.ask_save_path = lambda: "/tmp/daily"
    page.write_report()
    assert bridge.named("write_report")[-1] == ("write_report", "/tmp/daily.html")


def test_the_overview_and_status_bar_show_overdue_runs(console_factory, qtbot):
    console = console_factory()
    window = console.window
    due = [DueRun("weekly-db", "Weekly database maintenance", NOW - 2 * 86400, True),
           DueRun("daily-inspection", "Daily inspection", NOW - 2 * 3600, True),
           DueRun("security", "Security review", NOW + 600, False)]
    console.bridges.sop.sop_due_changed.emit(due)
    assert window.sop_label.text() == "SOP: 2 overdue"
    window.show()
    window.show_page("overview")
    assert window.overview.sop_banner_text() == (
        "SOP: 2 runs overdue; most overdue: Weekly database maintenance (due 2 d ago)")
    window.overview.sop_banner.linkActivated.emit("sop")
    assert window.current_page_key() == "sop"
    console.bridges.sop.sop_due_changed.emit(due[2:])
    assert window.sop_label.text() == "SOP: 0 overdue"
    assert window.overview.sop_banner_text() == ""
    assert window.page_keys().index("sop") == window.page_keys().index("backups") + 1


def test_the_real_bridge_saves_a_tick_and_writes_the_report(console_factory, qtbot, tmp_path):
    """The page over the real console: a run started, a manual step ticked and saved in the
    store, and the daily report written on the worker."""
    console = console_factory()
    assert console.wait_store()
    page, bridge = console.window.sop, console.bridges.sop
    qtbot.waitUntil(lambda: bridge.has_sop, timeout=5000)
    page.start_run("daily-inspection")
    qtbot.waitUntil(lambda: page.current_run() is not None, timeout=10000)
    run_id = page.current_run().id
    manual = next(s for s in page.current_run().template.steps if s.kind == MANUAL and not s.evidence)
    page.run_view.select_step(manual.id)
    page.run_view.step_view.note_edit.setText("fans quiet")
    page.run_view.step_view.buttons["tick"].click()
    qtbot.waitUntil(lambda: page.current_run().state_of(manual.id).state == PASSED, timeout=10000)
    stored = bridge._sop_service.run(run_id).state_of(manual.id)
    assert (stored.state, stored.note) == (PASSED, "fans quiet")
    page.ask_save_path = lambda: str(tmp_path / "daily.html")
    with qtbot.waitSignal(bridge.report_written, timeout=60000):
        page.write_report()
    written = (tmp_path / "daily.html").read_text(encoding="utf-8")
    assert "Daily inspection" in written
    assert f"History from {console.store.url.removeprefix('sqlite:///')}" in written  # the console's own store


def test_a_run_ticked_in_the_window_survives_closing_the_console(console_factory, qtbot, tmp_path):
    """Tick through the window, close the console, open a new one on the same store: the run is
    listed to resume with its tick; then every step is closed and the run signed, read-only."""
    first = console_factory(settings_name="a.ini")
    assert first.wait_store()
    page = first.window.sop
    qtbot.waitUntil(lambda: first.bridges.sop.has_sop, timeout=5000)
    page.start_run("staff-offboarding")
    qtbot.waitUntil(lambda: page.current_run() is not None, timeout=10000)
    run_id = page.current_run().id
    step = next(s for s in page.current_run().template.steps if s.kind == MANUAL)
    page.run_view.select_step(step.id)
    if step.evidence:
        page.run_view.step_view.evidence_edit.setText("HR-4471")
    page.run_view.step_view.note_edit.setText("done with HR")
    qtbot.mouseClick(page.run_view.step_view.buttons["tick"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.current_run().state_of(step.id).state == PASSED, timeout=10000)
    first.window.close()
    first.stop()

    second = console_factory(settings_name="b.ini")
    assert second.wait_store()
    page = second.window.sop
    qtbot.waitUntil(lambda: second.bridges.sop.has_sop, timeout=5000)
    page.refresh()
    qtbot.waitUntil(lambda: page.library.open_list.count() > 0, timeout=10000)
    from erpconsole.ui.sop.library import ID_ROLE

    listed = [page.library.open_list.item(i).data(ID_ROLE) for i in range(page.library.open_list.count())]
    assert run_id in listed  # offered to resume, and opened where the work stopped
    qtbot.waitUntil(lambda: page.current_run() is not None and page.current_run().id == run_id, timeout=10000)
    kept = page.current_run().state_of(step.id)
    assert (kept.state, kept.note) == (PASSED, "done with HR")
    service = second.bridges.sop._sop_service
    for s in page.current_run().template.steps:
        if page.current_run().state_of(s.id).state == "open":
            service.skip(run_id, s.id, "not applicable in this test")
    page.open_run(run_id)
    qtbot.waitUntil(lambda: page.current_run().done == len(page.current_run().steps), timeout=10000)
    page.run_dialog = lambda dialog: (dialog.name_edit.setText("Dana Lead"), True)[1] \
        if hasattr(dialog, "name_edit") else True
    page.sign()
    qtbot.waitUntil(lambda: page.current_run().signed, timeout=10000)
    assert not page.run_view.step_view.buttons["tick"].isEnabled()
    assert second.store.audit.verify().ok


def test_at_the_usual_window_width_the_run_fits_and_long_steps_are_elided(qtbot):
    long_title = "Read the ERP application log: errors, failed scheduled jobs, mail queue stuck, " \
                 "workers restarted, and anything new since yesterday's inspection"
    t = template()
    sections = (dataclasses.replace(t.sections[0], steps=t.sections[0].steps + (
        SopStep("erplog", long_title, MANUAL, why="The ERP says what went wrong before users do."),)),) + t.sections[1:]
    t = dataclasses.replace(t, sections=sections)
    states = tuple(StepState(st.id, PASSED, "anna@erp-ops", NOW - 60, note="a long note " * 8) for st in t.steps)
    bridge = RecordingBridge()
    page = SopPage(bridge)
    qtbot.addWidget(page)
    page.resize(1230, 860)  # the page's width in a 1400 px window beside the navigation
    page.show()
    qtbot.waitExposed(page)
    show(page, bridge, run(template=t, steps=states))
    tree = page.run_view.tree
    qtbot.waitUntil(lambda: not tree.horizontalScrollBar().isVisible())
    # The run has the room: the library beside it is the narrower part.
    library, run_view = page.split.sizes()
    assert library < run_view / 2
    # The step column gives way (elided), the note keeps room and stretches to the edge.
    assert tree.columnWidth(0) < tree.sizeHintForColumn(0)
    assert tree.columnWidth(4) >= 200
    assert sum(tree.columnWidth(c) for c in range(5)) <= tree.viewport().width()
    item = tree.topLevelItem(0).child(2)
    assert item.text(0) == long_title
    assert item.toolTip(0) == f"{long_title}\nThe ERP says what went wrong before users do."
    assert item.toolTip(4) == item.text(4)


def test_an_open_run_keeps_its_date_whole(page, bridge):
    """The date has a line of its own and the list room for it: a narrow list cuts line ends
    (the name), never the middle of "2026-12-01 10:00"."""
    bridge.sop_open_runs_loaded.emit([worked(5)])
    assert page.library.open_list.textElideMode() == Qt.TextElideMode.ElideRight
    date_line = page.library.open_run_texts()[0].split("\n")[1]
    assert re.fullmatch(r"started \d{4}-\d\d-\d\d \d\d:\d\d by alice", date_line)
    metrics = page.library.open_list.fontMetrics()
    assert page.library.open_list.minimumWidth() > metrics.horizontalAdvance(date_line)
