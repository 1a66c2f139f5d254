"""The restore step of a drill: what kind of dump a file is, and running the client tools that
load it (``pg_restore``, ``psql``, ``mariadb``, with ``gzip -dc`` in front of a compressed one)
as one process group that can be cancelled or timed out as a whole.

Secrets reach the tools only through the environment given in ``Restore.env``, never argv.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from erpconsole.i18n import _
from erpconsole.services import units

log = logging.getLogger(__name__)

PG_CUSTOM = "pg_custom"  # pg_dump -Fc
PG_DIRECTORY = "pg_directory"  # pg_dump -Fd
SQL = "sql"
SQL_GZ = "sql_gz"

_HEAD_BYTES = 1 << 20
_KILL_GRACE_S = 5.0
_TAIL_CHARS = 600
# A dump that switches database itself would load into that database, not the scratch one.
_SWITCHES_DB = re.compile(rb"^\s*(\\connect\b|\\c\s|CREATE\s+DATABASE\b|USE\s+`)",
                          re.IGNORECASE | re.MULTILINE)


class RestoreError(Exception):
    """The restore did not complete; ``str()`` says why and what to do."""


class RestoreCancelled(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Restore:
    """A pipeline of commands: the first reads ``stdin_path`` (when given), each feeds the next."""

    commands: tuple[tuple[str, ...], ...]
    env: dict[str, str] = field(default_factory=dict, repr=False)  # holds the password
    stdin_path: str | None = None
    watch_path: str = ""  # the file whose reading shows the progress
    cwd: str | None = None  # borg extract writes into the working folder

    @property
    def shown(self) -> str:
        return " | ".join(" ".join(c) for c in self.commands)


def dump_format(path: Path) -> str:
    """PG_CUSTOM, PG_DIRECTORY, SQL_GZ or SQL; raises RestoreError for what is no dump."""
    if path.is_dir():
        if (path / "toc.dat").is_file():
            return PG_DIRECTORY
        raise RestoreError(_("{path} is a folder without toc.dat: not a pg_dump directory "
                             "dump").format(path=path))
    with path.open("rb") as f:
        magic = f.read(5)
    if magic == b"PGDMP":
        return PG_CUSTOM
    if magic[:2] == b"\x1f\x8b":
        return SQL_GZ
    return SQL


def check_sql_head(path: Path, fmt: str) -> None:
    """Refuse a SQL dump that creates or switches databases (pg_dump -C, pg_dumpall,
    mysqldump --databases): loaded as it is, it would write into the source database."""
    try:
        if fmt == SQL_GZ:
            with gzip.open(path, "rb") as f:
                head = f.read(_HEAD_BYTES)
        else:
            with path.open("rb") as f:
                head = f.read(_HEAD_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise RestoreError(_("the dump cannot be read: {error}; it is damaged or cut short, "
                             "make a new one").format(error=exc)) from exc
    if _SWITCHES_DB.search(head):
        raise RestoreError(_(
            "the dump creates or switches databases itself (made with pg_dump -C, pg_dumpall or "
            "mysqldump --databases), so it would not restore into the scratch database; dump the "
            "one database without those options for drills"))


def run_restore(restore: Restore, cancel: threading.Event | None, timeout_s: float,
                progress: Callable[[float], None] | None = None) -> None:
    """Runs the pipeline to its end; raises RestoreError, or RestoreCancelled when ``cancel``
    was set (the whole process group is killed either way)."""
    with tempfile.TemporaryFile() as errors:
        procs = _start(restore, errors)
        try:
            _wait(procs, cancel, timeout_s, restore, progress)
        finally:
            _stop(procs)
        codes = [p.returncode for p in procs]
        if any(codes):
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace").strip()[-_TAIL_CHARS:]
            raise RestoreError(_("{command} ended with exit status {codes}: {errors}").format(
                command=Path(restore.commands[-1][0]).name, codes=", ".join(map(str, codes)),
                errors=tail or _("no error text")))


def _start(restore: Restore, errors) -> list[subprocess.Popen]:
    env = {**os.environ, **restore.env}
    procs: list[subprocess.Popen] = []
    stdin = open(restore.stdin_path, "rb") if restore.stdin_path else subprocess.DEVNULL
    try:
        for i, argv in enumerate(restore.commands):
            last = i == len(restore.commands) - 1
            # One process group for the pipeline, so cancel kills every part of it at once.
            group = 0 if not procs else procs[0].pid
            try:
                procs.append(subprocess.Popen(
                    argv, stdin=stdin if not procs else procs[-1].stdout,
                    stdout=subprocess.DEVNULL if last else subprocess.PIPE, stderr=errors,
                    env=env, process_group=group, cwd=restore.cwd))
            except OSError as exc:
                _stop(procs, kill=True)
                raise RestoreError(_("{tool} could not be started: {error}").format(
                    tool=argv[0], error=exc)) from exc
            if len(procs) > 1 and procs[-2].stdout is not None:
                procs[-2].stdout.close()  # the reader owns it now: SIGPIPE reaches the writer
    finally:
        if stdin is not subprocess.DEVNULL:
            stdin.close()
    return procs


def _wait(procs: list[subprocess.Popen], cancel: threading.Event | None, timeout_s: float,
          restore: Restore, progress: Callable[[float], None] | None) -> None:
    size = _size(restore.watch_path)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            procs[-1].wait(timeout=0.1)
            for p in procs[:-1]:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            return
        except subprocess.TimeoutExpired:
            pass
        if cancel is not None and cancel.is_set():
            _stop(procs, kill=True)
            raise RestoreCancelled()
        if time.monotonic() > deadline:
            _stop(procs, kill=True)
            raise RestoreError(_("the restore took longer than {s} and was stopped; allow "
                                 "the drill more time or restore a smaller dump").format(s=units.duration(timeout_s)))
        if progress is not None and size:
            progress(min(1.0, _read_bytes(procs[0].pid) / size))


def _size(path: str) -> int:
    try:
        p = Path(path)
        if p.is_dir():
            return sum(f.stat().st_size for f in p.iterdir() if f.is_file())
        return p.stat().st_size
    except OSError:
        return 0


def _read_bytes(pid: int) -> int:
    """How much the first command has read so far (Linux /proc; 0 where unknown)."""
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _stop(procs: list[subprocess.Popen], kill: bool = False) -> None:
    """Reaps the pipeline; with ``kill``, terminates its process group first."""
    if not procs:
        return
    if kill:
        _signal(procs[0].pid, signal.SIGTERM)
    deadline = time.monotonic() + _KILL_GRACE_S
    for p in procs:
        try:
            p.wait(timeout=max(0.05, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal(procs[0].pid, signal.SIGKILL)
            p.wait(timeout=_KILL_GRACE_S)


def _signal(group: int, sig: int) -> None:
    try:
        os.killpg(group, sig)
    except (ProcessLookupError, PermissionError):
        log.debug("process group %s already gone", group)
