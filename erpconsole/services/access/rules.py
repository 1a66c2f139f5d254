"""What is wrong with an account: each rule has an id, a severity, a title and an explanation
the review page shows beside the finding.

Rules are plain functions of (account, owner, policy, today); drift compares an account with
the approved state of the last signed campaign (its baseline).

Each rule's title and explanation are in models.py (RULE_TEXT), where every view reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from erpconsole.services.access.models import (
    OS, AccessFinding, AccessPolicy, Account, Person,
)
from erpconsole.i18n import _, ngettext
from erpconsole.services.models import Severity

# OS groups whose members are administrators in all but name.
ADMIN_GROUPS = ("sudo", "wheel", "admin", "root")

@dataclass(frozen=True, slots=True)
class Baseline:
    """The approved state of a signed campaign: key -> privileges, and the keys it revoked."""

    name: str
    approved: Mapping[str, tuple[str, ...]]
    revoked: frozenset[str] = frozenset()


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts).date().isoformat()


def days_since(ts: float, today: date) -> int:
    """Whole calendar days, as a person counts them: last login on May 7 is 200 days ago."""
    return (today - datetime.fromtimestamp(ts).date()).days


def _user_part(account: Account) -> str:
    return account.name.split("@", 1)[0].strip("'`\"") if account.host_pattern else account.name


def _approved(account: Account, policy: AccessPolicy) -> bool:
    names = {n.casefold() for n in policy.approved_superusers}
    return account.name.casefold() in names or f"{_user_part(account)}@{account.host_pattern}".casefold() in names


def _f(account: Account, rule: str, severity: Severity, message: str, **kw) -> AccessFinding:
    return AccessFinding(account.key, rule, severity, message, **kw)


def _departed(a: Account, owner: Person | None, policy: AccessPolicy, today: date) -> list[AccessFinding]:
    if owner is None or not a.active or not owner.departed(today):
        return []
    when = owner.end_date.isoformat() if owner.end_date else owner.status
    return [_f(a, "departed", Severity.CRITICAL, _(
        "{person} ({id}) left ({when}) but this account can still log in").format(
        person=owner.name, id=owner.employee_id, when=when))]


def _logins(a: Account, owner: Person | None, policy: AccessPolicy, today: date) -> list[AccessFinding]:
    if not a.active or not a.login_tracked:
        return []
    if a.last_login is None:
        return [_f(a, "never_logged_in", Severity.INFO, _("never logged in"))]
    idle = days_since(a.last_login, today)
    if idle <= policy.stale_days:
        return []
    return [_f(a, "stale", Severity.WARNING, _("no login for {days} days (last on {date}); stale "
                                                "after {limit}").format(
        days=idle, date=_day(a.last_login), limit=policy.stale_days))]


def _privilege(a: Account, owner: Person | None, policy: AccessPolicy, today: date) -> list[AccessFinding]:
    if a.source == OS and "UID 0" in a.privileges and a.name != "root":
        return [_f(a, "uid0", Severity.CRITICAL, _("user id 0 (root) under the name {name}").format(name=a.name))]
    admin_groups = [p.removeprefix("GROUP ") for p in a.privileges
                    if a.source == OS and p.removeprefix("GROUP ") in ADMIN_GROUPS and p.startswith("GROUP ")]
    if not (a.superuser or admin_groups) or not a.can_login or _approved(a, policy):
        return []
    what = _("member of {groups}").format(groups=", ".join(admin_groups)) if admin_groups and not a.superuser \
        else _("superuser")
    return [_f(a, "privileged", Severity.WARNING, _("{what}, not in approved_superusers").format(what=what))]


def _shared(a: Account, owner: Person | None, policy: AccessPolicy, today: date) -> list[AccessFinding]:
    name = _user_part(a).split("@", 1)[0].casefold()
    if not a.active or name not in {n.casefold() for n in policy.generic_names}:
        return []
    return [_f(a, "shared_name", Severity.WARNING, _('generic name "{name}" can log in').format(name=name))]


def _open_host(a: Account, owner: Person | None, policy: AccessPolicy, today: date) -> list[AccessFinding]:
    if not a.can_login or not a.host_pattern or a.host_pattern not in ("%", ""):
        return []
    return [_f(a, "open_host", Severity.WARNING, _("accepts logins from any host ('%')"))]


def _password(a: Account, owner: Person | None, policy: AccessPolicy, today: date) -> list[AccessFinding]:
    found = []
    if a.password_expired and a.can_login:
        when = _(" on {date}").format(date=_day(a.password_expires)) if a.password_expires else ""
        found.append(_f(a, "password_expired", Severity.INFO, _("password expired{when}").format(when=when)))
    limit = policy.password_max_age_days
    if limit is None or not a.active or a.password_expired:
        return found
    if a.password_never_expires:
        found.append(_f(a, "no_expiry", Severity.WARNING, _(
            "password never expires; the policy wants a change every {days} days").format(days=limit)))
    elif a.password_changed is not None:
        age = days_since(a.password_changed, today)
        if age > limit:
            found.append(_f(a, "no_expiry", Severity.WARNING, _(
                "password is {age} days old; the policy allows {days}").format(age=age, days=limit)))
    return found


def _public(a: Account, owner: Person | None, policy: AccessPolicy, today: date) -> list[AccessFinding]:
    if a.name != "PUBLIC" or not a.privileges:
        return []
    shown = ", ".join(a.privileges[:3]) + (" …" if len(a.privileges) > 3 else "")
    return [_f(a, "public_grant", Severity.WARNING, ngettext(
        "{n} privilege granted to every role: {list}", "{n} privileges granted to every role: {list}",
        len(a.privileges)).format(n=len(a.privileges), list=shown))]


Rule = Callable[[Account, Person | None, AccessPolicy, date], list[AccessFinding]]
ACCOUNT_RULES: tuple[Rule, ...] = (_departed, _logins, _privilege, _shared, _open_host, _password, _public)


def account_findings(a: Account, owner: Person | None, policy: AccessPolicy, today: date,
                     roster_loaded: bool) -> list[AccessFinding]:
    found = [f for rule in ACCOUNT_RULES for f in rule(a, owner, policy, today)]
    if roster_loaded and owner is None and a.active and a.name != "PUBLIC" and not _approved(a, policy):
        found.append(_f(a, "no_owner", Severity.WARNING, _("no person in the HR roster owns this account")))
    return found


def drift_findings(a: Account, baseline: Baseline) -> list[AccessFinding]:
    if a.key in baseline.revoked and a.active:
        return [_f(a, "not_revoked", Severity.CRITICAL, _(
            'campaign "{name}" decided to revoke this account; it can still log in').format(name=baseline.name))]
    approved = baseline.approved.get(a.key)
    if approved is None:
        if a.active or a.privileges and a.name == "PUBLIC":
            return [_f(a, "drift_added", Severity.WARNING, _('not in the baseline "{name}"').format(
                name=baseline.name))]
        return []
    extra = tuple(sorted(set(a.privileges) - set(approved)))
    missing = tuple(sorted(set(approved) - set(a.privileges)))
    if not extra and not missing:
        return []
    # Two counts in one sentence: the plural follows the first; "removed" needs no noun.
    return [_f(a, "drift_privileges", Severity.WARNING if extra else Severity.INFO, ngettext(
        "{extra} privilege added and {missing} removed since the baseline \"{name}\"",
        "{extra} privileges added and {missing} removed since the baseline \"{name}\"", len(extra)).format(
        extra=len(extra), missing=len(missing), name=baseline.name), extra=extra, missing=missing)]


def gone_findings(accounts: Iterable[Account], baseline: Baseline) -> list[AccessFinding]:
    present = {a.key for a in accounts}
    return [AccessFinding(key, "drift_removed", Severity.INFO, _(
        'approved in the baseline "{name}" and no longer present').format(name=baseline.name),
        missing=privileges) for key, privileges in sorted(baseline.approved.items()) if key not in present]
