"""A folder of dump files: each file matching the set's patterns with its time, size and, for
dumps of the last two days, SHA-256 (computed on the host); and a check per file (gzip -t,
pg_restore, checksum).

The listing is one `find` that prints the time and size of each match and runs `sha256sum`
on the new ones; sha256sum escapes a name with a newline or backslash (the line then starts with a
backslash), so any file name comes back on one line.
"""

from __future__ import annotations

import re
import shlex

from erpconsole.services.backups.models import DUMP, DUMPDIR, Backup, BackupSetConfig
from erpconsole.services.backups.sources import (
    MISSING, TIMED_OUT, BackupSource, Job, SourceError, ToolRun,
)
from erpconsole.i18n import _, ngettext
from erpconsole.services.secrets import SecretStore

_LINE = re.compile(r"^(\d+(?:\.\d+)?) (\d+) (\\?)([0-9a-f]{64}|-)  (.*)$")
_UNREADABLE = re.compile(r"^(\d+(?:\.\d+)?) (\d+) unreadable$")
_SHA = re.compile(r"^\\?([0-9a-f]{64})  ", re.MULTILINE)
_METHOD = re.compile(r"^method (.+)$", re.MULTILINE)
# The verify script's own exit statuses (what failed).
_GONE, _GZIP_BAD, _LIST_BAD, _READ_BAD, _NO_PG_RESTORE = 3, 4, 5, 6, 7


def folder_of(cfg: BackupSetConfig) -> str:
    # A relative folder starting with "-" would be read by find as an option.
    return cfg.repo if not cfg.repo.startswith("-") else f"./{cfg.repo}"


def patterns_of(cfg: BackupSetConfig) -> list[str]:
    return cfg.pattern.split() or ["*"]


# Only dumps written in the last two days are read for their checksum on every listing: the set
# is listed every few minutes, and reading a folder of old multi-gigabyte dumps each time would
# load the host's disks for nothing (their checksums were taken while they were new; verify
# reads any file in full).
HASH_NEWER_THAN_MIN = 2 * 24 * 60


def find_script(cfg: BackupSetConfig) -> str:
    names = " -o ".join(f"-name {shlex.quote(p)}" for p in patterns_of(cfg))
    # -H: the folder may be a symlink; %T@ %s: mtime and size; a file sha256sum cannot read
    # still shows, as "unreadable"; an older file shows "-" for its checksum.
    return (f"find -H {shlex.quote(folder_of(cfg))} -maxdepth 1 -type f \\( {names} \\) "
            f"\\( -mmin -{HASH_NEWER_THAN_MIN} -printf '%T@ %s ' "
            "\\( -exec sha256sum {} \\; -o -printf 'unreadable\\n' \\) "
            "-o -printf '%T@ %s -  %p\\n' \\)")


def _unescape(name: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), name)


def _dump(line: str, cfg: BackupSetConfig) -> Backup | None:
    found = _LINE.match(line)
    if found is None:
        return None
    mtime, size, escaped, digest, path = found.groups()
    path = _unescape(path) if escaped else path
    return Backup(set_name=cfg.name, id=path.rsplit("/", 1)[-1], kind=DUMP,
                  finished=float(mtime), size_bytes=int(size), stored_bytes=int(size),
                  location=path, checksum="" if digest == "-" else digest)


def parse_listing(text: str, cfg: BackupSetConfig) -> tuple[list[Backup], int, int]:
    """(dumps, unreadable files, lines that are no listing line)."""
    dumps: list[Backup] = []
    unreadable = bad = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        dump = _dump(line, cfg)
        if dump is not None:
            dumps.append(dump)
        elif _UNREADABLE.match(line):
            unreadable += 1
        else:
            bad += 1
    return dumps, unreadable, bad


def verify_script(path: str) -> str:
    f = shlex.quote(path)
    return f"""\
f={f}
[ -f "$f" ] || {{ echo "no such file: $f" >&2; exit {_GONE}; }}
case "$f" in
*.gz|*.gzip) echo 'method gzip -t'; gzip -t -- "$f" || exit {_GZIP_BAD} ;;
*) if [ "$(head -c 5 -- "$f")" = PGDMP ]; then
     echo 'method pg_restore --list'
     command -v pg_restore >/dev/null 2>&1 || exit {_NO_PG_RESTORE}
     pg_restore --list -- "$f" >/dev/null || exit {_LIST_BAD}
     pg_restore -f /dev/null -- "$f" || exit {_READ_BAD}
   else echo 'method sha256'; fi ;;
esac
sha256sum -- "$f"
"""


class DumpDirSource(BackupSource):
    tool = DUMPDIR
    program = "find"
    package = "findutils coreutils"

    def listing(self, cfg: BackupSetConfig, secrets: SecretStore) -> Job:
        return Job(self.program, find_script(cfg))

    def parse(self, run: ToolRun, cfg: BackupSetConfig) -> tuple[list[Backup], str]:
        dumps, unreadable, bad = parse_listing(run.out, cfg)
        if bad and not dumps:
            raise SourceError(ngettext(
                "the file listing from {where} could not be read ({n} line is no listing "
                "line: {excerpt}); `find -printf` needs GNU findutils",
                "the file listing from {where} could not be read ({n} lines are no listing "
                "line: {excerpt}); `find -printf` needs GNU findutils", bad).format(
                where=run.where, n=bad, excerpt=run.out.strip()[:120]), run.out[-300:])
        notes = []
        if not dumps:
            notes.append(_("no file in {folder} matches {pattern}").format(
                folder=cfg.repo, pattern=cfg.pattern))
        if unreadable:
            notes.append(ngettext("{n} file could not be read for a checksum: let the account read it",
                                  "{n} files could not be read for a checksum: let the account read them",
                                  unreadable).format(n=unreadable))
        if bad:
            notes.append(ngettext("{n} line of the listing could not be read and was skipped",
                                  "{n} lines of the listing could not be read and were skipped",
                                  bad).format(n=bad))
        return dumps, "; ".join(notes)

    def explain(self, run: ToolRun, cfg: BackupSetConfig) -> str:
        err = run.err.lower()
        if "no such file or directory" in err:
            return _("the folder {folder} does not exist on {where}: check `repo` of the set")\
                .format(folder=cfg.repo, where=run.where)
        if "permission denied" in err:
            return _("the folder {folder} on {where} is not readable for this account: grant "
                     "read access or use another user").format(folder=cfg.repo, where=run.where)
        return super().explain(run, cfg)

    def verify_job(self, cfg: BackupSetConfig, backup: Backup, secrets: SecretStore) -> Job:
        path = backup.location or f"{cfg.repo.rstrip('/')}/{backup.id}"
        return Job("sha256sum", verify_script(path), method="sha256")

    def method_of(self, run: ToolRun, job: Job) -> str:
        found = _METHOD.search(run.out)
        return found.group(1) if found else job.method

    def judge(self, run: ToolRun, cfg: BackupSetConfig, backup: Backup, timeout_s: float
              ) -> tuple[bool, str]:
        if run.error or run.rc in (MISSING, *TIMED_OUT):
            self.check_run(run, cfg, timeout_s)
        method = self.method_of(run, Job("", "", method="sha256"))
        failed = self._failure(run, backup)
        if failed:
            return False, failed
        digest = _SHA.search(run.out)
        if digest is None:
            return False, _("sha256sum gave no checksum for {name}: {error}").format(
                name=backup.id, error=run.last_error_line())
        if backup.checksum and digest.group(1) != backup.checksum:
            return False, _("the file changed since it was listed: its SHA-256 is {now}, was "
                            "{then}; list the set again and verify the new file").format(
                now=digest.group(1), then=backup.checksum)
        passed = {"gzip -t": _("gzip -t passed"),
                  "pg_restore --list": _("pg_restore read the table of contents and every "
                                         "data block")}.get(method, _("plain file"))
        return True, _("{passed}; SHA-256 {digest}").format(passed=passed,
                                                             digest=digest.group(1))

    def _failure(self, run: ToolRun, backup: Backup) -> str:
        error = run.last_error_line()
        return {
            0: "",
            _NO_PG_RESTORE: _("pg_restore is not installed on {where}: apt install "
                       "postgresql-client").format(where=run.where),
            _GONE: _("{name} is no longer in the folder on {where}: list the set again")
            .format(name=backup.id, where=run.where),
            _GZIP_BAD: _("gzip -t failed: {name} is not a complete gzip file ({error})")
            .format(name=backup.id, error=error),
            _LIST_BAD: _("pg_restore --list failed: {name} has no readable table of contents "
                         "({error})").format(name=backup.id, error=error),
            _READ_BAD: _("pg_restore could not read every data block of {name}: the dump is "
                         "cut short or damaged ({error})").format(name=backup.id, error=error),
        }.get(run.rc if run.rc is not None else -1, _(
            "the check of {name} failed on {where} (exit status {rc}): {error}").format(
            name=backup.id, where=run.where, rc=run.rc, error=error))
