"""What one ``inspect`` covers: its parts (``--only``) and its targets (``--target``), so that
one console install serves as many service checks of a monitoring system as it needs.

The access review is a part like the others but not a default one: it is slow and reads every
account, so it runs when asked for.
"""

from __future__ import annotations

from dataclasses import replace

from erpconsole.config import Inventory
from erpconsole.config.models import LOCAL_HOST, LocalConfig
from erpconsole.i18n import _

HOSTS, DATABASES, BACKUPS, ACCESS, SOP = "hosts", "databases", "backups", "access", "sop"
PARTS = (HOSTS, DATABASES, BACKUPS, ACCESS, SOP)
DEFAULT_PARTS = (HOSTS, DATABASES, BACKUPS)
REPORT_PARTS = (HOSTS, DATABASES, BACKUPS, ACCESS)  # the daily report has an access section


class ScopeError(ValueError):
    """A selection that names nothing there is, or selects nothing: bad input (exit 3)."""


def parse_parts(given: list[str] | None, default: tuple[str, ...] = DEFAULT_PARTS) -> tuple[str, ...]:
    """``--only hosts,databases --only access`` -> the parts, in PARTS order."""
    if not given:
        return default
    words = [w.strip().lower() for item in given for w in item.split(",") if w.strip()]
    unknown = [w for w in words if w not in PARTS]
    if unknown:
        raise ScopeError(_("--only takes {parts} (comma separated), not {word!r}").format(
            parts=", ".join(PARTS), word=unknown[0]))
    return tuple(p for p in PARTS if p in words)


def target_names(inv: Inventory) -> list[str]:
    names = [LOCAL_HOST] if inv.local.enabled else []
    return names + [e.name for e in (*inv.hosts, *inv.databases, *inv.backups)]


def select(inv: Inventory, targets: list[str] | None) -> Inventory:
    """The inventory cut down to the hosts, databases and backup sets named; every name must
    be one of them. None or an empty list keeps every target."""
    if not targets:
        return inv
    known = target_names(inv)
    for name in targets:
        if name not in known:
            raise ScopeError(_("there is no target named {name!r} in {inventory}; its targets are: "
                               "{known}").format(name=name, inventory=inv.path or _("the inventory"),
                                                 known=", ".join(known) or _("none")))
    wanted = set(targets)
    local = inv.local if LOCAL_HOST in wanted else LocalConfig(enabled=False, interval_s=inv.local.interval_s,
                                                              thresholds=inv.local.thresholds)
    return replace(inv, local=local,
                   hosts=tuple(h for h in inv.hosts if h.name in wanted),
                   databases=tuple(d for d in inv.databases if d.name in wanted),
                   backups=tuple(b for b in inv.backups if b.name in wanted))


def for_backups(selected: Inventory, whole: Inventory) -> Inventory:
    """The backup sets selected, with every host of the inventory: a set names the host its
    backups are read on, which --target need not select (its poll is not this check's)."""
    return replace(whole, backups=selected.backups)


def check_covered(inv: Inventory, parts: tuple[str, ...]) -> None:
    """A check that covers nothing would say OK forever: refuse it instead."""
    present = {
        HOSTS: inv.local.enabled or bool(inv.hosts), DATABASES: bool(inv.databases),
        BACKUPS: bool(inv.backups), ACCESS: True, SOP: True,
    }
    if not any(present[p] for p in parts):
        raise ScopeError(_("nothing to check: the selection ({parts}) has no target in {inventory}; "
                           "add one to the inventory or choose other parts with --only").format(
                               parts=", ".join(parts), inventory=inv.path or _("the inventory")))
