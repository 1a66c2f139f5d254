"""The typed, frozen shapes of the inventory, and the policies and thresholds it holds.

Defined here, not in services, because config must not import services: the services read
these shapes (and their models modules re-export a few for the UI, which reaches services
through those modules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from erpconsole.config.alerts_models import AlertsConfig
from erpconsole.config.channels import ChannelConfig
from erpconsole.config.oncall_models import OncallConfig, PersonConfig

# The name of the machine the console runs on; hosts may not take it.
LOCAL_HOST = "This workstation"

# BackupSetConfig.tool
PGBACKREST = "pgbackrest"
RESTIC = "restic"
BORG = "borg"
BARMAN = "barman"
DUMPDIR = "dumpdir"
TOOLS = (PGBACKREST, RESTIC, BORG, BARMAN, DUMPDIR)


class InventoryError(Exception):
    """A refused inventory: ``str()`` is ``FILE:LINE: what is wrong`` (line omitted if unknown)."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


# -- thresholds and policies ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Thresholds:
    disk_warning: float = 85.0
    disk_critical: float = 95.0
    mem_warning: float = 90.0
    mem_critical: float = 97.0
    load_per_core_warning: float = 2.0
    load_per_core_critical: float = 4.0


@dataclass(frozen=True, slots=True)
class DbThresholds:
    connections_warning: float = 80.0  # percent of max_connections
    connections_critical: float = 95.0
    cache_hit_warning: float = 95.0  # under this
    replication_lag_warning_s: float = 60.0
    replication_lag_critical_s: float = 300.0
    long_query_warning_s: float = 300.0  # a query, or an open idle transaction, over this
    # The longest wait in one lock queue; MySQL's innodb_lock_wait_timeout ends a row lock
    # wait at 50 s by default, so critical is below it.
    lock_wait_warning_s: float = 10.0
    lock_wait_critical_s: float = 30.0
    wraparound_warning: float = 50.0
    wraparound_critical: float = 80.0


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """The [access] table of the inventory: what the rules hold accounts to."""

    stale_days: int = 90
    roster: str | None = None  # path of the HR roster CSV
    approved_superusers: tuple[str, ...] = ("postgres", "root", "root@localhost", "mariadb.sys@localhost",
                                            "mysql.sys@localhost", "mysql.session@localhost")
    generic_names: tuple[str, ...] = ("admin", "administrator", "test", "guest", "erp", "demo", "user",
                                      "temp", "tmp", "support", "public", "shared")
    password_max_age_days: int | None = None  # None: no policy, "never expires" is not a finding
    ignore_system_accounts: bool = True  # OS accounts with UID below 1000 and no login shell


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


# -- the inventory ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HostConfig:
    name: str
    address: str
    port: int | None = None
    user: str | None = None
    key_file: str | None = None
    known_hosts: str | None = None
    proxy_jump: str | None = None
    interval_s: float = 5.0
    timeout_s: float | None = None
    tags: tuple[str, ...] = ()
    thresholds: Thresholds = field(default_factory=Thresholds)
    line: int | None = None  # where the [[hosts]] table starts in the file


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    name: str
    url: str
    password_env: str | None = None
    erp: str | None = None
    interval_s: float = 10.0
    timeout_s: float | None = None
    tags: tuple[str, ...] = ()
    thresholds: DbThresholds = field(default_factory=DbThresholds)
    line: int | None = None
    # erp = "custom": a SELECT returning username, display name, active, last login, roles.
    erp_users_query: str | None = None


@dataclass(frozen=True, slots=True)
class LocalConfig:
    """The machine the console runs on, watched through psutil."""

    enabled: bool = True
    interval_s: float = 2.0
    thresholds: Thresholds = field(default_factory=Thresholds)


@dataclass(frozen=True, slots=True)
class Inventory:
    path: str | None = None
    local: LocalConfig = field(default_factory=LocalConfig)
    hosts: tuple[HostConfig, ...] = ()
    databases: tuple[DatabaseConfig, ...] = ()
    access: AccessPolicy = field(default_factory=AccessPolicy)
    backups: tuple[BackupSetConfig, ...] = ()
    sop_folders: tuple[str, ...] = ()  # [sop] folders: the team's own templates (a shared drive)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)  # [alerts], [[rules]], [[routes]]
    channels: tuple[ChannelConfig, ...] = ()  # [[channels]]: where notifications go
    people: tuple[PersonConfig, ...] = ()  # [[people]]: who may be on call, a contact per channel
    oncall: OncallConfig | None = None  # [oncall]: the rota
