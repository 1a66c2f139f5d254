"""Barman: `barman [-c CONF] -f json list-backups SERVER`, and `check-backup` with
`verify-backup` of one backup. Read against the real Barman 3.4 (Debian 12) and the newer
shapes of the JSON output writer.

The inventory names a Barman server like this::

    [[backups]]
    tool = "barman"
    stanza = "pg"                    # the Barman server name (the [pg] section)
    repo = "/etc/barman.conf"        # the Barman configuration file, given to `barman -c`

``repo`` is passed as ``-c`` when it ends in ``.conf``; it must be the main file, the one
with the ``[barman]`` section (not a server file of ``/etc/barman.d``). Any other value (the
server name, as older inventories have it) leaves Barman its default configuration
(``~/.barman.conf`` or ``/etc/barman.conf``). Barman run as root switches to its
``barman_user``, which must be able to read ``barman_home``.

Each backup of the server is an object: ``backup_id``, ``status`` and, once its data is
copied, ``end_time_timestamp`` (a string of epoch seconds), ``size_bytes`` (the backup with
the WAL it needs to be consistent) and ``wal_size_bytes`` (the WAL archived after it). A
FAILED backup has only ``backup_id`` and ``status``: it is placed by its ID. Barman 3.11+ adds
``backup_type`` (full, rsync, incremental, snapshot); ``backup_name`` comes with ``--name``.
Errors come back as ``{"_ERROR": [...]}`` or ``{"_EXCEPTION": [...]}`` with exit status 1;
a configuration Barman cannot read prints nothing on stdout and its reason on stderr.

Verification runs `barman check-backup` (are all the WAL files from the backup's start to its
end archived? Barman records the answer as the backup's status, as its cron does), then
`barman show-backup` for that status, then `barman verify-backup` (pg_verifybackup against the
backup's manifest: every data file's checksum).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from erpconsole.services.backups.models import BARMAN, FULL, INCR, Backup, BackupSetConfig
from erpconsole.services.backups.sources import (
    BackupSource, Job, SourceError, ToolRun, argv_script,
)
from erpconsole.i18n import _, ngettext
from erpconsole.services.secrets import SecretStore

_DONE = "DONE"
_IN_PROGRESS = ("STARTED", "WAITING_FOR_WALS", "SYNCING")
_STDERR_ERROR = re.compile(r"^(?:EXCEPTION|ERROR): (.+)$|^(Configuration file .+)$", re.M)
_VERIFY_METHOD = "barman check-backup, verify-backup"


def server_of(cfg: BackupSetConfig) -> str:
    return cfg.stanza or cfg.repo


def config_of(cfg: BackupSetConfig) -> str | None:
    """The Barman configuration file the set names in ``repo``, or None for Barman's default."""
    return cfg.repo if cfg.repo.endswith(".conf") else None


def _base(cfg: BackupSetConfig) -> list[str]:
    conf = config_of(cfg)
    return ["barman", *(["-c", conf] if conf else []), "-f", "json"]


def list_argv(cfg: BackupSetConfig) -> list[str]:
    return [*_base(cfg), "list-backups", server_of(cfg)]


def verify_argvs(cfg: BackupSetConfig, backup_id: str) -> list[list[str]]:
    return [[*_base(cfg), command, server_of(cfg), backup_id]
            for command in ("check-backup", "show-backup", "verify-backup")]


def _where_hint(cfg: BackupSetConfig) -> str:
    if config_of(cfg):
        return _("check `stanza` (the Barman server name) and `repo` (the Barman configuration "
                 "file) of the set")
    return _("check `stanza` (the Barman server name) of the set, or name the Barman "
             "configuration file in `repo`")


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
    if raw.get("retention_status") not in (None, "", "-"):
        facts.append((_("retention"), str(raw["retention_status"])))
    ok = status == _DONE
    return Backup(set_name=cfg.name, id=backup_id, kind=kind, finished=finished,
                  size_bytes=size if isinstance(size, int) else None, ok=ok,
                  error="" if ok else _problem(status), location=server_of(cfg),
                  facts=tuple(facts))


def _errors(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return []
    return [" ".join(str(e).split()) for key in ("_ERROR", "_EXCEPTION")
            for e in data.get(key) or []]


def _refused(errors: list[str], cfg: BackupSetConfig) -> str:
    return _("Barman refused: {error}; {hint}").format(error="; ".join(errors),
                                                       hint=_where_hint(cfg))


def parse_list(text: str, cfg: BackupSetConfig) -> tuple[list[Backup], int]:
    """(backups, how many entries could not be placed in time); SourceError for Barman's
    own errors, ValueError / KeyError / TypeError for an answer that is not Barman's."""
    data: Any = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    errors = _errors(data)
    server = server_of(cfg)
    if errors and server not in data:
        raise SourceError(_refused(errors, cfg))
    entries = data[server]
    if not isinstance(entries, list):
        raise ValueError("the server's backups are not a list")
    backups = [_backup(raw, cfg) for raw in entries]
    return [b for b in backups if b is not None], sum(1 for b in backups if b is None)


def json_documents(text: str) -> list[Any]:
    """The JSON documents Barman printed one after the other (one per command run)."""
    decoder, docs, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)


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
        note = ngettext("{n} backup without a time was left out",
                        "{n} backups without a time were left out", skipped).format(n=skipped) if skipped \
            else ""
        return backups, note

    def explain(self, run: ToolRun, cfg: BackupSetConfig) -> str:
        # Barman exits 1 with its errors inside the JSON it prints; a configuration it cannot
        # read leaves stdout empty and says why on stderr (before a traceback).
        try:
            errors = [e for doc in json_documents(run.out) for e in _errors(doc)]
        except ValueError:
            errors = []
        if errors:
            return _refused(errors, cfg)
        found = _STDERR_ERROR.search(run.err)
        if found:
            return _("Barman cannot start on {where}: {error}; {hint}").format(
                where=run.where, error=(found.group(1) or found.group(2)).strip(),
                hint=_where_hint(cfg))
        return super().explain(run, cfg)

    def verify_job(self, cfg: BackupSetConfig, backup: Backup, secrets: SecretStore) -> Job:
        # All three run whatever the one before said: each prints its own JSON document.
        script = "; ".join(argv_script(argv) for argv in verify_argvs(cfg, backup.id))
        return Job(self.program, script, method=_VERIFY_METHOD)

    def judge(self, run: ToolRun, cfg: BackupSetConfig, backup: Backup, timeout_s: float
              ) -> tuple[bool, str]:
        try:
            docs = json_documents(run.out)
        except ValueError:
            docs = []
        if len(docs) != 3:
            self.check_run(run, cfg, timeout_s)
            raise self.not_json(run, "barman -f json check-backup / show-backup / verify-backup")
        checked, shown, verified = docs
        errors = _errors(checked) or _errors(shown)
        if errors:
            return False, _refused(errors, cfg)
        info = shown.get(server_of(cfg)) if isinstance(shown, dict) else None
        if not isinstance(info, dict):
            raise self.not_json(run, "barman -f json show-backup")
        status = str(info.get("status", ""))
        if status != _DONE:
            why = str(info.get("error") or "")
            if status == "WAITING_FOR_WALS":
                why = _("the WAL files it needs are not all archived yet")
            return False, _("barman check-backup: backup {id} is {status}: {why}").format(
                id=backup.id, status=status, why=why or _problem(status))
        errors = _errors(verified)
        if errors:
            if "backup_manifest" in " ".join(errors):
                errors.append(_("a backup without backup_manifest (rsync) can get one with "
                                "`barman generate-manifest SERVER ID`"))
            return False, _("barman verify-backup: backup {id} failed the check of its files: "
                            "{error}").format(id=backup.id, error="; ".join(errors))
        said = [" ".join(str(s).split()) for s in
                (verified.get("_INFO") if isinstance(verified, dict) else None) or []]
        if run.rc != 0:
            self.check_run(run, cfg, timeout_s)
        if not any("successfully verified" in s for s in said):
            return False, _("barman verify-backup did not report backup {id} as verified: "
                            "{said}").format(id=backup.id, said="; ".join(said) or _("nothing"))
        return True, _("barman: backup {id} has all its WAL files, and pg_verifybackup found "
                       "every file intact").format(id=backup.id)
