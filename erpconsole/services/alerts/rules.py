"""Alert rules, declared as data in one place: what fires with no configuration, and how the
inventory's ``[[rules]]`` add or tune one.

A rule is one of three kinds: a health rule (the target could not be read: unreachable, ...), a
finding rule (a check named here gave a finding: ``disk_used`` critical), or a metric rule (a
metric of the poll over or under a threshold the inventory gives). Critical findings and the
three failed-poll states that need a person fire by default; warnings too when
``[alerts] warn = true``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from erpconsole.config import Inventory, InventoryError
from erpconsole.config.alerts_models import RuleConfig
from erpconsole.i18n import N_, _
from erpconsole.services import checks, metrics
from erpconsole.services.backups import policy as backup_policy

HEALTH, FINDING, METRIC = "health", "finding", "metric"
DOWN_STATES = frozenset({"unreachable", "hostkey_mismatch", "auth_failed"})
SOP_OVERDUE = "sop.overdue"


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    kind: str  # health | finding | metric
    runbook: str = ""  # what to do first, in the notification and on the Alerts page
    check: str = ""  # finding rules: a check name; "access" also matches "access.stale" ...
    states: frozenset[str] = frozenset()  # health rules
    metric: str = ""  # metric rules
    threshold: float | None = None
    below: bool = False
    severity: str | None = None  # None: the finding's own (critical, or warning with warn = true)
    for_s: float | None = None  # None: [alerts] for_s, else two polls
    clear_s: float | None = None
    targets: frozenset[str] = frozenset()  # empty: every target
    tags: frozenset[str] = frozenset()
    enabled: bool = True

    def applies_to(self, target: str, tags: frozenset[str] | tuple[str, ...]) -> bool:
        if not self.enabled:
            return False
        if self.targets and target not in self.targets:
            return False
        return not self.tags or bool(self.tags.intersection(tags))

    def matches_check(self, check: str) -> bool:
        return check == self.check or check.startswith(self.check + ".")


def _finding_rule(check: str, runbook: str) -> Rule:
    return Rule(name=check.replace(".", "_"), kind=FINDING, check=check, runbook=runbook)


# The runbook lines are marked for translation here and translated when shown.
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("target_down", HEALTH, N_("Check that the host is up and answers on its SSH port; a changed "
                                   "host key or a refused login needs a person on the Hosts page"),
         states=DOWN_STATES, severity="critical"),
    _finding_rule(checks.DISK_USED, N_("Free space on the disk: old logs, dumps, temporary files")),
    _finding_rule(checks.MEM_USED, N_("Find the process using the memory (top, sorted by RES)")),
    _finding_rule(checks.LOAD_PER_CORE, N_("Find what keeps the CPUs busy (top) before it slows the ERP")),
    _finding_rule(checks.DB_CONNECTIONS, N_("Look for an application leaking connections before "
                                            "logins are refused")),
    _finding_rule(checks.DB_CACHE_HIT, N_("Check the buffer cache size against the working set")),
    _finding_rule(checks.DB_REPLICATION_LAG, N_("Check the replica's network and its replay")),
    _finding_rule(checks.DB_LONG_QUERY, N_("Open the Activity tab: look at the query, cancel it if it "
                                           "should not run this long")),
    _finding_rule(checks.DB_WRAPAROUND, N_("VACUUM FREEZE the oldest tables")),
    _finding_rule(checks.DB_LOCK_WAIT, N_("Open the Activity tab: the session at the head of the "
                                          "queue holds the lock")),
    *(_finding_rule(check, N_("Open the Backups page: the set's findings say what to do"))
      for check in (backup_policy.LATE, backup_policy.FAILED, backup_policy.MISSING_KIND,
                    backup_policy.SIZE, backup_policy.RETENTION, backup_policy.UNVERIFIED,
                    backup_policy.DRILL_OVERDUE, backup_policy.DRILL_RTO, backup_policy.OFFSITE,
                    backup_policy.SOURCE)),
    _finding_rule("access", N_("Open the Access page and review the accounts it names")),
    _finding_rule(SOP_OVERDUE, N_("Open the SOP page and run the procedure that is due")),
)


def runbook_text(rule: Rule) -> str:
    return _(rule.runbook) if rule.runbook else ""


def compile_rules(inventory: Inventory) -> tuple[Rule, ...]:
    """The built-in rules tuned by ``[[rules]]``, then the new ones; a rule naming a check or a
    metric that does not exist is refused as ``FILE:LINE``."""
    by_name = {rule.name: rule for rule in DEFAULT_RULES}
    for cfg in inventory.alerts.rules:
        base = by_name.get(cfg.name)
        by_name[cfg.name] = _tuned(base, cfg, inventory.path) if base else _new(cfg, inventory.path)
    return tuple(by_name.values())


def checked(inventory: Inventory) -> Inventory:
    """``inventory`` once its rules compile (InventoryError with FILE:LINE otherwise): for the
    loaders of the console, the agent and the command line."""
    compile_rules(inventory)
    return inventory


def _tuned(base: Rule, cfg: RuleConfig, path: str | None) -> Rule:
    if cfg.threshold is not None:
        _refuse(path, cfg, _('rule "{name}" judges the findings of its check, whose limits are the '
                             "target's thresholds = {{...}}; set them there, or write a new rule "
                             'with metric = "..." and threshold').format(name=cfg.name))
    if cfg.check is not None and cfg.check != base.check or cfg.metric is not None:
        _refuse(path, cfg, _('rule "{name}" is built in and watches {what}; give the new rule '
                             "another name").format(name=cfg.name, what=base.check or base.kind))
    return dataclasses.replace(base, **_common(cfg, base))


def _common(cfg: RuleConfig, base: Rule | None = None) -> dict:
    out: dict = {"enabled": cfg.enabled}
    for key in ("severity", "for_s", "clear_s", "runbook", "threshold"):
        if getattr(cfg, key) is not None:
            out[key] = getattr(cfg, key)
    if cfg.targets:
        out["targets"] = frozenset(cfg.targets)
    if cfg.tags:
        out["tags"] = frozenset(cfg.tags)
    if cfg.below:
        out["below"] = True
    return out


# Database series are named in their snapshot, not in metrics.py (host metrics only).
DB_METRICS = frozenset({
    "db.cache_hit_percent", "db.commits_ps", "db.connections", "db.deadlocks_ps", "db.lock_waits",
    "db.max_connections", "db.queries_ps", "db.replication_lag_bytes", "db.replication_lag_s",
    "db.rollbacks_ps", "db.rows_deleted_ps", "db.rows_inserted_ps", "db.rows_read_ps",
    "db.rows_updated_ps", "db.temp_bytes_ps", "db.temp_files_ps"})


def known_metrics() -> tuple[str, ...]:
    return tuple(sorted({m.name for m in metrics.HOST_METRICS} | DB_METRICS))


def known_checks() -> tuple[str, ...]:
    return tuple(sorted({checks.HEALTH, *(r.check for r in DEFAULT_RULES if r.check)}))


def _new(cfg: RuleConfig, path: str | None) -> Rule:
    if cfg.metric is not None:
        if cfg.metric not in known_metrics():
            _refuse(path, cfg, _('metric "{metric}" does not exist; metrics: {names}').format(
                metric=cfg.metric, names=", ".join(known_metrics())))
        return Rule(cfg.name, METRIC, metric=cfg.metric, severity=cfg.severity or "warning",
                    **{k: v for k, v in _common(cfg).items() if k != "severity"})
    if cfg.check is None:
        _refuse(path, cfg, _('rule "{name}" is not built in, so it needs check = "..." or metric = '
                             '"..." with a threshold; built-in rules: {names}').format(
            name=cfg.name, names=", ".join(r.name for r in DEFAULT_RULES)))
    if cfg.check == checks.HEALTH:
        return Rule(cfg.name, HEALTH, states=DOWN_STATES, **_common(cfg))
    if not any(cfg.check == c or cfg.check.startswith(c + ".") for c in known_checks()):
        _refuse(path, cfg, _('check "{check}" does not exist; checks: {names}').format(
            check=cfg.check, names=", ".join(known_checks())))
    return Rule(cfg.name, FINDING, check=cfg.check, **_common(cfg))


def _refuse(path: str | None, cfg: RuleConfig, message: str):
    raise InventoryError(path or "inventory", cfg.line, message)
