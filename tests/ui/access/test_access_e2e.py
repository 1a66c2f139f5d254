"""The review through the GUI on the real service, store and PostgreSQL: create a campaign,
collect, revoke an account with a comment by clicking, run its statement after the
confirmation, keep the rest with the K key, sign off, export, and read the export back."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import create_engine, text

from erpconsole.config import DatabaseConfig, Inventory, LocalConfig
from erpconsole.services.access.models import AccessPolicy
from erpconsole.services.access.service import AccessReviewService
from erpconsole.services.monitor import Monitor
from erpconsole.services.store import Store
from erpconsole.ui.bridges import Bridges
from erpconsole.ui.access.access_page import AccessReviewPage
from tests.dbservers import unique
from tests.erp_schemas import ODOO_SCHEMA, odoo_data, run_sql

pytestmark = pytest.mark.integration


@pytest.fixture
def odoo(pg_database):
    url = pg_database()
    role = unique("gui_old")
    run_sql(url, ODOO_SCHEMA + ";\n" + odoo_data() + f";\nCREATE ROLE {role} LOGIN VALID UNTIL '2020-01-01'")
    yield url, role
    run_sql(url, f"DROP ROLE IF EXISTS {role}")


@pytest.fixture
def page(qtbot, tmp_path, odoo):
    url, _role = odoo
    roster = tmp_path / "roster.csv"
    roster.write_text("employee_id,name,usernames,email,status,end_date\n"
                      "E2,Bob Stale,bob,bob@example.com,left,2026-09-30\n")
    inv = Inventory(local=LocalConfig(enabled=False), databases=(DatabaseConfig("erp-odoo", url, erp="odoo"),),
                    access=AccessPolicy(roster=str(roster)))
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    monitor = Monitor(inv)
    bridges = Bridges.build(monitor)
    bridges.attach_store(store)
    bridges.access.attach_access(AccessReviewService(store.engine, inv, monitor.secrets, tmp_path / "kh",
                                             store.audit, today=date.today))
    widget = AccessReviewPage(bridges.access)
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    yield widget, store
    bridges.shutdown()
    monitor.stop()
    store.close()


def _dialog_answer(answers: dict):
    def run(dialog) -> bool:
        field = getattr(dialog, "name_edit", None)
        if field is not None and type(dialog).__name__ in answers:
            field.setText(answers[type(dialog).__name__])
        return True

    return run


def test_review_through_the_window(qtbot, page, odoo, tmp_path):
    widget, store = page
    url, role = odoo
    widget.run_dialog = _dialog_answer({"NewCampaignDialog": "2026 Q4", "SignOffDialog": "Dana Auditor"})
    widget.load()
    qtbot.waitUntil(lambda: widget.is_empty_state(), timeout=5000)
    qtbot.mouseClick(widget.bar.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: widget.current_campaign() is not None and widget.bar.collect_button.isEnabled(),
                    timeout=5000)
    qtbot.mouseClick(widget.bar.collect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: widget.review() is not None and widget.review().extraction is not None,
                    timeout=30000)
    keys = widget.shown_keys()
    bob, old = "erp/erp-odoo/bob", f"database/erp-odoo/{role}"
    assert bob in keys and old in keys

    # Bob left: the detail explains it, and Revoke asks for a comment first.
    assert widget.select_account(bob)
    detail = widget.detail
    assert "Departed staff" in detail.text() and "revoke it the same day" in detail.text()
    assert not detail.buttons["revoke"].isEnabled()
    detail.comment.setPlainText("left on 30 September")
    qtbot.mouseClick(detail.buttons["revoke"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _decision(widget, bob) == "revoke", timeout=5000)
    assert "UPDATE res_users SET active = false WHERE login = 'bob'" in detail.statements_text()

    # The expired role: revoke, then run ALTER ROLE ... NOLOGIN from the window.
    assert widget.select_account(old)
    detail.comment.setPlainText("expired in 2020")
    qtbot.mouseClick(detail.buttons["revoke"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _decision(widget, old) == "revoke" and bool(detail.run_buttons), timeout=5000)
    with qtbot.waitSignal(widget._bridge.access_statement_finished, timeout=10000) as finished:
        qtbot.mouseClick(detail.run_buttons[0], Qt.MouseButton.LeftButton)
    assert finished.args[0] is True, finished.args
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT rolcanlogin FROM pg_roles WHERE rolname = '{role}'")).scalar() is False
    engine.dispose()

    # Keep every other account from the keyboard.
    for key in list(widget.shown_keys()):
        if _decision(widget, key) is None:
            assert widget.select_account(key)
            widget.pane.table.setFocus()
            qtbot.keyClick(widget.pane.table, Qt.Key.Key_K)
            qtbot.waitUntil(lambda key=key: _decision(widget, key) == "keep", timeout=5000)

    qtbot.waitUntil(lambda: widget.bar.sign_button.isEnabled(), timeout=5000)
    qtbot.mouseClick(widget.bar.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: widget.current_campaign().signed, timeout=5000)
    assert widget.current_campaign().signed_by == "Dana Auditor"
    assert widget.select_account(bob) and not detail.buttons["keep"].isEnabled()

    target = tmp_path / "evidence.zip"
    widget.ask_save_path = lambda suggested: str(target)
    with qtbot.waitSignal(widget._bridge.access_exported, timeout=20000) as exported:
        qtbot.mouseClick(widget.bar.export_button, Qt.MouseButton.LeftButton)
    result = exported.args[0]
    assert result.sha256 in widget.message_text()
    with zipfile.ZipFile(target) as zf:
        accounts = {r["key"]: r for r in csv.DictReader(io.StringIO(zf.read("accounts.csv").decode("utf-8-sig")))}
        manifest = json.loads(zf.read("manifest.json"))
    assert accounts[bob]["decision"] == "revoke" and accounts[bob]["comment"] == "left on 30 September"
    assert manifest["signed_by"] == "Dana Auditor" and manifest["accounts"] == len(accounts)
    actions = [e.action for e in store.audit.entries(500)]
    assert {"access.sign", "access.export", "access.run"} <= set(actions) and store.audit.verify().ok


def _decision(widget, key: str) -> str | None:
    review = widget.review()
    row = next((r for r in review.rows if r.account.key == key), None) if review else None
    return row.decision.decision if row and row.decision else None
