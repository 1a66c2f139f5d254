"""Checks on records rather than live polls: backup sets against their policy, the access
review, and the critical findings of everything (services/sop/checks.py names them).

The backup checks read the policy's own findings (services/backups/policy.py), so a step can
never disagree with the Backups page; the access checks read the access rules' findings."""

from __future__ import annotations

from collections.abc import Mapping

from erpconsole.i18n import N_, Nn_, _, ngettext
from erpconsole.services.backups import policy
from erpconsole.services import units
from erpconsole.services.models import Health, Severity
from erpconsole.services.sop.checks_live import UNSURE, Row, judge
from erpconsole.services.sop.context import BackupPair, CheckContext
from erpconsole.services.sop.models import CheckResult

NO_BACKUP_SERVICE = N_("backups are not available here (the backup part is not running): "
                       "nothing to judge")
NO_BACKUP_SETS = N_("no backup sets in the inventory: add a [[backups]] table")
NO_CAMPAIGN = N_("no access review campaign yet: start one on the Access page and collect accounts")
DAY_S = 86400.0


def _pairs(ctx: CheckContext) -> tuple[list[BackupPair] | None, CheckResult | None]:
    if ctx.backups is None:
        return None, CheckResult(None, _(NO_BACKUP_SERVICE))
    if not ctx.backups:
        return None, CheckResult(None, _(NO_BACKUP_SETS))
    return list(ctx.backups), None


def _finding(found, check: str):
    return next((f for f in found if f.check == check), None)


# -- backups --------------------------------------------------------------------------------------

def backups_within_rpo(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    pairs, missing = _pairs(ctx)
    if missing:
        return missing
    rows: list[Row] = []
    for status, found in pairs:
        name, newest = status.config.name, status.newest_good
        rpo = _("RPO {h:g} h").format(h=status.config.policy.rpo_h)
        late = _finding(found, policy.LATE)
        if status.error:
            rows.append((name, _("not read: {error}").format(error=status.error), None))
        elif late is not None or newest is None:
            rows.append((name, late.message if late else _("no good backup"), False))
        else:
            age = policy.age_text(ctx.now - newest.finished)
            rows.append((name, _("newest {id} is {age} old, {rpo}").format(id=newest.id, age=age, rpo=rpo), True))
    return judge(rows, _(NO_BACKUP_SETS), Nn_("the newest good backup of the {n} set is within its RPO",
                                                  "the newest good backup of all {n} sets is within its RPO"),
                 Nn_("{n} set past its RPO: {items}", "{n} sets past their RPO: {items}"), UNSURE)


def _verified_row(status, now: float) -> Row:
    name, newest, v = status.config.name, status.newest_good, status.verification
    if status.error:
        return name, _("not read: {error}").format(error=status.error), None
    if newest is None:
        return name, _("no good backup to verify"), False
    if v is None:
        return name, _("never verified"), False
    if not v.ok:
        return name, _("verification of {id} failed ({method}): {message}").format(
            id=v.backup_id, method=v.method, message=v.message), False
    if v.backup_id != newest.id:
        return name, _("the newest ({id}) is not verified; last verified {old}").format(
            id=newest.id, old=v.backup_id), False
    return name, _("{id} verified by {method}, {age} ago").format(
        id=v.backup_id, method=v.method, age=policy.age_text(now - v.ts)), True


def backups_verified(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    pairs, missing = _pairs(ctx)
    if missing:
        return missing
    rows = [_verified_row(status, ctx.now) for status, _found in pairs]
    return judge(rows, _(NO_BACKUP_SETS), Nn_("the newest backup of the {n} set is verified",
                                                  "the newest backup of all {n} sets is verified"),
                 Nn_("{n} set without a verified newest backup: {items}",
                     "{n} sets without a verified newest backup: {items}"), UNSURE)


def restore_drills_current(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    pairs, missing = _pairs(ctx)
    if missing:
        return missing
    rows: list[Row] = []
    for status, found in pairs:
        if status.config.policy.drill_every_d is None:
            continue  # this set asks for no drills: nothing to hold it to
        overdue, drill = _finding(found, policy.DRILL_OVERDUE), status.last_drill
        if overdue is not None or drill is None:
            rows.append((status.config.name, overdue.message if overdue else _("no drill"), False))
        else:
            rows.append((status.config.name, _("last drill {age} ago, {took}, passed").format(
                age=policy.age_text(ctx.now - drill.started), took=units.duration(drill.duration_s)), True))
    return judge(rows, _("no backup set asks for restore drills (drill_every_d): nothing to judge"),
                 Nn_("the {n} set has a passed restore drill within its interval",
                     "all {n} sets have a passed restore drill within their interval"),
                 Nn_("{n} set with no recent passed restore drill: {items}",
                     "{n} sets with no recent passed restore drill: {items}"), UNSURE)


# -- access ---------------------------------------------------------------------------------------

def access_review_signed_within(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    campaigns = ctx.access_campaigns or ((ctx.access.campaign,) if ctx.access else ())
    if not campaigns:
        return CheckResult(None, _(NO_CAMPAIGN))
    signed = sorted((c for c in campaigns if c.signed), key=lambda c: c.signed_ts)
    days = p["days"]
    if not signed:
        return CheckResult(False, _("no access review campaign has been signed; finish and sign one"),
                           tuple((c.name, _("not signed")) for c in campaigns))
    newest = signed[-1]
    age_d = (ctx.now - newest.signed_ts) / DAY_S
    age = units.duration(ctx.now - newest.signed_ts)
    values = ((newest.name, _("signed by {who}, {age} ago").format(who=newest.signed_by, age=age)),)
    if age_d <= days:
        return CheckResult(True, _('campaign "{name}" was signed {age} ago (within {days})').format(
            name=newest.name, age=age, days=units.duration(days * DAY_S)), values)
    return CheckResult(False, _('the newest signed campaign "{name}" is {age} old, more than {days}; '
                                'run a new review').format(name=newest.name, age=age,
                                                           days=units.duration(days * DAY_S)), values)


def _collected(ctx: CheckContext) -> CheckResult | None:
    if ctx.access is None:
        return CheckResult(None, _(NO_CAMPAIGN))
    if ctx.access.extraction is None:
        return CheckResult(None, _('campaign "{name}" has no collection yet: collect accounts first').format(
            name=ctx.access.campaign.name))
    return None


def access_no_departed(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    missing = _collected(ctx)
    if missing:
        return missing
    review = ctx.access
    if not review.extraction.people:
        return CheckResult(None, _("no HR roster was loaded, so departed staff cannot be found: "
                                   "set [access] roster in the inventory and collect again"))
    rows: list[Row] = [(r.account.key, f.message, False) for r in review.rows
                       for f in r.findings if f.rule == "departed"]
    if rows:
        return judge(rows, "", None, Nn_("{n} account of departed staff can still log in: {items}",
                                         "{n} accounts of departed staff can still log in: {items}"), None)
    return CheckResult(True, ngettext("the {n} account belongs to no one who has left",
                                      "none of the {n} accounts belongs to someone who has left",
                                      len(review.rows)).format(n=len(review.rows)), ((_("accounts checked"), str(len(review.rows))),))


_DRIFT = ("drift_added", "drift_privileges", "not_revoked")


def access_no_superuser_drift(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    missing = _collected(ctx)
    if missing:
        return missing
    review = ctx.access
    if not review.baseline:
        return CheckResult(None, _("no signed baseline campaign to compare with: sign a review "
                                   "campaign first, later ones are compared with it"))
    supers = [r for r in review.rows if r.account.superuser]
    rows: list[Row] = []
    for r in supers:
        drift = [f for f in r.findings if f.rule in _DRIFT and (f.rule != "drift_privileges" or f.extra)]
        rows.append((r.account.key, "; ".join(f.message for f in drift) or _("as approved"), not drift))
    if not rows:
        return CheckResult(True, _('no superuser account; nothing differs from the baseline "{b}"').format(
            b=review.baseline))
    return judge(rows, "", Nn_('the {n} superuser account is as the baseline "{b}" approved',
                               'the {n} superuser accounts are as the baseline "{b}" approved'),
                 Nn_("{n} superuser account new or changed since the baseline: {items}",
                     "{n} superuser accounts new or changed since the baseline: {items}"), UNSURE,
                 b=review.baseline)


# -- everything -----------------------------------------------------------------------------------

def no_critical_findings(ctx: CheckContext, p: Mapping[str, float]) -> CheckResult:
    if not ctx.statuses and ctx.backups is None and ctx.access is None:
        return CheckResult(None, _("nothing to judge: no hosts, databases, backups or access review"))
    rows: list[Row] = []
    for s in ctx.statuses:
        if s.health is Health.HOSTKEY_MISMATCH:
            rows.append((s.target, s.message or s.health.value, False))
        rows += [(f.target, f.message, False) for f in s.findings if f.severity is Severity.CRITICAL]
    for _status, found in ctx.backups or ():
        rows += [(f.target, f.message, False) for f in found if f.severity is Severity.CRITICAL]
    for r in ctx.access.rows if ctx.access else ():
        rows += [(r.account.key, f.message, False) for f in r.findings if f.severity is Severity.CRITICAL]
    if rows:
        return judge(rows, "", None, Nn_("{n} critical finding: {items}", "{n} critical findings: {items}"), None)
    hosts, sets = len(ctx.statuses), len(ctx.backups or ())
    accounts = len(ctx.access.rows) if ctx.access else 0
    parts = (ngettext("{n} host or database", "{n} hosts and databases", hosts).format(n=hosts),
             ngettext("{n} backup set", "{n} backup sets", sets).format(n=sets)
             if ctx.backups is not None else _("no backups"),
             ngettext("{n} account", "{n} accounts", accounts).format(n=accounts)
             if ctx.access else _("no access review"))
    return CheckResult(True, _("no critical finding in {what}").format(what=", ".join(parts)),
                       tuple((_("looked at"), part) for part in parts))

