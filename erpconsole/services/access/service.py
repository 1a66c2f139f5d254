"""The access review as one service: campaigns, collection, decisions, sign-off, export.

Every method blocks (it reads real systems or the store): the Qt bridge calls them on its own
worker thread, the command line calls them directly. Every change is in the audit trail.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from datetime import date

from erpconsole.services.access import collect as collecting
from erpconsole.services.access.campaigns import CampaignStore
from erpconsole.services.access.models import (
    CHANGE, DECISIONS, REVOKE, AccessFinding, Account, Campaign, CampaignReview, Decision,
    ExportResult, Extraction, Person, ReviewRow, Statement,
)
from erpconsole.services.access.roster import OwnerIndex
from erpconsole.services.access.rules import (
    Baseline, account_findings, drift_findings, gone_findings,
)
from erpconsole.services.access.statements import statements_for
from erpconsole.i18n import _, ngettext
from erpconsole.services.models import Severity
from erpconsole.services.store.audit import default_actor

Progress = Callable[[str, int, int], None]  # (what is being read, done, total)


class AccessReviewService:
    def __init__(self, engine, inventory, secrets=None, known_hosts_path=None, audit=None,
                 today: Callable[[], date] = date.today) -> None:
        self.inventory = inventory
        self.secrets = secrets
        self.known_hosts_path = known_hosts_path
        self.audit = audit
        self.store = CampaignStore(engine)
        self._today = today
        self._lock = threading.Lock()
        self._extractions: dict[int, Extraction | None] = {}
        self._latest: CampaignReview | None = None  # what the SOP checks judge

    # -- campaigns ------------------------------------------------------------------------------

    def campaigns(self) -> list[Campaign]:
        """Every campaign, newest first."""
        return self.store.campaigns()

    def create_campaign(self, name: str, actor: str | None = None) -> Campaign:
        """ValueError with a message for a person if the name is empty or already used."""
        actor = actor or default_actor()
        campaign = self.store.create(name, actor)
        self._audit("access.campaign", campaign.name, {"campaign_id": campaign.id}, actor)
        return campaign

    def collect(self, campaign_id: int, progress: Progress | None = None,
                timeout_s: float = collecting.DEFAULT_TIMEOUT_S) -> CampaignReview:
        """Reads every source now (in parallel, each with its own timeout) and keeps the
        extraction with the campaign. ValueError if the campaign is signed."""
        campaign = self.store.writable(campaign_id)
        jobs = collecting.jobs(self.inventory, self.secrets, self.known_hosts_path)
        extraction = collecting.run_jobs(jobs, progress, timeout_s)
        self.store.add_extraction(campaign_id, extraction)
        with self._lock:
            self._extractions[campaign_id] = extraction
        self._audit("access.collect", campaign.name, {
            "accounts": len(extraction.accounts), "people": len(extraction.people),
            "sources": [{"system": s.system, "source": s.source, "rows": s.rows, "ok": s.ok}
                        for s in extraction.sources]})
        return self.review(campaign_id)

    def review(self, campaign_id: int) -> CampaignReview:
        """The campaign's review as it stands; kept as the newest review (``latest_review``)."""
        review = self._review(campaign_id)
        with self._lock:
            self._latest = review
        return review

    def latest_review(self) -> CampaignReview | None:
        """The newest review asked for (or collected), None before any: the SOP checks judge it."""
        with self._lock:
            return self._latest

    def _review(self, campaign_id: int) -> CampaignReview:
        # Signing and exporting read the review for themselves: that is not a review a
        # person asked for, and it does not replace the newest one.
        campaign = self.store.campaign(campaign_id)
        extraction = self._extraction(campaign_id)
        if extraction is None:
            return CampaignReview(campaign, None)
        baseline = self._baseline(campaign)
        decisions = self.store.current(campaign_id)
        owners = OwnerIndex(extraction.people)
        rows = tuple(sorted((self._row(a, extraction, baseline, decisions.get(a.key), owners)
                             for a in extraction.accounts), key=_row_order))
        gone = tuple(self._gone(extraction, baseline)) if baseline else ()
        return CampaignReview(campaign, extraction, rows, baseline.name if baseline else "", gone)

    # -- decisions ------------------------------------------------------------------------------

    def decide(self, campaign_id: int, key: str, decision: str, comment: str = "",
               reviewer: str | None = None) -> ReviewRow:
        """Saved at once and audited. ValueError: signed campaign, unknown decision, or no
        comment for revoke / change."""
        comment = comment.strip()
        if decision not in DECISIONS:
            raise ValueError(_("unknown decision {d}; choose keep, revoke or change").format(d=decision))
        if decision in (REVOKE, CHANGE) and not comment:
            raise ValueError(_("a {decision} needs a comment: say why, and for a change what should "
                               "change").format(decision=decision))
        campaign = self.store.writable(campaign_id)
        account = self._account(campaign_id, key)
        reviewer = reviewer or default_actor()
        self.store.add_decision(campaign_id, key, decision, comment, reviewer)
        self._audit("access.decide", campaign.name, {"account": key, "decision": decision,
                                                     "comment": comment}, reviewer)
        return self._row_now(campaign, account)

    def undo_decision(self, campaign_id: int, key: str, reviewer: str | None = None) -> ReviewRow:
        """Back to the decision before the last one for this account (or none)."""
        campaign = self.store.writable(campaign_id)
        account = self._account(campaign_id, key)
        reviewer = reviewer or default_actor()
        self.store.add_undo(campaign_id, key, reviewer)
        self._audit("access.undo", campaign.name, {"account": key}, reviewer)
        return self._row_now(campaign, account)

    def sign(self, campaign_id: int, signer_name: str, actor: str | None = None) -> Campaign:
        """ValueError if rows are undecided or it is signed already. Read-only afterwards."""
        review = self._review(campaign_id)
        self.store.writable(campaign_id)
        if review.extraction is None:
            raise ValueError(_("nothing to sign: collect the accounts first"))
        undecided = len(review.rows) - review.decided
        if undecided:
            raise ValueError(ngettext(
                "{n} of {total} accounts has no decision yet; decide every account before signing",
                "{n} of {total} accounts have no decision yet; decide every account before signing",
                undecided).format(n=undecided, total=len(review.rows)))
        actor = actor or default_actor()
        campaign = self.store.sign(campaign_id, signer_name, actor)
        self._audit("access.sign", campaign.name, {
            "signer": campaign.signed_by, "accounts": len(review.rows),
            "extraction_ts": review.extraction.ts, "decisions_sha256": decisions_digest(review)}, actor)
        return campaign

    # -- evidence and carrying out ----------------------------------------------------------------

    def export(self, campaign_id: int, path: str, actor: str | None = None) -> ExportResult:
        """Writes the evidence package (zip: CSVs + PDF + manifest) and audits its SHA-256."""
        from erpconsole.services.access.evidence import write_package

        review = self._review(campaign_id)
        if review.extraction is None:
            raise ValueError(_("nothing to export: collect the accounts first"))
        head = self._audit_head()
        result = write_package(review, self.store.log(campaign_id), path, audit_head=head)
        self._audit("access.export", review.campaign.name, {
            "path": result.path, "sha256": result.sha256, "accounts": result.accounts,
            "findings": result.findings, "files": dict(result.files),
            "signed": review.campaign.signed, "audit_head": head.get("head", "")}, actor)
        return result

    def _audit_head(self) -> dict:
        """The audit trail's head, signed into a checkpoint, for the package's manifest: a copy
        the auditor keeps. What went wrong instead, when it could not be signed."""
        if self.audit is None:
            return {"unsigned": _("this console keeps no audit trail")}
        from erpconsole.services.store.audit_anchor import AuditAnchorError, checkpoint
        from erpconsole.services.store.audit_key import AuditKey

        try:
            mark = checkpoint(self.audit.engine, AuditKey(self.secrets))
        except AuditAnchorError as exc:
            return {"unsigned": exc.problem}
        return {"head": mark.head, "rows": mark.count, "signature": mark.signature,
                "signed_at": mark.ts}

    def run_statement(self, campaign_id: int, key: str, statement: Statement,
                      actor: str | None = None) -> tuple[bool, str]:
        """Runs one confirmed statement on its system; audited before and after. Only a
        statement the review itself wrote for this account's decision is run."""
        from erpconsole.services.access.execute import run_on_system

        campaign = self.store.campaign(campaign_id)
        row = self._row_now(campaign, self._account(campaign_id, key))
        if statement not in row.statements or not statement.runnable:
            raise ValueError(_("this statement is not one the review wrote for this account's "
                               "decision; copy it and run it yourself if it is meant"))
        actor = actor or default_actor()
        what = {"account": key, "system": statement.system, "language": statement.language,
                "statement": statement.text}
        request = self._audit("access.run", campaign.name, {**what, "phase": "requested"}, actor)
        ok, message = run_on_system(self.inventory, statement, self.secrets, self.known_hosts_path)
        self._audit("access.run", campaign.name, {**what, "phase": "result", "ok": ok, "message": message,
                                                  "request_id": request.id if request else None}, actor)
        return ok, message

    # -- inside -----------------------------------------------------------------------------------

    def _audit(self, action: str, target: str, details: dict, actor: str | None = None):
        if self.audit is None:
            return None
        return self.audit.append(action, target, details, actor=actor)

    def _extraction(self, campaign_id: int) -> Extraction | None:
        with self._lock:
            if campaign_id in self._extractions:
                return self._extractions[campaign_id]
        extraction = self.store.latest_extraction(campaign_id)
        with self._lock:
            self._extractions[campaign_id] = extraction
        return extraction

    def _account(self, campaign_id: int, key: str) -> Account:
        extraction = self._extraction(campaign_id)
        account = next((a for a in (extraction.accounts if extraction else ()) if a.key == key), None)
        if account is None:
            raise ValueError(_("{key} is not in this campaign's latest collection").format(key=key))
        return account

    def _baseline(self, campaign: Campaign) -> Baseline | None:
        """The approved state of the newest campaign signed before this one was made."""
        earlier = [c for c in self.store.campaigns() if c.signed and c.id < campaign.id]
        if not earlier:
            return None
        base = earlier[0]
        extraction = self._extraction(base.id)
        decisions = self.store.current(base.id)
        if extraction is None:
            return None
        approved, revoked = {}, set()
        for a in extraction.accounts:
            d = decisions.get(a.key)
            if d is not None and d.decision == REVOKE:
                revoked.add(a.key)
            else:
                approved[a.key] = a.privileges
        return Baseline(base.name, approved, frozenset(revoked))

    def _gone(self, extraction: Extraction, baseline: Baseline) -> list[AccessFinding]:
        # Only systems read in full this time: a source that failed lost nothing.
        read = {(s.source, s.system) for s in extraction.sources if s.ok}
        kept = {k: v for k, v in baseline.approved.items() if tuple(k.split("/", 2)[:2]) in read}
        return gone_findings(extraction.accounts, Baseline(baseline.name, kept))

    def _row(self, a: Account, extraction: Extraction, baseline: Baseline | None,
             decision: Decision | None, owners: OwnerIndex | None = None) -> ReviewRow:
        policy = self.inventory.access
        today = self._today()
        owners = owners or OwnerIndex(extraction.people)
        owner: Person | None = owners.match(a) if extraction.people else None
        findings = account_findings(a, owner, policy, today, roster_loaded=bool(extraction.people))
        if baseline is not None:
            findings.extend(drift_findings(a, baseline))
        statements = statements_for(a, decision.decision, findings, today, policy.password_max_age_days) \
            if decision is not None else ()
        return ReviewRow(a, owner, tuple(findings), decision, statements)

    def _row_now(self, campaign: Campaign, account: Account) -> ReviewRow:
        extraction = self._extraction(campaign.id)
        assert extraction is not None
        return self._row(account, extraction, self._baseline(campaign),
                         self.store.current(campaign.id).get(account.key))


def _row_order(row: ReviewRow) -> tuple:
    worst = row.worst
    return (-(worst.rank + 1) if worst is not None else 0, row.account.source, row.account.system,
            row.account.name.casefold())


def decisions_digest(review: CampaignReview) -> str:
    """SHA-256 over every account's key, privileges and decision: what the signature covers."""
    doc = [[r.account.key, list(r.account.privileges), r.decision.decision if r.decision else "",
            r.decision.comment if r.decision else "", r.decision.reviewer if r.decision else ""]
           for r in sorted(review.rows, key=lambda r: r.account.key)]
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False).encode("utf-8")).hexdigest()


def worst_severity(review: CampaignReview) -> Severity | None:
    found = [f.severity for r in review.rows for f in r.findings] + [f.severity for f in review.gone]
    return max(found, key=lambda s: s.rank, default=None)
