"""Shapes of the backup status, verification and restore drills that cross threads and reach
the UI (frozen dataclasses). Times are epoch seconds; None means unknown."""

from __future__ import annotations

from dataclasses import dataclass, field

# BackupSetConfig.tool
PGBACKREST = "pgbackrest"
RESTIC = "restic"
BORG = "borg"
BARMAN = "barman"
DUMPDIR = "dumpdir"
TOOLS = (PGBACKREST, RESTIC, BORG, BARMAN, DUMPDIR)

# Backup.kind
FULL = "full"
DIFF = "diff"
INCR = "incr"
SNAPSHOT = "snapshot"  # restic / borg: every snapshot is complete
DUMP = "dump"  # a logical dump file


@dataclass(frozen=True, slots=True)
class BackupPolicy:
    """What a backup set is held to; None switches a check off."""

    rpo_h: float = 26.0  # the newest good backup may be this old
    full_every_d: float | None = None  # a full (or a snapshot / dump) at least this often
    min_size_mb: float | None = None
    max_shrink_percent: float | None = 50.0  # smaller than the previous one by more: suspicious
    retention_d: float | None = None  # the oldest backup must be at least this old (window covered)
    offsite: bool = False  # a copy elsewhere is expected (offsite_repo given)
    drill_every_d: float | None = 30.0
    rto_target_min: float | None = 30.0
    # A drill compares key tables with the live source, which has moved on since the backup:
    # counts within this share of the source's count pass (0: must be equal).
    row_tolerance_percent: float = 0.0


@dataclass(frozen=True, slots=True)
class BackupSetConfig:
    """One [[backups]] table of the inventory."""

    name: str
    tool: str
    repo: str  # pgBackRest repo path, restic / borg repository, Barman's .conf, dump folder
    host: str | None = None  # a [[hosts]] name; None: this workstation
    stanza: str | None = None  # pgBackRest stanza, Barman server name
    pattern: str = "*.dump *.sql.gz *.sql *.backup"  # dumpdir: file name patterns, space separated
    password_env: str | None = None  # restic / borg passphrase; else keyring backup:NAME
    database: str | None = None  # the [[databases]] entry it backs up (the drill compares with it)
    drill_target: str | None = None  # SQLAlchemy URL of the server a drill restores into
    sanity_queries: tuple[str, ...] = ()  # must return rows on the restored copy
    key_tables: tuple[str, ...] = ()  # row counts compared between source and restored copy
    offsite_repo: str | None = None
    interval_s: float = 300.0
    policy: BackupPolicy = field(default_factory=BackupPolicy)
    line: int | None = None


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
    verification: VerifyResult | None = None
    last_drill: DrillResult | None = None

    @property
    def newest_good(self) -> Backup | None:
        return next((b for b in reversed(self.backups) if b.ok), None)
