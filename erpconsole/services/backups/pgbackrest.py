"""pgBackRest: `pgbackrest info --output=json` for one stanza of one repository, and
`pgbackrest verify` of one backup set."""

from __future__ import annotations

import json
import re
from typing import Any

from erpconsole.services.backups.models import (
    DIFF, FULL, INCR, PGBACKREST, Backup, BackupSetConfig,
)
from erpconsole.services.backups.sources import (
    BackupSource, Job, SourceError, ToolRun, argv_script,
)
from erpconsole.i18n import _
from erpconsole.services.secrets import SecretStore

_KINDS = {"full": FULL, "diff": DIFF, "incr": INCR}
# pgBackRest's stanza status codes: 2 is a stanza with no backup yet (the policy flags it),
# every other non-zero code means the stanza itself cannot be read.
_NO_VALID_BACKUPS = 2
_ERROR_LINE = re.compile(r"ERROR: \[\d+\]: (.*)")


def _base(cfg: BackupSetConfig) -> list[str]:
    # --log-level-file=off: a read must not need (or write) /var/log/pgbackrest.
    return ["pgbackrest", f"--stanza={cfg.stanza or ''}", f"--repo1-path={cfg.repo}",
            "--log-level-file=off"]


def info_argv(cfg: BackupSetConfig) -> list[str]:
    return [*_base(cfg), "info", "--output=json"]


def _stanza(data: Any, cfg: BackupSetConfig) -> dict:
    if not isinstance(data, list) or not all(isinstance(s, dict) for s in data):
        raise ValueError("not a list of stanzas")
    for stanza in data:
        if stanza.get("name") == cfg.stanza or len(data) == 1:
            return stanza
    raise ValueError("stanza not in the answer")


def _archive_range(stanza: dict) -> dict[int, str]:
    """{database id: "min - max"} of the WAL archive."""
    out: dict[int, str] = {}
    for arch in stanza.get("archive") or []:
        db_id = (arch.get("database") or {}).get("id")
        lo, hi = arch.get("min"), arch.get("max")
        out[db_id] = f"{lo} - {hi}" if lo or hi else _("none archived")
    return out


def _backup(raw: dict, cfg: BackupSetConfig, wal: dict[int, str]) -> Backup:
    stamp, info = raw["timestamp"], raw.get("info") or {}
    archive, lsn = raw.get("archive") or {}, raw.get("lsn") or {}
    db_id = (raw.get("database") or {}).get("id")
    facts = [(_("WAL of the backup"), f"{archive.get('start')} - {archive.get('stop')}"),
             (_("WAL archive"), wal.get(db_id, _("none archived")))]
    if lsn:
        facts.append(("LSN", f"{lsn.get('start')} - {lsn.get('stop')}"))
    if raw.get("prior"):
        facts.append((_("based on"), str(raw["prior"])))
    version = (raw.get("backrest") or {}).get("version")
    if version:
        facts.append(("pgBackRest", str(version)))
    failed = bool(raw.get("error"))
    label = str(raw["label"])
    return Backup(
        set_name=cfg.name, id=label, kind=_KINDS.get(raw.get("type"), FULL),
        finished=float(stamp["stop"]), started=float(stamp["start"]),
        size_bytes=_int(info.get("size")), stored_bytes=_int((info.get("repository") or {})
                                                             .get("size")),
        ok=not failed,
        error=_("pgBackRest found errors in this backup (page checksums); see `pgbackrest "
                "info --set={label}`").format(label=label) if failed else "",
        location=cfg.repo, facts=tuple(facts))


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) else None


def parse_info(text: str, cfg: BackupSetConfig) -> tuple[list[Backup], str]:
    """Backups of the stanza and a note; SourceError for a stanza that cannot be read,
    ValueError / KeyError / TypeError for an answer that is not pgBackRest's."""
    stanza = _stanza(json.loads(text), cfg)
    status = stanza.get("status") or {}
    code = status.get("code")
    if not isinstance(code, int):
        raise ValueError("no status code")
    notes = []
    if code not in (0, _NO_VALID_BACKUPS):
        raise SourceError(_(
            "pgBackRest cannot read stanza {stanza} in {repo}: {message}; check `stanza` and "
            "`repo` of the set (a new stanza needs `pgbackrest stanza-create`)").format(
            stanza=cfg.stanza, repo=cfg.repo, message=status.get("message") or code))
    if code == _NO_VALID_BACKUPS:
        notes.append(_("the stanza has no valid backup yet"))
    if ((status.get("lock") or {}).get("backup") or {}).get("held"):
        notes.append(_("a backup is running now"))
    wal = _archive_range(stanza)
    backups = [_backup(raw, cfg, wal) for raw in stanza.get("backup") or []]
    return backups, "; ".join(notes)


class PgBackRestSource(BackupSource):
    tool = PGBACKREST
    program = "pgbackrest"
    package = "pgbackrest"

    def listing(self, cfg: BackupSetConfig, secrets: SecretStore) -> Job:
        if not cfg.stanza:
            raise SourceError(_("the backup set has no `stanza`: name the pgBackRest stanza "
                                "in the inventory"))
        return Job(self.program, argv_script(info_argv(cfg)))

    def parse(self, run: ToolRun, cfg: BackupSetConfig) -> tuple[list[Backup], str]:
        try:
            return parse_info(run.out, cfg)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self.not_json(run, "pgbackrest info --output=json") from exc

    def explain(self, run: ToolRun, cfg: BackupSetConfig) -> str:
        found = _ERROR_LINE.search(run.err + "\n" + run.out)
        error = found.group(1).strip() if found else run.last_error_line()
        return _("pgBackRest failed on {where}: {error}; check `repo` and `stanza` of the set "
                 "and the pgBackRest configuration there").format(where=run.where, error=error)

    def verify_job(self, cfg: BackupSetConfig, backup: Backup, secrets: SecretStore) -> Job:
        self.listing(cfg, secrets)
        argv = [*_base(cfg), "--log-level-console=info", "verify", f"--set={backup.id}",
                "--verbose"]
        return Job(self.program, argv_script(argv), method="pgbackrest verify")

    def judge(self, run: ToolRun, cfg: BackupSetConfig, backup: Backup, timeout_s: float
              ) -> tuple[bool, str]:
        text = run.out + "\n" + run.err
        found = re.search(rf"backup: {re.escape(backup.id)}, status: ([^,\n]+),?([^\n]*)"
                          r"(?:\n\s*(missing: [^\n]*))?", text)
        if found is None:
            self.check_run(run, cfg, timeout_s)
            return False, _("pgbackrest verify did not report on backup {label}: {tail}").format(
                label=backup.id, tail=run.last_error_line())
        status = found.group(1).strip()
        detail = "; ".join(g.strip() for g in found.groups()[1:] if g and g.strip())
        if run.rc == 0 and status == "valid":
            return True, _("pgbackrest verify: backup {label} is valid ({detail})").format(
                label=backup.id, detail=detail)
        files = re.findall(r"INFO: (invalid [^\n]*|missing [^\n]*)", text)[:3]
        return False, _("pgbackrest verify: backup {label} is {status} ({detail}){files}").format(
            label=backup.id, status=status, detail=detail,
            files=(": " + "; ".join(files)) if files else "")
