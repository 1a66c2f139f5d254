"""Shapes of the backup status, verification and restore drills that cross threads and reach
the UI (frozen dataclasses). Times are epoch seconds; None means unknown."""

from __future__ import annotations

from dataclasses import dataclass, field

# Defined with the inventory (config imports no services); kept importable from here, where
# the backup code and the UI have always found them.
from erpconsole.config.models import (  # noqa: F401 - re-exported
    BARMAN, BORG, DUMPDIR, PGBACKREST, RESTIC, TOOLS, BackupPolicy, BackupSetConfig,
)

# Backup.kind
FULL = "full"
DIFF = "diff"
INCR = "incr"
SNAPSHOT = "snapshot"  # restic / borg: every snapshot is complete
DUMP = "dump"  # a logical dump file


@dataclass(frozen=True, slots=True)
class Backup:
    """One backup as its tool reports it."""

    set_name: str
    id: str  # pgBackRest label, restic / borg snapshot id or archive name, dump file name
    kind: str  # full | diff | incr | snapshot | dump
    finished: float  # when it completed: the age against the RPO counts from here
    started: float | None = None
    size_bytes: int | None = None  # the data it holds (database size, files, dump file)
    stored_bytes: int | None = None  # what it takes in the repository (compressed, deduplicated)
    ok: bool = True
    error: str = ""
    location: str = ""  # repository or full path
    checksum: str = ""  # dumpdir: SHA-256 of the file
    facts: tuple[tuple[str, str], ...] = ()  # WAL range, host, tags, paths ...


@dataclass(frozen=True, slots=True)
class VerifyResult:
    set_name: str
    backup_id: str
    ts: float
    ok: bool
    method: str  # "gzip -t", "pg_restore --list", "restic check", "pgbackrest verify", "sha256"
    message: str
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True)
class DrillCheck:
    name: str  # "row count public.res_partner", "sanity query 1"
    expected: str
    got: str
    ok: bool


@dataclass(frozen=True, slots=True)
class DrillResult:
    """One restore drill: the measured recovery time (RTO) and data age (RPO)."""

    set_name: str
    backup_id: str
    started: float
    finished: float
    duration_s: float  # the measured RTO: restore and checks, wall clock
    data_age_s: float | None  # how old the restored data was when the drill started (measured RPO)
    ok: bool
    message: str
    checks: tuple[DrillCheck, ...] = ()
    target: str = ""  # the scratch database or folder (dropped afterwards)
    rto_target_s: float | None = None
    actor: str = ""


@dataclass(frozen=True, slots=True)
class BackupSetStatus:
    """Everything the Backups page shows of one set."""

    config: BackupSetConfig
    read_ts: float
    backups: tuple[Backup, ...] = ()  # oldest first
    error: str = ""  # the source could not be read: what is wrong and what to do
    note: str = ""
    query: str = ""  # the command that was run, for the details view
    size_note: str = ""  # why sizes the tool's list lacks could not be read another way
    verification: VerifyResult | None = None
    last_drill: DrillResult | None = None

    @property
    def newest_good(self) -> Backup | None:
        return next((b for b in reversed(self.backups) if b.ok), None)
