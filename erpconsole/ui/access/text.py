"""Words and short texts of the access review: rule titles and explanations, relative login
times, decisions, sources, campaign names."""

from __future__ import annotations

import functools
import time
from datetime import date

from PySide6.QtCore import QCoreApplication

from erpconsole.services.access.models import (
    CHANGE, DATABASE, ERP, KEEP, OS, REVOKE, Account, Campaign, rules,
)
from erpconsole.services.models import Severity
from erpconsole.ui.common.words import counted


def _tr(text: str) -> str:
    return QCoreApplication.translate("access", text)


@functools.cache
def _rules() -> dict[str, tuple[str, str]]:
    """rule id -> (title, explanation), translated; read once (a table of 5,000 rows asks often)."""
    return rules()


def rule_title(rule: str) -> str:
    return _rules().get(rule, (rule, ""))[0]


def rule_explanation(rule: str) -> str:
    return _rules().get(rule, (rule, ""))[1]


def rule_ids() -> list[str]:
    return list(_rules())


def severity_level(severity: Severity | None) -> str | None:
    """The theme level a finding is coloured with (info is blue, not grey: it still says something)."""
    if severity is None:
        return None
    return {Severity.CRITICAL: "critical", Severity.WARNING: "warning"}.get(severity, "pending")


def severity_label(severity: Severity) -> str:
    return {Severity.CRITICAL: _tr("critical"), Severity.WARNING: _tr("warning")}.get(severity, _tr("info"))


def source_label(source: str) -> str:
    return {DATABASE: _tr("Database"), OS: _tr("OS"), ERP: _tr("ERP"), "roster": _tr("HR roster")}.get(source, source)


def decision_label(decision: str) -> str:
    return {KEEP: _tr("Keep"), REVOKE: _tr("Revoke"), CHANGE: _tr("Change")}.get(decision, decision)


def when_text(ts: float | None) -> str:
    if ts is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def ago_text(ts: float, now: float | None = None) -> str:
    """"200 days ago" (calendar days, as the rules count them), "3 hours ago": how long since."""
    now = time.time() if now is None else now
    days = (date.fromtimestamp(now) - date.fromtimestamp(ts)).days
    if days >= 1:
        return counted("access", "%n day ago", "%n days ago", days)
    hours = int(max(0.0, now - ts) // 3600)
    if hours >= 1:
        return counted("access", "%n hour ago", "%n hours ago", hours)
    return _tr("within the hour")


def last_login_text(account: Account, now: float | None = None) -> str:
    if account.last_login is not None:
        return ago_text(account.last_login, now)
    return _tr("never") if account.login_tracked else _tr("not tracked")


def last_login_sort(account: Account) -> float:
    """Never logged in sorts before the oldest login; not tracked before that."""
    if account.last_login is not None:
        return account.last_login
    return -1.0 if account.login_tracked else -2.0


def privileges_text(account: Account) -> str:
    # The column is titled Privileges: a count reads at a glance; the detail lists them all.
    count = len(account.privileges)
    text = str(count) if count else _tr("none")
    return _tr("SUPERUSER · {0}").format(text) if account.superuser else text


def campaign_title(campaign: Campaign) -> str:
    if campaign.signed:
        day = time.strftime("%Y-%m-%d", time.localtime(campaign.signed_ts))
        return _tr("{0} — signed by {1} on {2}").format(campaign.name, campaign.signed_by, day)
    return _tr("{0} — open").format(campaign.name)


def default_campaign_name(today: date | None = None) -> str:
    """"2026 Q4": reviews run once a quarter."""
    today = today or date.today()
    return f"{today.year} Q{(today.month - 1) // 3 + 1}"


def operation_label(operation: str) -> str:
    """What was being done when a request of the bridge failed."""
    return {"campaigns": _tr("Loading the campaigns"), "create": _tr("Creating the campaign"),
            "review": _tr("Loading the campaign"), "collect": _tr("Collecting"),
            "decide": _tr("Saving the decision"), "undo": _tr("Undoing the decision"), "sign": _tr("Signing"),
            "export": _tr("Exporting the evidence"), "run": _tr("Running the statement")}.get(operation, operation)
