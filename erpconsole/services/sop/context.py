"""What an SOP check judges: the live data of one moment, gathered from the services.

A module of its own so that the registry (checks.py) and the checks (checks_live.py,
checks_records.py) all import it, and no check imports the registry back. The context is
built from the services themselves (``check_context``), never from what a page was shown:
the checks run on the SOP worker, and the services keep their newest results thread-safely.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from erpconsole.services.access.models import Campaign, CampaignReview
from erpconsole.services.backups.models import BackupSetStatus
from erpconsole.services.models import Finding, TargetStatus

if TYPE_CHECKING:
    from erpconsole.services.access.service import AccessReviewService
    from erpconsole.services.backups.service import BackupService
    from erpconsole.services.monitor import Monitor

BackupPair = tuple[BackupSetStatus, tuple[Finding, ...]]


@dataclass(frozen=True, slots=True)
class CheckContext:
    """The live data a check judges. ``backups`` None: the backup part is not available
    (as opposed to an empty tuple: no backup sets in the inventory). ``access``: the review of
    the newest campaign, None when there is none. ``access_campaigns`` (added; optional): every
    campaign, so "signed within" can find the newest signed one even when a newer campaign is
    still open; empty means judge ``access.campaign`` alone."""

    statuses: tuple[TargetStatus, ...]
    backups: tuple[BackupPair, ...] | None
    access: CampaignReview | None
    now: float
    access_campaigns: tuple[Campaign, ...] = ()


def check_context(monitor: Monitor, backups: BackupService | None = None,
                  access: AccessReviewService | None = None, now: float | None = None) -> CheckContext:
    """The context as the services see it now. ``backups`` / ``access``: the services, None
    where that part is not running (it could not be built, or the store is not open)."""
    pairs: tuple[BackupPair, ...] | None
    if not monitor.inventory.backups:
        pairs = ()  # no sets in the inventory is a fact ("add one")
    else:  # sets not read yet, or no service to read them, is "not available"
        latest = backups.latest() if backups is not None else None
        pairs = tuple(latest) if latest is not None else None
    return CheckContext(statuses=tuple(monitor.statuses()), backups=pairs,
                        access=access.latest_review() if access is not None else None,
                        now=time.time() if now is None else now)
