"""The named checks an SOP step can be bound to: each judges live data and keeps what it saw.

This module is the registry; the checks themselves are in checks_live.py (what the monitor
polls) and checks_records.py (backups and access reviews), and what they judge, the
``CheckContext``, is in context.py, so the registry imports the checks and no check imports
the registry.

A check takes a ``CheckContext`` (the monitor's statuses, the backup sets with their policy
findings, the newest access review) and its parameters, and gives a ``CheckResult``:

- ``ok`` True: everything it judged passed; False: at least one item failed;
- ``ok`` None: it could not judge (nothing configured, a target not polled yet, a source not
  read). A step never passes on missing data: a dead host is not a host with free disk space.

``values`` holds one line per item it looked at (host and mount, database, backup set,
account), so a signed run shows the figures that were true at the time.

The backup checks read the policy's own findings (services/backups/policy.py), so a step can
never disagree with the Backups page. The access checks read the findings of the access rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from erpconsole.i18n import N_, _
from erpconsole.services.sop import checks_live as live
from erpconsole.services.sop import checks_records as records
from erpconsole.services.sop.context import CheckContext
from erpconsole.services.sop.models import CheckResult

@dataclass(frozen=True, slots=True)
class Param:
    """A number a check takes, with its default and the range a template may set."""

    name: str
    default: float
    minimum: float
    maximum: float


CheckFn = Callable[[CheckContext, Mapping[str, float]], CheckResult]


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """``title`` and ``description`` are marked for translation (N_): show them through
    ``text()``."""

    name: str
    title: str
    description: str
    fn: CheckFn
    params: tuple[Param, ...] = ()

    def text(self) -> tuple[str, str]:
        return _(self.title), _(self.description)

    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.params}

    def param_error(self, name: str, value: object) -> str | None:
        """Why ``name = value`` is refused, or None when it is fine (the template parser asks)."""
        param = next((p for p in self.params if p.name == name), None)
        if param is None:
            allowed = ", ".join(p.name for p in self.params) or _("none")
            return _('check "{check}" takes no parameter "{name}" (it takes: {allowed})').format(
                check=self.name, name=name, allowed=allowed)
        number = _number(value)
        if number is None or not param.minimum <= number <= param.maximum:
            return _("{name} must be a number from {low:g} to {high:g} (got {got!r})").format(
                name=name, low=param.minimum, high=param.maximum, got=value)
        return None

    def run(self, ctx: CheckContext, params: Mapping[str, object] | Iterable[tuple[str, object]] = ()) -> CheckResult:
        """Runs the check with ``params`` over the defaults (strings as a template stores them
        are fine). A parameter that is wrong, or a check that raises, gives ok None with the
        reason: a check never throws at its caller and never passes by accident."""
        given = dict(params.items() if isinstance(params, Mapping) else params)
        for name, value in given.items():
            error = self.param_error(name, value)
            if error:
                return CheckResult(None, error)
        values = self.defaults() | {name: float(_number(v) or 0.0) for name, v in given.items()}
        try:
            return self.fn(ctx, values)
        except Exception as exc:  # noqa: BLE001 - a broken check must not break the run
            return CheckResult(None, _("the check could not run: {error}").format(error=exc))


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


# -- the registry ---------------------------------------------------------------------------------

def _spec(fn: CheckFn, title: str, description: str, *params: Param) -> CheckSpec:
    return CheckSpec(fn.__name__, title, description, fn, params)


_PERCENT = (0.0, 100.0)
CHECKS: dict[str, CheckSpec] = {spec.name: spec for spec in (
    _spec(live.hosts_disk_below, N_("Disks not over the limit"), N_(
        "No mounted file system of any host is used over max_percent (a value at the limit "
        "passes, as in the findings). A full disk stops the database, and the ERP with it."),
        Param("max_percent", 85.0, *_PERCENT)),
    _spec(live.hosts_memory_below, N_("Memory not over the limit"), N_(
        "Memory use of no host is over max_percent; beyond it the system swaps or kills "
        "processes."), Param("max_percent", 90.0, *_PERCENT)),
    _spec(live.hosts_reachable, N_("Hosts and databases answer"), N_(
        "No host or database is unreachable, timing out, refusing the login or failing to be "
        "read.")),
    _spec(live.no_hostkey_mismatch, N_("No changed SSH host key"), N_(
        "No host offers an SSH key different from the one on file: a changed key may be a man "
        "in the middle, or a reinstalled server that must be checked.")),
    _spec(live.db_replication_lag_below, N_("Replication lag not over the limit"), N_(
        "No replica (or this replica's upstream) is more than max_seconds behind; a lagging "
        "replica loses that much data on failover."), Param("max_seconds", 60.0, 0.0, 86400.0)),
    _spec(live.db_connections_below, N_("Connections not over the limit"), N_(
        "No database uses over max_percent of max_connections; at the limit new logins of "
        "the ERP are refused."), Param("max_percent", 80.0, *_PERCENT)),
    _spec(live.db_cache_hit_above, N_("Cache hit ratio above the limit"), N_(
        "Every database serves at least min_percent of reads from memory; fewer means reads from "
        "disk and slow screens."), Param("min_percent", 95.0, *_PERCENT)),
    _spec(live.db_no_long_queries, N_("No long-running statements"), N_(
        "No statement has been running longer than max_seconds; long ones hold locks and block "
        "others."), Param("max_seconds", 300.0, 1.0, 86400.0)),
    _spec(records.backups_within_rpo, N_("Newest backup within the RPO"), N_(
        "The newest good backup of every backup set is younger than the set's recovery point "
        "objective.")),
    _spec(records.backups_verified, N_("Newest backup verified"), N_(
        "The newest good backup of every set passed a verification (checksum, archive test or "
        "the tool's own check).")),
    _spec(records.restore_drills_current, N_("Restore drills current"), N_(
        "Every set that asks for drills had a passed restore drill within drill_every_d days: "
        "only a restore proves a backup.")),
    _spec(records.access_review_signed_within, N_("Access review signed recently"), N_(
        "An access review campaign was signed within the last days."),
        Param("days", 92.0, 1.0, 3650.0)),
    _spec(records.access_no_departed, N_("No accounts of departed staff"), N_(
        "No account that can still log in belongs to someone the HR roster says has left.")),
    _spec(records.access_no_superuser_drift, N_("No superuser drift"), N_(
        "Every superuser account is as the signed baseline campaign approved it: none added, "
        "none with new privileges, none left that was to be revoked.")),
    _spec(records.no_critical_findings, N_("No critical findings"), N_(
        "No host, database, backup set or account has a critical finding.")),
)}


def check_names() -> tuple[str, ...]:
    return tuple(sorted(CHECKS))


def run_check(name: str, ctx: CheckContext,
              params: Mapping[str, object] | Iterable[tuple[str, object]] = ()) -> CheckResult:
    """Runs the named check; an unknown name gives ok None, never an exception."""
    spec = CHECKS.get(name)
    if spec is None:
        return CheckResult(None, _('no check named "{name}"; known checks: {known}').format(
            name=name, known=", ".join(check_names())))
    return spec.run(ctx, params)
