"""The access part of `erpconsole inspect`: one collection and the rules, no campaign.

Drift needs a signed campaign in the store, which inspect does not open; the GUI and the
evidence show drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from erpconsole.config import Inventory
from erpconsole.services.access.collect import collect
from erpconsole.services.access.models import Extraction
from erpconsole.services.access.rules import account_findings
from erpconsole.i18n import _
from erpconsole.services.models import Finding, Severity


@dataclass(frozen=True, slots=True)
class AccessReport:
    extraction: Extraction
    findings: tuple[Finding, ...]


def inspect_access(inv: Inventory, secrets=None, known_hosts_path=None, timeout_s: float = 15.0,
                   today: date | None = None, login_gate=None) -> AccessReport:
    from erpconsole.services.access.roster import OwnerIndex

    extraction = collect(inv, secrets, known_hosts_path, timeout_s=timeout_s,
                         login_gate=login_gate)
    today = today or date.today()
    findings: list[Finding] = []
    for s in extraction.sources:
        if not s.ok:
            # The host or database is already judged by its own health finding; a roster that
            # cannot be read has nothing else that would tell.
            severity = Severity.WARNING if s.source == "roster" else Severity.INFO
            findings.append(Finding(severity, s.system, "access.source", _(
                "{source} accounts not read: {error}").format(source=s.source, error=s.error)))
    owners = OwnerIndex(extraction.people)
    for a in extraction.accounts:
        owner = owners.match(a) if extraction.people else None
        for f in account_findings(a, owner, inv.access, today, bool(extraction.people)):
            findings.append(Finding(f.severity, a.system, f"access.{f.rule}", f"{a.source} {a.name}: {f.message}"))
    return AccessReport(extraction, tuple(findings))


def access_json(report: AccessReport | None) -> dict:
    if report is None:
        return {}
    ex = report.extraction
    by_rule: dict[str, int] = {}
    for f in report.findings:
        by_rule[f.check.removeprefix("access.")] = by_rule.get(f.check.removeprefix("access."), 0) + 1
    return {
        "accounts": len(ex.accounts),
        "people": len(ex.people),
        "sources": [{"system": s.system, "source": s.source, "kind": s.kind, "rows": s.rows,
                     "status": "ok" if s.ok else "error", "message": s.error or s.note}
                    for s in ex.sources],
        "findings_by_rule": by_rule,
    }
