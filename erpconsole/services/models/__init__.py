"""Frozen dataclasses that cross threads: the only shapes the UI sees of the services.

A package split by domain (core, host, database, status); every shape is imported from here,
``erpconsole.services.models``, as it always was.
"""

from __future__ import annotations

# Defined with the inventory (config imports no services); kept importable from here.
from erpconsole.config.models import LOCAL_HOST, DbThresholds, Thresholds
from erpconsole.services.models.core import (
    Health, Severity, Sample, PollError, HealthChange, Event, Finding, StatusSummary,
    AuditEntry, StoreHealth,
)
from erpconsole.services.models.database import (
    DbSession, DbStatement, DbTable, DbIndex, DbSequence, DbReplica, PanelNote,
    DatabaseSnapshot, DbAction, DbActionResult,
)
from erpconsole.services.models.locks import PREPARED_XACT_PID, DbBlocker, blockers
from erpconsole.services.models.host import (
    DiskUsage, ProcessInfo, Temperature, HostSnapshot, HostFacts, KnownKeyLine, HostKeyInfo,
    ForgetResult, ConnectionStep, LOSS_WINDOW_PROBES,
)
from erpconsole.services.models.status import PollOutcome, TargetStatus, Verdict, verdict

__all__ = [
    "LOCAL_HOST", "DbThresholds", "Thresholds", "Health", "Severity", "Sample", "PollError",
    "HealthChange", "Event", "Finding", "StatusSummary", "AuditEntry", "DbSession",
    "DbStatement", "DbTable", "DbIndex", "DbSequence", "DbReplica", "PanelNote",
    "DatabaseSnapshot", "DbAction", "DbActionResult", "DiskUsage", "ProcessInfo",
    "Temperature", "HostSnapshot", "HostFacts", "KnownKeyLine", "HostKeyInfo", "ForgetResult", "LOSS_WINDOW_PROBES",
    "ConnectionStep", "DbBlocker", "PREPARED_XACT_PID", "blockers", "PollOutcome", "TargetStatus", "Verdict", "verdict", "StoreHealth",
]
