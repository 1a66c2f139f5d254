"""Shapes of the access review that cross threads and reach the UI (frozen dataclasses).

An ``Account`` is one login-capable identity in one system: a database role or account, an OS
account on a host, or a user of the ERP application. Collectors fill it from the real system;
the rules judge it; the review keeps a decision per account ``key``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# AccessPolicy is defined with the inventory (config imports no services); kept importable
# from here.
from erpconsole.config.models import AccessPolicy  # noqa: F401 - re-exported
from erpconsole.i18n import N_, _
from erpconsole.services.models import Severity

# Account.source
DATABASE = "database"
OS = "os"
ERP = "erp"
SOURCES = (DATABASE, OS, ERP)

# Decision.decision
KEEP = "keep"
REVOKE = "revoke"
CHANGE = "change"
DECISIONS = (KEEP, REVOKE, CHANGE)

# What each rule of services/access/rules.py finds, in words every view shows beside it.
RULE_TEXT: dict[str, tuple[str, str]] = {
    "departed": (N_("Departed staff"), N_(
        "The HR roster says the owner has left (status or end date), yet the account can still "
        "log in. Accounts of people who left are the first thing an auditor looks for: revoke it "
        "the same day.")),
    "stale": (N_("Stale"), N_(
        "No login for longer than the policy allows ([access] stale_days, 90 days by default). An "
        "unused account is risk without benefit: revoke it, or keep it with a reason.")),
    "never_logged_in": (N_("Never logged in"), N_(
        "The system records logins and this account has none. New accounts are expected here; "
        "old ones were probably never needed.")),
    "uid0": (N_("UID 0 besides root"), N_(
        "A second account with user id 0 is root under another name: it bypasses every "
        "permission and hides who acted. Remove it or give it a normal uid.")),
    "privileged": (N_("Privileged, not approved"), N_(
        "Superuser, ALL PRIVILEGES ON *.*, sudo / wheel / admin membership or ERP system "
        "administrator, and the name is not in [access] approved_superusers. Least privilege: "
        "approve it explicitly or take the privilege away.")),
    "shared_name": (N_("Shared or generic name"), N_(
        "A generic name (admin, test, guest, erp ...) that can log in is usually shared, so "
        "nobody can tell who did what. Give each person their own account.")),
    "open_host": (N_("Open to any host"), N_(
        "A MySQL/MariaDB account with host '%' accepts connections from anywhere the server is "
        "reachable. Limit it to the application servers' addresses.")),
    "no_expiry": (N_("Password never expires"), N_(
        "The policy ([access] password_max_age_days) requires passwords to change, but this one "
        "never expires or is older than allowed.")),
    "password_expired": (N_("Password expired"), N_(
        "The password has expired, so the account cannot log in with it. If nobody missed it, "
        "it is not needed: revoke it.")),
    "public_grant": (N_("Granted to PUBLIC"), N_(
        "Privileges granted to PUBLIC are held by every role, including ones created later. "
        "Grant them to the roles that need them instead.")),
    "no_owner": (N_("No owner"), N_(
        "No person in the HR roster matches this account (by user name or e-mail). Find its "
        "owner and add the account to the roster, or revoke it.")),
    "drift_added": (N_("New since baseline"), N_(
        "This account did not exist (or was not approved) when the baseline campaign was "
        "signed. Confirm it was created on purpose.")),
    "drift_privileges": (N_("Privileges changed since baseline"), N_(
        "The account's privileges differ from the approved state of the baseline campaign: "
        "'extra' were added since, 'missing' were taken away.")),
    "drift_removed": (N_("Gone since baseline"), N_(
        "The baseline campaign approved this account and it no longer exists. Usually the "
        "result of a revoke; confirm nothing depended on it.")),
    "not_revoked": (N_("Revoke not carried out"), N_(
        "The baseline campaign decided to revoke this account, and it can still log in.")),
}


def rules() -> dict[str, tuple[str, str]]:
    """rule id -> (title, explanation), translated for the reader."""
    return {rule: (_(title), _(text)) for rule, (title, text) in RULE_TEXT.items()}


@dataclass(frozen=True, slots=True)
class Account:
    """One account as the system holds it. Times are epoch seconds; None means unknown."""

    source: str  # database | os | erp
    system: str  # the inventory name of the database or host it lives on
    kind: str  # postgresql | mysql | mariadb | linux | odoo | erpnext | custom
    name: str  # role, 'user'@'host', login name, ERP login
    display_name: str = ""
    email: str = ""
    can_login: bool = True  # has a way in at all (LOGIN, a shell, an ERP login)
    locked: bool = False  # disabled, locked, inactive, expired account
    superuser: bool = False  # SUPERUSER, UID 0, ALL PRIVILEGES ON *.*, ERP system administrator
    # Normalised privilege lines, sorted: what drift compares, e.g. "SUPERUSER",
    # "MEMBER OF pg_monitor", "SELECT ON TABLE public.invoice", "ALL PRIVILEGES ON *.*",
    # "GROUP sudo", "UID 0", "ROLE System Manager", "GROUP Settings / Administration".
    privileges: tuple[str, ...] = ()
    last_login: float | None = None
    login_tracked: bool = False  # the system records logins (else last_login None means unknown)
    password_changed: float | None = None
    password_expires: float | None = None  # when the password stops working
    password_never_expires: bool | None = None  # None: not known or no password at all
    password_expired: bool = False
    host_pattern: str = ""  # MySQL/MariaDB: the host part ('%' = anywhere)
    # Further facts for the detail pane, in order: ("UID", "1001"), ("shell", "/bin/bash"),
    # ("authorized keys", "2"), ("password lifetime", "90 days") ...
    facts: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """Stable across collections: decisions and baselines are keyed by it."""
        return f"{self.source}/{self.system}/{self.name}"

    @property
    def active(self) -> bool:
        return self.can_login and not self.locked


@dataclass(frozen=True, slots=True)
class SourceExtract:
    """How one source was read: what an auditor needs to check completeness."""

    system: str
    source: str  # database | os | erp | roster
    kind: str
    query: str  # the exact query or command text that was run (or the roster file path)
    rows: int
    ts: float
    duration_s: float = 0.0
    error: str = ""  # empty: read in full
    note: str = ""  # partial reads: "shadow not readable: password aging unknown"

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True, slots=True)
class Person:
    """One row of the HR roster."""

    employee_id: str
    name: str
    usernames: tuple[str, ...] = ()
    email: str = ""
    status: str = "active"  # active | left | leave | ... as the roster says
    end_date: date | None = None

    def departed(self, today: date) -> bool:
        if self.status.strip().lower() in ("left", "departed", "terminated", "inactive", "former"):
            return True
        return self.end_date is not None and self.end_date < today


@dataclass(frozen=True, slots=True)
class Extraction:
    """One collection: every source read at (about) one time."""

    ts: float
    accounts: tuple[Account, ...] = ()
    sources: tuple[SourceExtract, ...] = ()
    people: tuple[Person, ...] = ()


@dataclass(frozen=True, slots=True)
class AccessFinding:
    key: str  # Account.key
    rule: str  # an id of RULE_TEXT above
    severity: Severity
    message: str
    extra: tuple[str, ...] = ()  # drift: privileges present but not approved
    missing: tuple[str, ...] = ()  # drift: approved but no longer present


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement that would carry out a decision; shown for copy, run only when confirmed."""

    system: str  # database or host name it runs on
    language: str  # sql | shell
    text: str
    why: str = ""  # which finding or decision it answers
    runnable: bool = True  # False: a template the reviewer must edit first (a new host pattern)


@dataclass(frozen=True, slots=True)
class Decision:
    key: str
    decision: str  # keep | revoke | change
    comment: str
    reviewer: str
    ts: float


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int
    name: str
    created_ts: float
    created_by: str
    signed_ts: float | None = None
    signed_by: str = ""  # the name the signer gave
    signed_actor: str = ""  # the OS login that signed (user@machine)

    @property
    def signed(self) -> bool:
        return self.signed_ts is not None


@dataclass(frozen=True, slots=True)
class ReviewRow:
    account: Account
    owner: Person | None = None
    findings: tuple[AccessFinding, ...] = ()
    decision: Decision | None = None
    statements: tuple[Statement, ...] = ()  # for the decision made (or the one proposed)

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)


@dataclass(frozen=True, slots=True)
class CampaignReview:
    """Everything the review page shows of one campaign."""

    campaign: Campaign
    extraction: Extraction | None
    rows: tuple[ReviewRow, ...] = ()
    baseline: str = ""  # name of the signed campaign drift is measured against, "" if none
    # Accounts the baseline approved that the latest extraction no longer has.
    gone: tuple[AccessFinding, ...] = ()

    @property
    def decided(self) -> int:
        return sum(1 for r in self.rows if r.decision is not None)


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: str
    sha256: str
    accounts: int
    findings: int
    files: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (name in package, sha256)
