"""The Access review page as a reviewer sees it: rows, filters and their counts, the detail
with each rule's explanation, decisions that go to the bridge, statements, sign-off, export and
the empty states. Fed with review models built here; the bridge is a recording stand-in (the
real service end to end is tested by the lead)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication

from erpconsole.services.access.models import CHANGE, KEEP, REVOKE, ExportResult
from erpconsole.services.access.models import rules
from erpconsole.services.models import Severity
from erpconsole.ui.access.access_page import AccessReviewPage
from erpconsole.ui.access.table import COLUMNS
from erpconsole.ui.access.text import default_campaign_name
from erpconsole.widgets.table_model import SortRole
from erpconsole.widgets.theme import status_color
from tests.ui.access import access_samples as s

ADMIN = "database/erp-db/erp_admin"
LEGACY = "database/erp-db/legacy_app"
APP = "database/erp-mysql/'app'@'%'"
BOLD = "os/erp-app-1/bold"
DEPLOY = "os/erp-app-1/deploy"
JROE = "erp/erp/jroe"
TEST = "erp/erp/test"


@pytest.fixture
def bridge():
    return s.RecordingBridge()


@pytest.fixture
def page(qtbot, bridge):
    page = AccessReviewPage(bridge)
    qtbot.addWidget(page)
    page.resize(1230, 860)
    page.show()
    qtbot.waitExposed(page)
    return page


def loaded(page, bridge, review=None):
    page.refresh()
    bridge.access_campaigns_loaded.emit([review.campaign if review else s.CAMPAIGN])
    bridge.access_review_loaded.emit(review or s.review())
    return page


def text(page, key: str, column: str) -> str:
    return page.model.display_text(page.model.row_index(key), column)


def combo_texts(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


# -- the table -----------------------------------------------------------------------------


def test_first_look_loads_the_campaigns_then_the_newest_review(page, bridge):
    page.refresh()
    assert bridge.calls == [("request_access_campaigns",)]
    older = s.CAMPAIGN.__class__(3, "2026 Q3", s.NOW - 90 * s.DAY, "alice", s.NOW - 80 * s.DAY, "Alice Smith")
    bridge.access_campaigns_loaded.emit([older, s.CAMPAIGN])
    assert bridge.last("request_access_review") == ("request_access_review", 7)
    titles = page.bar.titles()
    assert titles[0] == "2026 Q4 — open"
    assert titles[1].startswith("2026 Q3 — signed by Alice Smith on ")


def test_every_account_is_a_row_with_what_the_reviewer_needs(page, bridge):
    loaded(page, bridge)
    assert page.model.rowCount() == 7 and not page.is_empty_state()
    assert text(page, ADMIN, "privileges") == "SUPERUSER · 3"
    assert text(page, ADMIN, "owner") == "Jane Roe"
    assert text(page, BOLD, "owner") == "Bob Old (left)"
    assert text(page, LEGACY, "owner") == "no owner"
    assert text(page, LEGACY, "last_login") == "200 days ago"
    assert text(page, DEPLOY, "last_login") == "never"
    assert text(page, ADMIN, "last_login") == "not tracked"
    assert text(page, LEGACY, "findings") == "Stale, No owner"
    assert text(page, BOLD, "findings") == "Departed staff"
    assert text(page, JROE, "decision") == "Keep · alice"
    assert text(page, DEPLOY, "decision") == "undecided"
    summary = page.summary.text()
    assert "<b>7</b> accounts" in summary and "2 critical" in summary and "4 warning" in summary
    assert "decided <b>2</b> of 7" in summary and "drift baseline: 2026 Q3" in summary


def test_findings_carry_the_worst_severity_colour_in_either_theme(page, bridge):
    loaded(page, bridge)
    i, col = page.model.row_index(BOLD), COLUMNS.index("findings")
    for theme in ("dark", "light"):
        page.apply_theme(theme)
        brush = page.model.data(page.model.index(i, col), Qt.ItemDataRole.ForegroundRole)
        assert brush.color() == QColor(status_color("critical", theme))
    # and its shape, for a reader who cannot tell the colours apart
    shown = page.model.data(page.model.index(i, col), Qt.ItemDataRole.DisplayRole)
    assert shown.startswith("■ ") and shown[2:] == text(page, BOLD, "findings")


def test_the_worst_findings_sort_first_and_ctrl_c_copies_rows(page, bridge, qtbot):
    loaded(page, bridge)
    assert set(page.shown_keys()[:2]) == {ADMIN, BOLD}
    assert page.table.proxy_model().index(0, 0).data(SortRole) is not None
    page.select_account(LEGACY)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QGuiApplication.clipboard().text()
    assert "legacy_app" in copied and "200 days ago" in copied and "\t" in copied



def test_at_the_usual_window_width_every_column_fits_without_a_horizontal_scroll_bar(page, bridge, qtbot):
    # The fixture's 1230 px is the page's width in a 1400 px window beside the navigation.
    many = s.row(APP)
    many = dataclasses.replace(many, findings=many.findings + tuple(
        s.finding(APP, rule, Severity.WARNING, f"{rule} message") for rule in ("no_owner", "stale", "shared_name")))
    loaded(page, bridge, s.review(rows=[many if r.account.key == APP else r for r in s.review().rows]))
    table = page.table
    qtbot.waitUntil(lambda: table.column_width("findings") > 0 and not table.horizontalScrollBar().isVisible())
    shown = sum(table.columnWidth(i) for i in range(len(COLUMNS)))
    assert shown <= table.viewport().width()
    # The decision is read whole; the long findings take what is left and are whole in the tooltip.
    decision = COLUMNS.index("decision")
    assert table.column_width("decision") >= table.sizeHintForColumn(decision)
    assert table.column_width("findings") >= max(table.column_width(c) for c in COLUMNS if c != "findings")
    tip = page.model.data(page.model.index(page.model.row_index(APP), COLUMNS.index("findings")),
                          Qt.ItemDataRole.ToolTipRole)
    assert "'app'@'%' accepts any host" in tip and "stale message" in tip and "shared_name message" in tip
    # The detail beside the table is the narrower part.
    table_width, detail_width = page.pane.splitter.sizes()
    assert detail_width < table_width / 2
    # A decision's tooltip gives the decision and the reviewer's comment.
    tip = page.model.data(page.model.index(page.model.row_index(TEST), decision), Qt.ItemDataRole.ToolTipRole)
    assert tip == "Revoke · alice\nnobody uses it"

# -- filters -------------------------------------------------------------------------------


def test_filters_narrow_the_table_and_the_counts_follow(page, bridge):
    loaded(page, bridge)
    bar = page.filters
    assert "OS accounts (2)" in combo_texts(bar.source_combo)
    assert combo_texts(bar.finding_combo)[:3] == ["All accounts (7)", "Any finding (5)", "No finding (2)"]
    assert "Departed staff (1)" in combo_texts(bar.finding_combo)
    assert "Undecided (5)" in combo_texts(bar.decision_combo)

    page.set_filters(source="os")
    assert sorted(page.shown_keys()) == [BOLD, DEPLOY]
    assert bar.count_label.text() == "2 of 7 shown"
    page.set_filters(source="", finding="departed")
    assert page.shown_keys() == [BOLD]
    page.set_filters(finding="-")
    assert sorted(page.shown_keys()) == [JROE, TEST]
    page.set_filters(finding="", decision="undecided")
    assert len(page.shown_keys()) == 5
    page.set_filters(decision=REVOKE)
    assert page.shown_keys() == [TEST]
    page.set_filters(decision="", text="jane")  # the owner's name
    assert sorted(page.shown_keys()) == [ADMIN, JROE]
    page.set_filters(text="erp-mysql")  # the system
    assert page.shown_keys() == [APP]


def test_typing_in_the_search_box_filters_after_a_pause(page, bridge, qtbot):
    loaded(page, bridge)
    qtbot.keyClicks(page.filters.search, "legacy")
    qtbot.waitUntil(lambda: page.shown_keys() == [LEGACY], timeout=2000)
    assert page.filters.count_label.text() == "1 of 7 shown"


# -- the detail ----------------------------------------------------------------------------


def test_detail_explains_each_finding_with_the_rules_own_words(page, bridge):
    loaded(page, bridge)
    page.select_account(APP)
    said = page.detail.text()
    title, explanation = rules()["open_host"]
    assert title in said and explanation in said
    assert rules()["drift_privileges"][1] in said
    assert "Added since the baseline:\n  UPDATE ON erp.*" in said
    assert "Removed since the baseline:\n  DELETE ON erp.archive" in said
    assert "No owner" in said and "Host pattern\n%" in said


def test_detail_shows_the_owner_facts_and_every_privilege(page, bridge):
    loaded(page, bridge)
    page.select_account(BOLD)
    said = page.detail.text()
    assert "Bob Old" in said and "status: left" in said and "end date 2026-08-31" in said
    assert "UID\n1003" in said and "shell\n/bin/bash" in said and "GROUP sudo" in said
    page.select_account(ADMIN)
    said = page.detail.text()
    assert "Privileges (3)" in said
    for privilege in ("CREATEROLE", "MEMBER OF pg_monitor", "SUPERUSER"):
        assert privilege in said


# -- deciding ------------------------------------------------------------------------------


def test_revoke_and_change_wait_for_a_comment_and_say_why(page, bridge):
    loaded(page, bridge)
    page.select_account(LEGACY)
    d = page.detail
    assert d.buttons[KEEP].isEnabled()
    for decision in (REVOKE, CHANGE):
        assert not d.buttons[decision].isEnabled()
        assert "Write a comment first" in d.buttons[decision].toolTip()
    assert d.hint.text() == "Revoke and Change need a comment: write why, then choose."
    assert not d.undo_button.isEnabled() and "No decision" in d.undo_button.toolTip()
    d.comment.setPlainText("application retired in June")
    assert d.buttons[REVOKE].isEnabled() and d.buttons[CHANGE].isEnabled() and not d.hint.isVisible()


def test_keep_and_revoke_go_to_the_bridge_and_the_row_shows_saved(page, bridge, qtbot):
    loaded(page, bridge)
    page.select_account(LEGACY)
    qtbot.mouseClick(page.detail.buttons[KEEP], Qt.MouseButton.LeftButton)
    assert bridge.last("decide_access") == ("decide_access", 7, LEGACY, KEEP, "")
    assert text(page, LEGACY, "decision") == "undecided · saving…"
    page.detail.comment.setPlainText("  application retired in June ")
    qtbot.mouseClick(page.detail.buttons[REVOKE], Qt.MouseButton.LeftButton)
    assert bridge.last("decide_access") == ("decide_access", 7, LEGACY, REVOKE, "application retired in June")
    answer = s.decided(s.row(LEGACY), REVOKE, "application retired in June", (s.REVOKE_SQL, s.DROP_SQL))
    bridge.access_row_changed.emit(answer)
    assert text(page, LEGACY, "decision") == "Revoke · alice · saved ✓"
    assert "decided <b>3</b> of 7" in page.summary.text()
    assert page.detail.statements_text() == 'ALTER ROLE "legacy_app" NOLOGIN;\nDROP ROLE "legacy_app";'
    assert [b.isEnabled() for b in page.detail.run_buttons] == [True, True]


def test_keys_k_r_c_decide_from_the_table_and_ctrl_z_undoes(page, bridge, qtbot):
    loaded(page, bridge)
    page.select_account(DEPLOY)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_R)
    assert not any(c[0] == "decide_access" for c in bridge.calls)  # no comment: refused, comment box focused
    assert page.detail.comment.hasFocus()
    page.detail.comment.setPlainText("service account of the old backup tool")
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_C)
    assert bridge.last("decide_access") == ("decide_access", 7, DEPLOY, CHANGE, "service account of the old backup tool")
    qtbot.keyClick(page.table, Qt.Key.Key_K)
    assert bridge.last("decide_access")[3] == KEEP
    bridge.access_row_changed.emit(s.decided(s.row(DEPLOY), CHANGE, "x"))
    bridge.access_row_changed.emit(s.decided(s.row(DEPLOY), KEEP))
    page.detail.comment.setFocus()
    qtbot.keyClicks(page.detail.comment, " x")
    qtbot.keyClick(page.detail.comment, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not any(c[0] == "undo_access_decision" for c in bridge.calls)  # in the box it undoes typing
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert bridge.last("undo_access_decision") == ("undo_access_decision", 7, DEPLOY)


def test_a_decided_row_leaving_the_undecided_filter_hands_over_to_the_next(page, bridge):
    loaded(page, bridge)
    page.set_filters(decision="undecided")
    first, second = page.shown_keys()[:2]
    page.select_account(first)
    page.decide(first, KEEP)
    bridge.access_row_changed.emit(s.decided(s.row(first), KEEP))
    assert first not in page.shown_keys()
    assert page.detail.row.account.key == second
    assert page.filters.count_label.text() == "4 of 7 shown"


def test_a_decision_that_fails_says_so_on_the_page_without_a_dialog(page, bridge):
    loaded(page, bridge)
    page.select_account(LEGACY)
    page.decide(LEGACY, REVOKE, "gone")
    bridge.access_failed.emit("decide", "the store is locked")
    assert text(page, LEGACY, "decision") == "undecided · not saved"
    assert "Saving the decision failed: the store is locked" in page.message_text()
    assert "not saved" in page.detail.text()


# -- statements ----------------------------------------------------------------------------


def test_run_shows_the_exact_statement_and_system_before_it_goes(page, bridge):
    loaded(page, bridge)
    bridge.access_row_changed.emit(s.decided(s.row(APP), CHANGE, "limit to app servers", (s.HOST_TEMPLATE,)))
    page.select_account(APP)
    run = page.detail.run_buttons
    assert len(run) == 1 and not run[0].isEnabled() and "template" in run[0].toolTip()
    bridge.access_row_changed.emit(s.decided(s.row(LEGACY), REVOKE, "retired", (s.REVOKE_SQL,)))
    page.select_account(LEGACY)
    seen = []

    def answer(dialog) -> bool:
        seen.append((dialog.statement_text(), dialog.system_label.text(), dialog.warning_label.text(),
                     dialog.cancel_button.isDefault()))
        return len(seen) > 1  # the first is cancelled, the second confirmed

    page.run_dialog = answer
    page.detail.run_buttons[0].click()
    assert not any(c[0] == "run_access_statement" for c in bridge.calls)
    page.detail.run_buttons[0].click()
    statement_text, system, warning, cancel_default = seen[0]
    assert statement_text == 'ALTER ROLE "legacy_app" NOLOGIN;' and system == "erp-db"
    assert "changes the live system erp-db" in warning and cancel_default
    assert bridge.last("run_access_statement") == ("run_access_statement", 7, LEGACY, s.REVOKE_SQL)
    bridge.access_statement_finished.emit(True, "ALTER ROLE: done in 0.01 s")
    assert "ALTER ROLE: done" in page.message_text()


def test_statements_copy_to_the_clipboard(page, bridge):
    loaded(page, bridge)
    page.select_account(TEST)
    page.detail.copy_button.click()
    assert QGuiApplication.clipboard().text() == "UPDATE res_users SET active = false WHERE login = 'test';"


# -- campaigns, collection, sign-off, export ----------------------------------------------


def test_new_campaign_is_named_for_the_quarter_and_selected_when_made(page, bridge):
    assert default_campaign_name(date(2026, 11, 3)) == "2026 Q4"
    assert default_campaign_name(date(2027, 1, 1)) == "2027 Q1"
    loaded(page, bridge)
    names = []
    page.run_dialog = lambda d: names.append(d.name()) or True
    page.new_campaign()
    assert names == [default_campaign_name()]
    assert bridge.last("create_access_campaign") == ("create_access_campaign", default_campaign_name())
    fresh = s.CAMPAIGN.__class__(8, default_campaign_name(), s.NOW, "alice")
    bridge.access_campaigns_loaded.emit([fresh, s.CAMPAIGN])
    bridge.access_review_loaded.emit(s.CampaignReview(fresh, None))
    assert page.current_campaign() == fresh
    assert "has not been collected yet" in page.empty_text()
    assert page.empty.button.text() == "Collect now"


def test_collect_shows_progress_and_the_table_stays_usable(page, bridge):
    loaded(page, bridge)
    page.bar.collect_button.click()
    assert bridge.last("collect_access") == ("collect_access", 7)
    bridge.access_progress.emit("erp-db: database roles", 2, 5)
    assert page.bar.progress_label.text() == "Read erp-db: database roles (2 of 5)"
    assert page.bar.progress.isVisible() and page.bar.progress.value() == 2
    assert not page.bar.collect_button.isEnabled() and page.table.isEnabled()
    page.select_account(BOLD)
    assert page.detail.row.account.key == BOLD
    bridge.access_review_loaded.emit(s.review())
    assert not page.bar.progress.isVisible() and page.bar.collect_button.isEnabled()
    assert "Collected 7 accounts from 5 sources." in page.message_text()


def test_sign_off_asks_the_name_and_shows_what_is_undecided(page, bridge):
    loaded(page, bridge)
    seen = []

    def answer(dialog) -> bool:
        seen.append((dialog.count_label.text(), dialog.sign_button.isEnabled()))
        dialog.name_edit.setText("Alice Smith")
        return True

    page.run_dialog = answer
    page.bar.sign_button.click()
    assert seen == [("2 of 7 accounts decided; 5 undecided.", False)]
    page.sign("Alice Smith")
    assert bridge.last("sign_access") == ("sign_access", 7, "Alice Smith")
    message = "5 of 7 accounts have no decision yet; decide every account before signing"
    bridge.access_failed.emit("sign", message)
    assert message in page.message_text()


def test_after_sign_off_everything_is_read_only_and_says_why(page, bridge):
    loaded(page, bridge)
    signed = s.CAMPAIGN.__class__(7, "2026 Q4", s.CAMPAIGN.created_ts, "alice", s.NOW, "Alice Smith", "alice@ws1")
    bridge.access_signed.emit(signed)
    assert page.bar.titles()[0].startswith("2026 Q4 — signed by Alice Smith on ")
    page.select_account(LEGACY)
    d = page.detail
    d.comment.setPlainText("too late")
    for button in (*d.buttons.values(), d.undo_button, page.bar.collect_button, page.bar.sign_button):
        assert not button.isEnabled()
        assert button.toolTip().startswith("Signed by Alice Smith on ")
    assert d.comment.isReadOnly()
    assert page.bar.export_button.isEnabled()
    page.table.setFocus()
    page.decide(LEGACY, KEEP)
    assert not any(c[0] == "decide_access" for c in bridge.calls)


def test_export_writes_where_asked_and_leaves_path_and_hash_to_copy(page, bridge, tmp_path):
    loaded(page, bridge)
    page.ask_save_path = lambda suggested: str(tmp_path / "evidence")
    page.bar.export_button.click()
    path = str(tmp_path / "evidence.zip")
    assert bridge.last("export_access") == ("export_access", 7, path)
    assert not page.bar.export_button.isEnabled()
    digest = "ab" * 32
    bridge.access_exported.emit(ExportResult(path, digest, 7, 9))
    assert path in page.message_text() and digest in page.message_text()
    page.message.copy_button.click()
    assert QGuiApplication.clipboard().text() == f"{path}\nSHA-256 {digest}"
    assert page.bar.export_button.isEnabled()


# -- empty states --------------------------------------------------------------------------


def test_no_campaign_yet_says_create_then_collect(page, bridge):
    page.refresh()
    bridge.access_campaigns_loaded.emit([])
    assert page.is_empty_state()
    assert "Create a campaign, then collect" in page.empty_text()
    assert page.empty.button.text() == "New campaign…"
    assert not page.bar.collect_button.isEnabled() and page.bar.collect_button.toolTip() == "Create a campaign first."


def test_failed_sources_are_listed_with_their_query_and_error(page, bridge):
    nothing = s.review(rows=[])
    loaded(page, bridge, nothing)
    assert "No accounts were read: 1 of 5 sources failed" in page.empty_text()
    panel = page.sources
    assert panel.isVisible() and panel.is_open() and panel.toggle.text() == "Sources: 5 read, 1 failed"
    failed = next(r for r in panel.rows() if r["system"] == "erp-app-2")
    assert failed["state"] == "timed out after 10 s" and failed["rows"] == 0
    view = panel.table
    view.selectRow(next(i for i in range(view.model().rowCount())
                        if view.model().index(i, 0).data() == "erp-db"))
    assert panel.query.query() == s.PG_QUERY


def test_sources_fold_away_when_all_were_read(page, bridge):
    loaded(page, bridge, s.review(failed=False))
    assert page.sources.toggle.text() == "Sources: 4 read" and not page.sources.is_open()


def test_before_the_store_opens_the_page_says_so(qtbot):
    bridge = s.RecordingBridge(available=False)
    page = AccessReviewPage(bridge)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    assert page.is_empty_state() and "not open yet" in page.empty_text()
    assert not page.bar.new_button.isEnabled()
    assert bridge.calls == []


# -- many rows -------------------------------------------------------------------------------


def test_five_thousand_rows_load_in_one_reset_and_filter(page, bridge):
    rows = s.many_rows(5000)
    resets = []
    page.model.modelReset.connect(lambda: resets.append(1))
    loaded(page, bridge, s.review(rows=rows))
    assert resets == [1] and page.model.rowCount() == 5000
    # Every third account is a database one, and exactly those are stale.
    page.set_filters(source="database", finding="stale")
    assert page.filters.count_label.text() == "1,667 of 5,000 shown"
    page.set_filters(source="os")
    assert page.filters.count_label.text() == "0 of 5,000 shown"


def test_export_suggests_a_file_in_the_evidence_folder_help_names(page, bridge):
    from erpconsole.ui.common.places import evidence_dir

    loaded(page, bridge)
    suggested = []
    page.ask_save_path = lambda path: suggested.append(path) or ""
    page.bar.export_button.click()
    assert len(suggested) == 1 and suggested[0].startswith(str(evidence_dir()) + "/access-review-")
    assert evidence_dir().is_dir()  # the save dialog opens in it (isolated data folder in tests)
