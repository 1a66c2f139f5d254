"""A quarter's access review as the page receives it: accounts in every state the rules care
about (a departed owner, a superuser nobody approved, an account open to '%', drift since the
baseline), a decided revoke with its statements, and one source that could not be read."""

from __future__ import annotations

import dataclasses
import time
from datetime import date

from PySide6.QtCore import QObject, Signal

from erpconsole.services.access.models import (
    DATABASE, ERP, KEEP, OS, REVOKE, AccessFinding, Account, Campaign, CampaignReview, Decision, Extraction,
    Person, ReviewRow, SourceExtract, Statement,
)
from erpconsole.services.models import Severity

DAY = 86400.0
NOW = time.time()
CAMPAIGN = Campaign(7, "2026 Q4", NOW - 3 * DAY, "alice@ws1")
JANE = Person("1042", "Jane Roe", ("jroe",), "jane.roe@example.com")
BOB = Person("0917", "Bob Old", ("bold",), "bob@example.com", status="left", end_date=date(2026, 8, 31))
REVOKE_SQL = Statement("erp-db", "sql", 'ALTER ROLE "legacy_app" NOLOGIN;', "stale")
DROP_SQL = Statement("erp-db", "sql", 'DROP ROLE "legacy_app";', "stale")
HOST_TEMPLATE = Statement("erp-mysql", "sql", "RENAME USER 'app'@'%' TO 'app'@'10.0.0.%';", "open_host",
                          runnable=False)
PG_QUERY = "SELECT rolname, rolsuper, rolcanlogin\n  FROM pg_roles\n ORDER BY rolname"


def finding(key: str, rule: str, severity: Severity, message: str, **kw) -> AccessFinding:
    return AccessFinding(key, rule, severity, message, **kw)


def _rows() -> list[ReviewRow]:
    erp_admin = Account(DATABASE, "erp-db", "postgresql", "erp_admin", superuser=True, login_tracked=False,
                        privileges=("CREATEROLE", "MEMBER OF pg_monitor", "SUPERUSER"),
                        facts=(("valid until", "infinity"),))
    legacy = Account(DATABASE, "erp-db", "postgresql", "legacy_app", last_login=NOW - 200 * DAY,
                     login_tracked=True, privileges=("SELECT ON TABLE public.invoice",))
    app = Account(DATABASE, "erp-mysql", "mariadb", "'app'@'%'", host_pattern="%",
                  privileges=("SELECT ON erp.*", "UPDATE ON erp.*"))
    bold = Account(OS, "erp-app-1", "linux", "bold", display_name="Bob Old", last_login=NOW - 40 * DAY,
                   login_tracked=True, privileges=("GROUP sudo",), facts=(("UID", "1003"), ("shell", "/bin/bash")))
    deploy = Account(OS, "erp-app-1", "linux", "deploy", login_tracked=True, facts=(("UID", "1010"),))
    jroe = Account(ERP, "erp", "odoo", "jroe", display_name="Jane Roe", email="jane.roe@example.com",
                   last_login=NOW - 2 * DAY, login_tracked=True, privileges=("GROUP Sales / User",))
    test = Account(ERP, "erp", "odoo", "test", locked=True, login_tracked=True, last_login=NOW - 400 * DAY)
    return [
        ReviewRow(erp_admin, JANE, (finding(erp_admin.key, "privileged", Severity.CRITICAL,
                                            "erp_admin is a superuser and not approved"),)),
        ReviewRow(legacy, None, (finding(legacy.key, "stale", Severity.WARNING, "no login for 200 days"),
                                 finding(legacy.key, "no_owner", Severity.WARNING, "nobody in the roster"))),
        ReviewRow(app, None, (finding(app.key, "open_host", Severity.WARNING, "'app'@'%' accepts any host"),
                              finding(app.key, "drift_privileges", Severity.WARNING, "privileges changed",
                                      extra=("UPDATE ON erp.*",), missing=("DELETE ON erp.archive",)))),
        ReviewRow(bold, BOB, (finding(bold.key, "departed", Severity.CRITICAL, "Bob Old left on 2026-08-31"),)),
        ReviewRow(deploy, None, (finding(deploy.key, "never_logged_in", Severity.INFO, "never logged in"),)),
        ReviewRow(jroe, JANE, (), Decision(jroe.key, KEEP, "", "alice", NOW - DAY)),
        ReviewRow(test, None, (), Decision(test.key, REVOKE, "nobody uses it", "alice", NOW - DAY),
                  (Statement("erp", "sql", "UPDATE res_users SET active = false WHERE login = 'test';"),)),
    ]


def sources(failed: bool = True) -> tuple[SourceExtract, ...]:
    out = [SourceExtract("erp-db", DATABASE, "postgresql", PG_QUERY, 2, NOW - 3600, 0.4),
           SourceExtract("erp-mysql", DATABASE, "mariadb", "SELECT user, host FROM mysql.user", 1, NOW - 3600, 0.2),
           SourceExtract("erp-app-1", OS, "linux", "cat /etc/passwd /etc/group", 2, NOW - 3600, 1.1,
                         note="shadow not readable: password aging unknown"),
           SourceExtract("erp", ERP, "odoo", "SELECT login, active FROM res_users", 2, NOW - 3600, 0.3)]
    if failed:
        out.append(SourceExtract("erp-app-2", OS, "linux", "cat /etc/passwd /etc/group", 0, NOW - 3600, 10.0,
                                 error="timed out after 10 s"))
    return tuple(out)


def review(campaign: Campaign = CAMPAIGN, rows: list[ReviewRow] | None = None, failed: bool = True,
           baseline: str = "2026 Q3") -> CampaignReview:
    rows = _rows() if rows is None else rows
    extraction = Extraction(NOW - 3600, tuple(r.account for r in rows), sources(failed), (JANE, BOB))
    return CampaignReview(campaign, extraction, tuple(rows), baseline)


def row(key: str, rv: CampaignReview | None = None) -> ReviewRow:
    return next(r for r in (rv or review()).rows if r.account.key == key)


def decided(r: ReviewRow, decision: str, comment: str = "", statements: tuple[Statement, ...] = ()) -> ReviewRow:
    return dataclasses.replace(r, decision=Decision(r.account.key, decision, comment, "alice", NOW),
                               statements=statements)


def many_rows(n: int) -> list[ReviewRow]:
    """``n`` accounts over three sources, a third with a finding: the page's large table."""
    out = []
    for i in range(n):
        source = (DATABASE, OS, ERP)[i % 3]
        a = Account(source, f"sys-{i % 7}", "postgresql", f"user{i:05d}", last_login=NOW - (i % 300) * DAY,
                    login_tracked=True, privileges=tuple(f"P{j}" for j in range(i % 5)))
        findings = (finding(a.key, "stale", Severity.WARNING, "stale"),) if i % 3 == 0 else ()
        out.append(ReviewRow(a, None, findings))
    return out


class RecordingBridge(QObject):
    """The bridge's access half as a page sees it: the same signals; requests are recorded so a
    test can assert what the page asked for and answer with the signal the service would send."""

    access_ready = Signal()
    access_campaigns_loaded = Signal(object)
    access_review_loaded = Signal(object)
    access_progress = Signal(str, int, int)
    access_row_changed = Signal(object)
    access_signed = Signal(object)
    access_exported = Signal(object)
    access_statement_finished = Signal(bool, str)
    access_failed = Signal(str, str)

    def __init__(self, available: bool = True) -> None:
        super().__init__()
        self.calls: list[tuple] = []
        self.has_access = available

    def access_unavailable(self) -> str:
        return "" if self.has_access else "The access review keeps its campaigns in the store, which is not open yet."

    def _record(self, *call) -> None:
        self.calls.append(call)

    def request_access_campaigns(self) -> None:
        self._record("request_access_campaigns")

    def create_access_campaign(self, name: str) -> None:
        self._record("create_access_campaign", name)

    def request_access_review(self, campaign_id: int) -> None:
        self._record("request_access_review", campaign_id)

    def collect_access(self, campaign_id: int) -> None:
        self._record("collect_access", campaign_id)

    def decide_access(self, campaign_id: int, key: str, decision: str, comment: str = "") -> None:
        self._record("decide_access", campaign_id, key, decision, comment)

    def undo_access_decision(self, campaign_id: int, key: str) -> None:
        self._record("undo_access_decision", campaign_id, key)

    def sign_access(self, campaign_id: int, signer_name: str) -> None:
        self._record("sign_access", campaign_id, signer_name)

    def export_access(self, campaign_id: int, path: str) -> None:
        self._record("export_access", campaign_id, path)

    def run_access_statement(self, campaign_id: int, key: str, statement) -> None:
        self._record("run_access_statement", campaign_id, key, statement)

    def last(self, name: str) -> tuple:
        return next(c for c in reversed(self.calls) if c[0] == name)
