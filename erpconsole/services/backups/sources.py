"""Backup sources: one small class per tool behind one interface, and the glue that runs a
tool's read-only command on this workstation or on a host over SSH.

A source builds a ``Job`` (the command a person may read, and the script that runs it); the
glue wraps it in fixed POSIX sh that checks the program exists, bounds it with ``timeout``
where the host has it, and hands back stdout, stderr and the exit status in marked sections.
Secrets travel as environment variables: locally in the process environment, over SSH in a
here-doc on the kept shell's stdin; never on a command line and never in ``query``.
Expected failures never raise: they become ``BackupSetStatus.error`` / ``VerifyResult``
messages that say what is wrong and what to do. ``factory.source_for`` picks a set's source.
"""

from __future__ import annotations

import logging
import shlex
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from erpconsole.services.access.os_exec import run_local, run_ssh
from erpconsole.services.backups.models import Backup, BackupSetConfig, BackupSetStatus, VerifyResult
from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts.probe import MARKER, new_token, wrap_command
from erpconsole.services.hosts.probe_answer import ProbeParseError, split_sections
from erpconsole.i18n import _
from erpconsole.services import units
from erpconsole.services.secrets import SecretStore

if TYPE_CHECKING:
    from erpconsole.config import HostConfig

log = logging.getLogger(__name__)

MISSING = 127  # the exit status the wrapper reports when the program is not on PATH
TIMED_OUT = (124, 137)  # timeout(1): the command ran out of time (137: killed after -k)
_EXCERPT = 300
SIZES_MIN_S = 3.0  # less than this left after the list: the sizes are not asked for


class SourceError(Exception):
    """An expected failure; ``message`` is the sentence a person reads."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Job:
    program: str  # must be on the host's PATH
    script: str  # POSIX sh text; inventory values in it are shlex-quoted
    query: str = ""  # what the details view shows (no secret); default: the script
    method: str = ""  # verification method, for VerifyResult
    env: dict[str, str] = field(default_factory=dict)  # plain settings
    secret_env: dict[str, str] = field(default_factory=dict)
    refusal: str = ""  # set: not run, this is why (a password is missing ...)


@dataclass(frozen=True, slots=True)
class ToolRun:
    """What came back: ``error`` is set when the command could not be run at all."""

    where: str
    out: str = ""
    err: str = ""
    rc: int | None = None
    sections: dict[str, str] = field(default_factory=dict)
    error: str = ""

    def last_error_line(self) -> str:
        lines = [ln.strip() for ln in self.err.splitlines() if ln.strip()]
        return lines[-1][:_EXCERPT] if lines else "-"


def argv_script(argv: list[str]) -> str:
    return shlex.join(argv)


def where_of(host: HostConfig | None) -> str:
    return host.name if host is not None else _("this workstation")


def host_of(cfg: BackupSetConfig, inventory_hosts: dict[str, HostConfig] | None
            ) -> HostConfig | None:
    if cfg.host is None:
        return None
    host = (inventory_hosts or {}).get(cfg.host)
    if host is None:
        raise SourceError(_("the backup set names host {host}, which is not in the inventory: "
                            "add it under [[hosts]] or fix `host`").format(host=cfg.host))
    return host


def password_for(cfg: BackupSetConfig, secrets: SecretStore) -> str | None:
    return secrets.get(f"backup:{cfg.name}", env=cfg.password_env)


def password_hint(cfg: BackupSetConfig) -> str:
    if cfg.password_env:
        return _("set the environment variable {env} or store it with `erpconsole secret set "
                 "backup:{name}`").format(env=cfg.password_env, name=cfg.name)
    return _("store it with `erpconsole secret set backup:{name}`").format(name=cfg.name)


# --- running -------------------------------------------------------------------------------


def _secret_lines(secret_env: dict[str, str]) -> list[str]:
    lines = []
    for name, value in secret_env.items():
        if "\n" in value or "\r" in value:
            raise SourceError(_("the stored secret for {name} has a line break, which the tool "
                                "cannot take: store it again").format(name=name))
        delimiter = f"ERPCONSOLE_{new_token()}"  # a value can never end the here-doc early
        lines += [f"IFS= read -r {name} <<'{delimiter}'", value, delimiter, f"export {name}"]
    return lines


def job_script(job: Job, inner_timeout_s: float, heredoc_secrets: bool) -> str:
    """The text the host runs: settings, the program check, the bounded command."""
    lines = ["LC_ALL=C; TZ=UTC; export LC_ALL TZ"]
    lines += [f"{k}={shlex.quote(v)}; export {k}" for k, v in job.env.items()]
    if heredoc_secrets:
        lines += _secret_lines(job.secret_env)
    program = shlex.quote(job.program)
    lines += [
        f"command -v {program} >/dev/null 2>&1 || {{ printf '\\n{MARKER}rc\\n{MISSING}\\n'; "
        "exit 0; }",
        f"t=; command -v timeout >/dev/null 2>&1 && t='timeout -k 2 {max(1, int(inner_timeout_s))}'",
        f"printf '\\n{MARKER}out\\n'",
        "exec 3>&1",
        f"err=$($t sh -c {shlex.quote(job.script)} 2>&1 >&3 3>&-); rc=$?",
        "exec 3>&-",
        f"printf '\\n{MARKER}err\\n%s\\n{MARKER}rc\\n%s\\n' \"$err\" \"$rc\"",
    ]
    return "\n".join(lines) + "\n"


def run_job(host: HostConfig | None, job: Job, secrets: SecretStore | None,
            known_hosts_path: str | Path | None, timeout_s: float, login_gate=None) -> ToolRun:
    """Runs ``job`` once; never raises for a failure to run it (``ToolRun.error``)."""
    where = where_of(host)
    if job.refusal:
        return ToolRun(where, error=job.refusal)
    token = new_token()
    # The inner timeout leaves room for the login and for the answer to come back.
    margin = min(10.0, max(1.0, timeout_s * 0.2))
    try:
        text = wrap_command(job_script(job, timeout_s - margin, host is not None), token)
        if host is None:
            out = run_local(text, timeout_s, listing=False, env=job.secret_env)
        else:
            out = run_ssh(host, text, token, secrets, known_hosts_path, timeout_s,
                          listing=False, keep_shell=True, carries_secret=bool(job.secret_env),
                          login_gate=login_gate)
    except CollectorError as exc:
        log.info("%s: %s not run: %s (%s)", where, job.program, exc.message, exc.detail)
        if host is not None and host.name not in exc.message:
            return ToolRun(where, error=_("{host}: {error}").format(host=host.name,
                                                                     error=exc.message))
        return ToolRun(where, error=exc.message)
    except SourceError as exc:
        return ToolRun(where, error=exc.message)
    return _parsed(where, out, token)


def _parsed(where: str, out: str, token: str) -> ToolRun:
    try:
        sections = split_sections(out, token)
    except ProbeParseError:
        return ToolRun(where, error=_(
            "the answer from {where} was cut short (the connection closed before the command "
            "finished); try again").format(where=where))
    try:
        rc = int(sections.get("rc", "").strip())
    except ValueError:
        return ToolRun(where, error=_(
            "the command's exit status did not come back from {where}; check that a POSIX `sh` "
            "runs there").format(where=where))
    return ToolRun(where, sections.get("out", ""), sections.get("err", ""), rc, sections)


def carried_sizes(backups: list[Backup], previous: BackupSetStatus | None) -> list[Backup]:
    """A backup's size read by a second command at an earlier read (``previous``) holds: the
    same backup is not asked again."""
    if previous is None:
        return backups
    known = {(b.id, b.location, b.finished): b for b in previous.backups if b.size_bytes is not None}
    return [known.get((b.id, b.location, b.finished), b) if b.size_bytes is None else b
            for b in backups]


# --- the interface -------------------------------------------------------------------------


class BackupSource:
    """One tool. Subclasses give the listing job and its parser, and may give a verify job."""

    tool: str = ""
    program: str = ""
    package: str = ""  # what `apt install` needs on Debian / Ubuntu

    def read(self, cfg: BackupSetConfig, secrets: SecretStore | None = None,
             known_hosts_path: str | Path | None = None,
             inventory_hosts: dict[str, HostConfig] | None = None, now: float | None = None,
             timeout_s: float = 60.0, login_gate=None, previous: BackupSetStatus | None = None
             ) -> BackupSetStatus:
        """The set's backups, oldest first; a failure becomes ``error``. Sizes the list
        lacks are read by a second command within what is left of ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        status = BackupSetStatus(cfg, time.time() if now is None else now)
        try:
            job = self.listing(cfg, secrets or SecretStore())
            status = replace(status, query=job.query or job.script)
            host = host_of(cfg, inventory_hosts)
            run = run_job(host, job, secrets, known_hosts_path, timeout_s, login_gate)
            self.check_run(run, cfg, timeout_s)
            backups, note = self.parse(run, cfg)
        except SourceError as exc:
            return replace(status, error=exc.message)
        ordered = carried_sizes(sorted(backups, key=lambda b: (b.finished, b.id)), previous)
        sizes = self.sizes_job(cfg, ordered, secrets or SecretStore())
        size_note = ""
        if sizes is not None:
            status = replace(status, query=f"{status.query}; {sizes.query or sizes.script}")
            ordered, size_note = self._read_sizes(cfg, sizes, ordered, host, secrets,
                                                  known_hosts_path, deadline, login_gate)
        return replace(status, backups=tuple(ordered), note=note, size_note=size_note)

    def _read_sizes(self, cfg: BackupSetConfig, job: Job, backups: list[Backup],
                    host: HostConfig | None, secrets: SecretStore | None,
                    known_hosts_path: str | Path | None, deadline: float, login_gate=None
                    ) -> tuple[list[Backup], str]:
        """``backups`` with the sizes ``job`` read, and why not where it could not."""
        left = deadline - time.monotonic()
        if left < SIZES_MIN_S:
            return backups, _("no time was left to read the size after the list ({s} "
                              "remain of the read's deadline)").format(s=units.duration(left))
        run = run_job(host, job, secrets, known_hosts_path, left, login_gate)
        try:
            self.check_run(run, cfg, left)
        except SourceError as exc:
            return backups, exc.message
        return self.apply_sizes(run, backups, cfg)

    def verify(self, cfg: BackupSetConfig, backup: Backup, secrets: SecretStore | None = None,
               known_hosts_path: str | Path | None = None,
               inventory_hosts: dict[str, HostConfig] | None = None, now: float | None = None,
               timeout_s: float = 600.0) -> VerifyResult:
        """Checks one backup with the tool's own means; never raises for a failed check."""
        ts = time.time() if now is None else now
        started = time.monotonic()
        method = ""
        try:
            job = self.verify_job(cfg, backup, secrets or SecretStore())
            if job is None:
                return VerifyResult(cfg.name, backup.id, ts, False, "", _(
                    "{tool} offers no check the console can run: a restore drill proves this "
                    "backup").format(tool=self.tool))
            method = job.method
            run = run_job(host_of(cfg, inventory_hosts), job, secrets, known_hosts_path,
                          timeout_s)
            method = self.method_of(run, job)
            ok, message = self.judge(run, cfg, backup, timeout_s)
        except SourceError as exc:
            ok, message = False, exc.message
        return VerifyResult(cfg.name, backup.id, ts, ok, method, message,
                            time.monotonic() - started)

    # What a tool module provides.

    def listing(self, cfg: BackupSetConfig, secrets: SecretStore) -> Job:
        raise NotImplementedError

    def parse(self, run: ToolRun, cfg: BackupSetConfig) -> tuple[list[Backup], str]:
        raise NotImplementedError

    def sizes_job(self, cfg: BackupSetConfig, backups: list[Backup], secrets: SecretStore
                  ) -> Job | None:
        """A second command for the sizes the list lacks (oldest first); None: none needed."""
        return None

    def apply_sizes(self, run: ToolRun, backups: list[Backup], cfg: BackupSetConfig
                    ) -> tuple[list[Backup], str]:
        return backups, ""

    def explain(self, run: ToolRun, cfg: BackupSetConfig) -> str:
        """The sentence for a non-zero exit status; tools recognise their own messages."""
        return _("{program} failed on {where} (exit status {rc}): {error}").format(
            program=self.program, where=run.where, rc=run.rc, error=run.last_error_line())

    def verify_job(self, cfg: BackupSetConfig, backup: Backup, secrets: SecretStore
                   ) -> Job | None:
        return None

    def method_of(self, run: ToolRun, job: Job) -> str:
        return job.method

    def judge(self, run: ToolRun, cfg: BackupSetConfig, backup: Backup, timeout_s: float
              ) -> tuple[bool, str]:
        self.check_run(run, cfg, timeout_s)
        return True, _("{program} found no problem").format(program=self.program)

    # Shared.

    def check_run(self, run: ToolRun, cfg: BackupSetConfig, timeout_s: float) -> None:
        """Raises SourceError when the command did not run or failed."""
        if run.error:
            raise SourceError(run.error)
        if run.rc == MISSING:
            raise SourceError(_("{program} is not installed on {where}: apt install "
                                "{package}").format(program=self.program, where=run.where,
                                                    package=self.package))
        if run.rc in TIMED_OUT:
            raise SourceError(_("{program} did not finish within {s} on {where} and was "
                                "stopped; the repository may be slow or locked: try again, or "
                                "allow more time").format(program=self.program, s=units.duration(timeout_s),
                                                          where=run.where))
        if run.rc != 0:
            raise SourceError(self.explain(run, cfg), run.err[-_EXCERPT:])

    def not_json(self, run: ToolRun, what: str) -> SourceError:
        excerpt = " ".join(run.out.split())[:120] or _("nothing")
        return SourceError(_(
            "the answer of `{what}` on {where} is not the JSON it should be (cut short or "
            "garbage: {excerpt}); run the command by hand there to see what it prints").format(
            what=what, where=run.where, excerpt=excerpt), run.out[-_EXCERPT:])

