"""restic: `restic snapshots --json` of one repository (with `restic stats` for the sizes of
the newest snapshots where the list has none, as restic before 0.17 gives), and `restic check`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from erpconsole.services.backups.models import RESTIC, SNAPSHOT, Backup, BackupSetConfig
from erpconsole.services.backups.sources import (
    MISSING, TIMED_OUT, BackupSource, Job, ToolRun, argv_script, password_for,
    password_hint,
)
from erpconsole.services.hosts.probe import MARKER
from erpconsole.i18n import _
from erpconsole.services.secrets import SecretStore

# restic 0.17 exit codes; older versions say 1 and leave it to the message.
_NO_REPOSITORY, _LOCKED, _WRONG_PASSWORD = 10, 11, 12


# One section of the answer per snapshot sized: the minimum rule needs the newest, the shrink
# rule the one before too (section names are letters and _ only).
SIZE_SECTIONS = ("size_one", "size_two")
STATS_MODE = "restore-size"  # what a restore would write: the files' size, like borg's original_size


def snapshots_argv(cfg: BackupSetConfig) -> list[str]:
    # --no-lock: reading must work on a read-only copy and never wait for a running prune.
    return ["restic", "-r", cfg.repo, "snapshots", "--json", "--no-lock"]


def stats_argv(cfg: BackupSetConfig, snapshot_id: str) -> list[str]:
    return ["restic", "-r", cfg.repo, "stats", "--json", "--no-lock", "--mode", STATS_MODE,
            snapshot_id]


def unsized(backups: list[Backup]) -> list[Backup]:
    """Of the two newest snapshots (``backups`` oldest first), those the list gave no
    size, newest first (restic before 0.17 keeps no summary in its snapshots)."""
    return [b for b in reversed(backups[-len(SIZE_SECTIONS):]) if b.size_bytes is None]


def _full_id(b: Backup) -> str:
    return dict(b.facts).get("id", b.id)


def _time(value: Any) -> float:
    if not isinstance(value, str):
        raise ValueError("time is not text")
    return datetime.fromisoformat(value).timestamp()


def _snapshot(raw: dict, cfg: BackupSetConfig) -> Backup:
    summary = raw.get("summary") if isinstance(raw.get("summary"), dict) else None
    facts = [("id", str(raw["id"])),
             (_("paths"), ", ".join(map(str, raw.get("paths") or []))),
             (_("host"), str(raw.get("hostname", ""))),
             (_("tags"), ", ".join(map(str, raw.get("tags") or [])))]
    if raw.get("parent"):
        facts.append((_("parent"), str(raw["parent"])[:8]))
    if raw.get("program_version"):
        facts.append((_("made by"), str(raw["program_version"])))
    taken = _time(raw["time"])
    finished, started, size, stored = taken, None, None, None
    if summary is not None:  # restic 0.17+ keeps the backup's statistics in the snapshot
        started = _time(summary.get("backup_start", raw["time"]))
        finished = _time(summary.get("backup_end", raw["time"]))
        size = summary.get("total_bytes_processed")
        stored = summary.get("data_added_packed", summary.get("data_added"))
    return Backup(set_name=cfg.name, id=str(raw.get("short_id") or raw["id"])[:64],
                  kind=SNAPSHOT, finished=finished, started=started,
                  size_bytes=size if isinstance(size, int) else None,
                  stored_bytes=stored if isinstance(stored, int) else None,
                  location=cfg.repo, facts=tuple(facts))


def replace_size(b: Backup, size: int | None) -> Backup:
    """``b`` with the size `restic stats` read, and where it came from."""
    if size is None:
        return b
    return replace(b, size_bytes=size, facts=b.facts + ((_("size"), _(
        "{size} bytes, from restic stats --mode {mode}").format(size=size, mode=STATS_MODE)),))


def parse_snapshots(text: str, cfg: BackupSetConfig) -> list[Backup]:
    """ValueError / KeyError / TypeError when the answer is not restic's list."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("not a list of snapshots")
    return [_snapshot(raw, cfg) for raw in data]


class ResticSource(BackupSource):
    tool = RESTIC
    program = "restic"
    package = "restic"

    def _job(self, cfg: BackupSetConfig, secrets: SecretStore, argv: list[str],
             method: str = "") -> Job:
        password = password_for(cfg, secrets)
        refusal = "" if password else _(
            "no password for the restic repository of {name}: {hint}").format(
            name=cfg.name, hint=password_hint(cfg))
        return Job(self.program, argv_script(argv), method=method,
                   secret_env={"RESTIC_PASSWORD": password} if password else {},
                   refusal=refusal)

    def listing(self, cfg: BackupSetConfig, secrets: SecretStore) -> Job:
        return self._job(cfg, secrets, snapshots_argv(cfg))

    def parse(self, run: ToolRun, cfg: BackupSetConfig) -> tuple[list[Backup], str]:
        try:
            backups = parse_snapshots(run.out, cfg)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self.not_json(run, "restic snapshots --json") from exc
        return backups, "" if backups else _("the repository holds no snapshot")

    def sizes_job(self, cfg: BackupSetConfig, backups: list[Backup], secrets: SecretStore
                  ) -> Job | None:
        """`restic stats` of each newest snapshot without a size, each in its own section;
        the first failure stops the rest (its status is the job's)."""
        wanted = unsized(backups)
        if not wanted:
            return None
        parts = [f"printf '\\n{MARKER}{section}\\n' && {argv_script(stats_argv(cfg, _full_id(b)))}"
                 for section, b in zip(SIZE_SECTIONS, wanted)]
        query = "; ".join(argv_script(stats_argv(cfg, _full_id(b))) for b in wanted)
        return replace(self._job(cfg, secrets, []), script=" && ".join(parts), query=query)

    def apply_sizes(self, run: ToolRun, backups: list[Backup], cfg: BackupSetConfig
                    ) -> tuple[list[Backup], str]:
        sized = {}
        for section, b in zip(SIZE_SECTIONS, unsized(backups)):
            try:
                total = json.loads(run.sections.get(section, ""))["total_size"]
                if not isinstance(total, int) or isinstance(total, bool) or total < 0:
                    raise ValueError("total_size is not a count of bytes")
            except (ValueError, KeyError, TypeError):
                note = self.not_json(run, "restic stats --json").message
                return [replace_size(x, sized.get(x.id)) for x in backups], note
            sized[b.id] = total
        return [replace_size(x, sized.get(x.id)) for x in backups], ""

    def explain(self, run: ToolRun, cfg: BackupSetConfig) -> str:
        return self._known(run, cfg) or super().explain(run, cfg)

    def _known(self, run: ToolRun, cfg: BackupSetConfig) -> str | None:
        err = run.err.lower()
        if run.rc == _WRONG_PASSWORD or "wrong password" in err:
            return _("the repository refused the password: {hint}").format(
                hint=password_hint(cfg))
        if (run.rc == _NO_REPOSITORY or "is there a repository at" in err
                or "repository does not exist" in err):
            return _("there is no restic repository at {repo} on {where}: check `repo` of the "
                     "set").format(repo=cfg.repo, where=run.where)
        if run.rc == _LOCKED or "unable to create lock" in err:
            return _("the repository is locked by another restic process on {where}: try again "
                     "when it ends (or `restic unlock` a stale lock)").format(where=run.where)
        return None

    def verify_job(self, cfg: BackupSetConfig, backup: Backup, secrets: SecretStore) -> Job:
        return self._job(cfg, secrets, ["restic", "-r", cfg.repo, "check"], "restic check")

    def judge(self, run: ToolRun, cfg: BackupSetConfig, backup: Backup, timeout_s: float
              ) -> tuple[bool, str]:
        if run.error or run.rc in (MISSING, *TIMED_OUT) or self._known(run, cfg):
            self.check_run(run, cfg, timeout_s)
        if run.rc != 0:
            problems = [ln.strip() for ln in (run.out + "\n" + run.err).splitlines()
                        if "error" in ln.lower() or "fatal" in ln.lower()]
            return False, _("restic check found problems in the repository: {lines}").format(
                lines="; ".join(problems[:5]) or run.last_error_line())
        return True, _("restic check: no errors were found (the whole repository: structure "
                       "and index)")
