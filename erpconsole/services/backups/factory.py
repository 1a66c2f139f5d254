"""The backup source for a set's tool.

Apart from sources.py (the interface and the glue every tool module builds on), so that the
tool modules import the interface and this module imports them, with no cycle between them.
"""

from __future__ import annotations

from erpconsole.services.backups.barman import BarmanSource
from erpconsole.services.backups.borg import BorgSource
from erpconsole.services.backups.dumpdir import DumpDirSource
from erpconsole.services.backups.models import BARMAN, BORG, DUMPDIR, PGBACKREST, RESTIC, BackupSetConfig
from erpconsole.services.backups.pgbackrest import PgBackRestSource
from erpconsole.services.backups.restic import ResticSource
from erpconsole.services.backups.sources import BackupSource

_SOURCES: dict[str, type[BackupSource]] = {
    PGBACKREST: PgBackRestSource, RESTIC: ResticSource, BORG: BorgSource, BARMAN: BarmanSource,
    DUMPDIR: DumpDirSource,
}


def source_for(cfg: BackupSetConfig) -> BackupSource:
    """The source for the set's tool (the inventory has checked the tool name)."""
    try:
        return _SOURCES[cfg.tool]()
    except KeyError:
        raise ValueError(f"unknown backup tool {cfg.tool!r}") from None
