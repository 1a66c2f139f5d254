"""BorgBackup: `borg list --json` of one repository (with `borg info --json --last N` for the
sizes and end times of the newest archives), and `borg check --repository-only`."""

from __future__ import annotations

import json
import shlex
from datetime import datetime, timezone
from typing import Any

from erpconsole.services.backups.models import BORG, SNAPSHOT, Backup, BackupSetConfig
from erpconsole.services.backups.sources import (
    MISSING, TIMED_OUT, BackupSource, Job, ToolRun, argv_script, password_for,
    password_hint,
)
from erpconsole.services.hosts.probe import MARKER
from erpconsole.i18n import _
from erpconsole.services.secrets import SecretStore

INFO_LAST = 10  # `borg info` reads each archive's metadata: only the newest are worth it
# Borg must never stop to ask: with stdin closed a question would fail anyway, but these
# make the refusal explicit and the message recognisable.
_ENV = {"BORG_RELOCATED_REPO_ACCESS_IS_OK": "no",
        "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK": "no",
        "BORG_DISPLAY_PASSPHRASE": "no"}


def list_argv(cfg: BackupSetConfig) -> list[str]:
    return ["borg", "list", "--json", cfg.repo]


def info_argv(cfg: BackupSetConfig) -> list[str]:
    return ["borg", "info", "--json", cfg.repo, "--last", str(INFO_LAST)]


def _time(value: Any) -> float:
    """Borg 1.x writes local time without an offset; the runner sets TZ=UTC."""
    if not isinstance(value, str):
        raise ValueError("time is not text")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _details(info_text: str) -> dict[str, dict]:
    """{archive id: its `borg info` entry}; nothing when info failed or is garbage."""
    try:
        data = json.loads(info_text) if info_text.strip() else {}
        return {a["id"]: a for a in data.get("archives", []) if isinstance(a, dict)}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


def _archive(raw: dict, info: dict | None, cfg: BackupSetConfig) -> Backup:
    started = _time(raw.get("start", raw["time"]))
    facts = [("id", str(raw["id"]))]
    finished, size, stored = _time(raw["time"]), None, None
    if info:
        stats = info.get("stats") or {}
        finished = _time(info.get("end", raw["time"]))
        size, stored = stats.get("original_size"), stats.get("deduplicated_size")
        facts += [(_("host"), str(info.get("hostname", ""))),
                  (_("user"), str(info.get("username", ""))),
                  (_("files"), str(stats.get("nfiles", "")))]
        if info.get("comment"):
            facts.append((_("comment"), str(info["comment"])))
    return Backup(set_name=cfg.name, id=str(raw["name"]), kind=SNAPSHOT, finished=finished,
                  started=started, size_bytes=size if isinstance(size, int) else None,
                  stored_bytes=stored if isinstance(stored, int) else None,
                  location=f"{cfg.repo}::{raw['name']}", facts=tuple(facts))


def parse_list(list_text: str, info_text: str, cfg: BackupSetConfig) -> list[Backup]:
    """ValueError / KeyError / TypeError when the list is not borg's."""
    data = json.loads(list_text)
    archives = data["archives"]
    if not isinstance(archives, list):
        raise ValueError("archives is not a list")
    details = _details(info_text)
    return [_archive(raw, details.get(raw["id"]), cfg) for raw in archives]


class BorgSource(BackupSource):
    tool = BORG
    program = "borg"
    package = "borgbackup"

    def _job(self, cfg: BackupSetConfig, secrets: SecretStore, script: str, query: str,
             method: str = "") -> Job:
        password = password_for(cfg, secrets)
        # An unencrypted repository needs none: borg says so if one is missing.
        secret_env = {"BORG_PASSPHRASE": password} if password else {}
        return Job(self.program, script, query=query, method=method, env=dict(_ENV),
                   secret_env=secret_env)

    def listing(self, cfg: BackupSetConfig, secrets: SecretStore) -> Job:
        listing, info = argv_script(list_argv(cfg)), argv_script(info_argv(cfg))
        script = (f"{listing} && {{ printf '\\n{MARKER}info\\n'; "
                  f"{info} 2>/dev/null || true; }}")
        return self._job(cfg, secrets, script, f"{listing}; {info}")

    def parse(self, run: ToolRun, cfg: BackupSetConfig) -> tuple[list[Backup], str]:
        try:
            backups = parse_list(run.out, run.sections.get("info", ""), cfg)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self.not_json(run, "borg list --json") from exc
        return backups, "" if backups else _("the repository holds no archive")

    def explain(self, run: ToolRun, cfg: BackupSetConfig) -> str:
        return self._known(run, cfg) or super().explain(run, cfg)

    def _known(self, run: ToolRun, cfg: BackupSetConfig) -> str | None:
        err = run.err.lower()
        if "passphrase supplied" in err and "incorrect" in err:
            return _("the repository refused the password: {hint}").format(
                hint=password_hint(cfg))
        if "can not acquire a passphrase" in err or "passphrase is not set" in err:
            return _("the repository is encrypted and no passphrase is stored: {hint}").format(
                hint=password_hint(cfg))
        if "does not exist" in err or "is not a valid repository" in err:
            return _("there is no borg repository at {repo} on {where}: check `repo` of the "
                     "set").format(repo=cfg.repo, where=run.where)
        if "previously located at" in err or "previously unknown unencrypted" in err:
            return _("borg asks to confirm this repository (moved, or unencrypted and new to "
                     "this account): run `borg list {repo}` once by hand on {where} and "
                     "answer it").format(repo=shlex.quote(cfg.repo), where=run.where)
        if "failed to create/acquire the lock" in err or "lock" in err and "timeout" in err:
            return _("the repository is locked by another borg process on {where}: try again "
                     "when it ends").format(where=run.where)
        return None

    def verify_job(self, cfg: BackupSetConfig, backup: Backup, secrets: SecretStore) -> Job:
        argv = ["borg", "check", "--repository-only", cfg.repo]
        return self._job(cfg, secrets, argv_script(argv), argv_script(argv),
                         "borg check --repository-only")

    def judge(self, run: ToolRun, cfg: BackupSetConfig, backup: Backup, timeout_s: float
              ) -> tuple[bool, str]:
        if run.error or run.rc in (MISSING, *TIMED_OUT) or self._known(run, cfg):
            self.check_run(run, cfg, timeout_s)
        if run.rc != 0:
            lines = [ln.strip() for ln in run.err.splitlines() if ln.strip()]
            return False, _("borg check found problems in the repository: {lines}").format(
                lines="; ".join(lines[-5:]) or _("exit status {rc}").format(rc=run.rc))
        return True, _("borg check --repository-only: the repository's segments and index "
                       "are consistent")
