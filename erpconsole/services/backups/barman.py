"""Barman: `barman -f json list-backups SERVER` (Barman 3's JSON output writer).

Each backup of the server is an object: ``backup_id``, ``backup_type`` (3.11+: full, rsync,
incremental, snapshot), ``status`` and, once its data is copied, ``end_time_timestamp``,
``size_bytes`` and ``wal_size_bytes``. Errors come back as ``{"_ERROR": [...]}``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from erpconsole.services.backups.models import BARMAN, FULL, INCR, Backup, BackupSetConfig
from erpconsole.services.backups.sources import (
    BackupSource, Job, SourceError, ToolRun, argv_script,
)
from erpconsole.services.i18n import _
from erpconsole.services.secrets import SecretStore

_DONE = "DONE"
_IN_PROGRESS = ("STARTED", "WAITING_FOR_WALS", "SYNCING")


def server_of(cfg: BackupSetConfig) -> str:
    return cfg.stanza or cfg.repo


def list_argv(cfg: BackupSetConfig) -> list[str]:
    return ["barman", "-f", "json", "list-backups", server_of(cfg)]


def _id_time(backup_id: str) -> float | None:
    """A backup without an end time (failed) is placed by its ID, 20240814T017504."""
    try:
        return datetime.strptime(backup_id, "%Y%m%dT%H%M%S").replace(
            tzinfo=timezone.utc).timestamp()
    except ValueError:
        return None


def _problem(status: str) -> str:
    if status in _IN_PROGRESS:
        return _("Barman status {status}: the backup is not complete yet").format(status=status)
    return _("Barman status {status}: the backup did not complete; see `barman show-backup`"
             ).format(status=status)


def _backup(raw: dict, cfg: BackupSetConfig) -> Backup | None:
    backup_id, status = str(raw["backup_id"]), str(raw.get("status", ""))
    end = raw.get("end_time_timestamp")
    finished = float(end) if end not in (None, "") else _id_time(backup_id)
    if finished is None:
        return None
    kind = INCR if raw.get("backup_type") == "incremental" else FULL
    size, wal = raw.get("size_bytes"), raw.get("wal_size_bytes")
    facts = [(_("status"), status)]
    if raw.get("backup_type"):
        facts.append((_("method"), str(raw["backup_type"])))
    if raw.get("backup_name"):
        facts.append((_("name"), str(raw["backup_name"])))
    if isinstance(wal, int):
        facts.append((_("WAL size"), str(wal)))
    if raw.get("retention_status"):
        facts.append((_("retention"), str(raw["retention_status"])))
    ok = status == _DONE
    return Backup(set_name=cfg.name, id=backup_id, kind=kind, finished=finished,
                  size_bytes=size if isinstance(size, int) else None, ok=ok,
                  error="" if ok else _problem(status), location=server_of(cfg),
                  facts=tuple(facts))


def _errors(data: dict) -> list[str]:
    return [str(e) for key in ("_ERROR", "_EXCEPTION") for e in data.get(key) or []]


def parse_list(text: str, cfg: BackupSetConfig) -> tuple[list[Backup], int]:
    """(backups, how many entries could not be placed in time); SourceError for Barman's
    own errors, ValueError / KeyError / TypeError for an answer that is not Barman's."""
    data: Any = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    errors = _errors(data)
    server = server_of(cfg)
    if errors and server not in data:
        raise SourceError(_("Barman refused: {error}; check `stanza` (the Barman server name) "
                            "of the set").format(error="; ".join(errors)))
    entries = data[server]
    if not isinstance(entries, list):
        raise ValueError("the server's backups are not a list")
    backups = [_backup(raw, cfg) for raw in entries]
    return [b for b in backups if b is not None], sum(1 for b in backups if b is None)


class BarmanSource(BackupSource):
    tool = BARMAN
    program = "barman"
    package = "barman"

    def listing(self, cfg: BackupSetConfig, secrets: SecretStore) -> Job:
        return Job(self.program, argv_script(list_argv(cfg)))

    def parse(self, run: ToolRun, cfg: BackupSetConfig) -> tuple[list[Backup], str]:
        try:
            backups, skipped = parse_list(run.out, cfg)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self.not_json(run, "barman -f json list-backups") from exc
        note = _("{n} backup(s) without a time were left out").format(n=skipped) if skipped \
            else ""
        return backups, note

    def explain(self, run: ToolRun, cfg: BackupSetConfig) -> str:
        # Barman exits 1 with its errors inside the JSON it prints.
        try:
            errors = _errors(json.loads(run.out))
        except (ValueError, AttributeError):
            errors = []
        if errors:
            return _("Barman refused: {error}; check `stanza` (the Barman server name) of the "
                     "set").format(error="; ".join(errors))
        return super().explain(run, cfg)
