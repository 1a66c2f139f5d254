"""The confirmation of a database action and the EXPLAIN plan window."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton

from erpconsole.services.models import DbAction, DbActionResult
from erpconsole.ui.databases.action_dialog import DbActionDialog, ExplainDialog
from tests.ui.common.test_fonts import same_advance

TERMINATE = DbAction("erp-db", "terminate", "SELECT pg_terminate_backend(4242)", "pid 4242")


def test_shows_the_exact_statement_read_only_and_monospace(qtbot):
    dialog = DbActionDialog(TERMINATE, "PostgreSQL")
    qtbot.addWidget(dialog)
    assert dialog.statement() == "SELECT pg_terminate_backend(4242)"
    assert dialog.statement_view.isReadOnly()
    assert same_advance(dialog.statement_view.font())
    assert dialog.target_label.text() == "erp-db (PostgreSQL)"
    assert dialog.headline.text() == "Terminate session: pid 4242 on erp-db"
    assert "audit trail" in dialog.audit_label.text()
    assert "rolled back" in dialog.warning_label.text()


def test_destructive_actions_default_to_cancel(qtbot):
    terminate = DbActionDialog(TERMINATE)
    analyze = DbActionDialog(DbAction("erp-db", "analyze", 'ANALYZE "public"."orders"', "public.orders"))
    for d in (terminate, analyze):
        qtbot.addWidget(d)
    assert terminate.default_button() is terminate.cancel_button and terminate.cancel_button.isDefault()
    assert not terminate.run_button.isDefault()
    assert analyze.default_button() is analyze.run_button


def test_copy_statement_and_parameters(qtbot):
    action = DbAction("erp-db", "cancel", "SELECT pg_cancel_backend(%(pid)s)", "pid 7", (("pid", 7),))
    dialog = DbActionDialog(action)
    qtbot.addWidget(dialog)
    assert dialog.params_label.text() == "pid = 7"
    copy = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Copy statement")
    copy.click()
    assert QGuiApplication.clipboard().text() == "SELECT pg_cancel_backend(%(pid)s)"


def test_explain_window_shows_the_plan_and_copies_it(qtbot):
    action = DbAction("erp-db", "explain", "EXPLAIN SELECT 1", "SELECT 1")
    result = DbActionResult(action, True, "plan of 2 lines",
                            (("Seq Scan on sale_order  (cost=0.00..35.50 rows=2550 width=4)",), ("  Filter: (id = 1)",)))
    dialog = ExplainDialog(result)
    qtbot.addWidget(dialog)
    assert dialog.plan() == "Seq Scan on sale_order  (cost=0.00..35.50 rows=2550 width=4)\n  Filter: (id = 1)"
    assert not dialog.isModal()
    copy = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Copy plan")
    copy.click()
    assert QGuiApplication.clipboard().text() == dialog.plan()


def test_explain_window_with_no_rows_shows_the_message(qtbot):
    action = DbAction("erp-db", "explain", "EXPLAIN SELECT 1", "SELECT 1")
    dialog = ExplainDialog(DbActionResult(action, True, "no plan returned"))
    qtbot.addWidget(dialog)
    assert dialog.plan() == "no plan returned"
