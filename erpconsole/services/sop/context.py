"""What an SOP check judges: the live data of one moment, gathered from the services.

A module of its own so that the registry (checks.py) and the checks (checks_live.py,
checks_records.py) all import it, and no check imports the registry back.
"""

from __future__ import annotations

from dataclasses import dataclass

from erpconsole.services.access.models import Campaign, CampaignReview
from erpconsole.services.backups.models import BackupSetStatus
from erpconsole.services.models import Finding, TargetStatus

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
