"""The folder step of a restic or Borg drill: the snapshot restored into a scratch folder on
this workstation, its regular files counted and summed against what the repository lists, and
the database dump inside it (if any) found for the dump drill that follows.

The listing runs first through the sources' runner, so a wrong password or a missing
repository gets the same sentence as on the Backups page; the restore itself runs as one
process group (drill_proc) that cancel and the timeout end as a whole. Secrets travel in the
environment only.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from erpconsole.services.backups.borg import _ENV as BORG_ENV
from erpconsole.services.backups.drill_proc import Restore, RestoreError, run_restore
from erpconsole.services.backups.factory import source_for
from erpconsole.services.backups.models import BORG, Backup, BackupSetConfig, DrillCheck
from erpconsole.services.backups.sources import Job, SourceError, argv_script, password_for, run_job
from erpconsole.i18n import _
from erpconsole.services.secrets import SecretStore

LIST_TIMEOUT_S = 600.0
SCRATCH_PREFIX = "erpconsole_drill_"
_DUMP_SUFFIXES = (".dump", ".sql", ".sql.gz", ".backup")


def listing_argv(cfg: BackupSetConfig, backup: Backup) -> list[str]:
    if cfg.tool == BORG:
        return ["borg", "list", "--json-lines", f"{cfg.repo}::{backup.id}"]
    return ["restic", "-r", cfg.repo, "ls", "--json", "--no-lock", backup.id]


def restore_argv(cfg: BackupSetConfig, backup: Backup, target: Path) -> list[str]:
    if cfg.tool == BORG:  # borg extracts into the working folder
        return [_which("borg"), "extract", f"{cfg.repo}::{backup.id}"]
    return [_which("restic"), "-r", cfg.repo, "restore", backup.id, "--target", str(target)]


def _which(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise RestoreError(_("{program} is not installed on this workstation").format(
            program=program))
    return found


def parse_listing(tool: str, text: str) -> tuple[int, int]:
    """(regular files, their bytes) of `restic ls --json` / `borg list --json-lines`."""
    files = size = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if tool == BORG:
            regular = item.get("type") == "-"
        else:
            regular = item.get("struct_type") == "node" and item.get("type") == "file"
        if regular:
            files += 1
            size += int(item.get("size") or 0)
    return files, size


def tree_totals(root: Path) -> tuple[int, int]:
    """(regular files, bytes) under ``root``; symbolic links are not followed."""
    files = size = 0
    for folder, _dirs, names in os.walk(root):
        for name in names:
            st = os.lstat(os.path.join(folder, name))
            if stat.S_ISREG(st.st_mode):
                files += 1
                size += st.st_size
    return files, size


def find_dump(root: Path, pattern: str) -> Path | None:
    """The first database dump under ``root`` (sorted, so the choice is stable): a file whose
    name matches the set's pattern and ends like a dump."""
    patterns = pattern.split() or ["*"]
    for folder, dirs, names in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(names):
            if name.endswith(_DUMP_SUFFIXES) and any(fnmatch.fnmatch(name, p) for p in patterns):
                return Path(folder) / name
    return None


class FolderRestore:
    """One restic / Borg restore into a scratch folder; ``remove()`` always cleans up."""

    def __init__(self, cfg: BackupSetConfig, backup: Backup, secrets: SecretStore,
                 cancel: threading.Event | None, timeout_s: float):
        self.cfg, self.backup, self.secrets = cfg, backup, secrets
        self.cancel, self.timeout_s = cancel, timeout_s
        self.folder: Path | None = None
        self.totals = (0, 0)

    def _env(self) -> tuple[dict[str, str], dict[str, str]]:
        """(plain settings, secret settings) for the tool."""
        password = password_for(self.cfg, self.secrets)
        if self.cfg.tool == BORG:
            return dict(BORG_ENV), ({"BORG_PASSPHRASE": password} if password else {})
        return {}, ({"RESTIC_PASSWORD": password} if password else {})

    def expected(self) -> tuple[int, int]:
        """What the repository lists; raises RestoreError with the sources' sentence."""
        source = source_for(self.cfg)
        env, secret_env = self._env()
        refusal = "" if secret_env or self.cfg.tool == BORG else _(
            "no password for the restic repository of {name}").format(name=self.cfg.name)
        job = Job(source.program, argv_script(listing_argv(self.cfg, self.backup)), env=env,
                  secret_env=secret_env, refusal=refusal)
        run = run_job(None, job, self.secrets, None, LIST_TIMEOUT_S)
        try:
            source.check_run(run, self.cfg, LIST_TIMEOUT_S)
            return parse_listing(self.cfg.tool, run.out)
        except SourceError as exc:
            raise RestoreError(exc.message) from exc
        except (ValueError, TypeError, AttributeError) as exc:
            raise RestoreError(_("the file list of {id} could not be read: {error}").format(
                id=self.backup.id, error=exc)) from exc

    def restore(self, progress: Callable[[float], None] | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
        env, secret_env = self._env()
        restore = Restore((tuple(restore_argv(self.cfg, self.backup, self.folder)),),
                          {**env, **secret_env}, cwd=str(self.folder))
        run_restore(restore, self.cancel, self.timeout_s, progress)
        self.totals = tree_totals(self.folder)

    def checks(self, expected: tuple[int, int]) -> list[DrillCheck]:
        (want_n, want_b), (got_n, got_b) = expected, self.totals
        return [DrillCheck(_("files restored"), str(want_n), str(got_n), got_n == want_n),
                DrillCheck(_("bytes restored"), str(want_b), str(got_b), got_b == want_b)]

    def remove(self) -> str:
        """'' when the folder is gone (or was never made), else what to do by hand."""
        if self.folder is None or not self.folder.exists():
            return ""
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.folder.exists():
            return _("The scratch folder {path} could not be removed; remove it by hand."
                     ).format(path=self.folder)
        return ""
