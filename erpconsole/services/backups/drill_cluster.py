"""The pgBackRest drill: a backup set restored into a scratch data directory on this
workstation, started as a throwaway PostgreSQL 15 server, checked, stopped, removed.

The WAL a backup needs to reach consistency (from its start to its stop segment) is fetched
by this process with ``pgbackrest archive-get`` into ``pg_wal`` before the server starts, and
``restore_command`` is switched off: the server then needs no access to the repository. Run as
root, the console hands the restored files to ``postgres`` and starts the server as that user
(PostgreSQL refuses root); run as anyone else, the server runs as that user, who owns the
files it restored. A backup made with ``--no-archive-check`` on a server
without archiving has no such WAL and cannot be restored to a consistent state: the drill
says so instead of starting a server that would fail.

The server listens on a Unix socket in the scratch folder only (``listen_addresses = ''``)
with trust authentication: a TCP port with trust would let any local account read the
restored production copy while the drill runs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import NullPool

from erpconsole.services.backups.drill_proc import (
    RestoreCancelled, RestoreError, Restore, run_restore,
)
from erpconsole.services.backups.models import Backup, BackupSetConfig
from erpconsole.i18n import _
from erpconsole.services import units

PG_BIN = Path("/usr/lib/postgresql/15/bin")
OS_USER = "postgres"
START_TIMEOUT_S = 300.0  # recovery of the backup's WAL; bounded
STOP_TIMEOUT_S = 30.0
_CONTROL_LIMITS = {"max_connections setting": "max_connections",
                   "max_worker_processes setting": "max_worker_processes",
                   "max_wal_senders setting": "max_wal_senders",
                   "max_prepared_xacts setting": "max_prepared_transactions",
                   "max_locks_per_xact setting": "max_locks_per_transaction"}
_SEGMENTS_MAX = 4096  # 64 GB of WAL at 16 MB: beyond that the label is not trusted


def _base(cfg: BackupSetConfig, lock: Path) -> list[str]:
    return [shutil.which("pgbackrest") or "pgbackrest", f"--stanza={cfg.stanza or ''}",
            f"--repo1-path={cfg.repo}", f"--lock-path={lock}", "--log-level-file=off",
            "--log-level-console=warn"]


def segments(start: str, stop: str) -> list[str]:
    """WAL file names from ``start`` to ``stop`` (same timeline, 16 MB segments)."""
    tli, lo, hi = start[:8], int(start[8:], 16), int(stop[8:], 16)
    names = []
    n = lo
    while n <= hi and len(names) < _SEGMENTS_MAX:
        log, seg = divmod(n, 0x100000000)
        if seg <= 0xFF:  # 16 MB segments: 256 per log file
            names.append(f"{tli}{log:08X}{seg:08X}")
            n += 1
        else:
            n = (log + 1) * 0x100000000
    return names


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    """One throwaway cluster; ``drop()`` stops it and removes the folder, whatever happened."""

    kind = "postgresql"

    def __init__(self, cfg: BackupSetConfig, backup: Backup, database: str,
                 cancel: threading.Event | None, timeout_s: float):
        self.cfg, self.backup, self.database = cfg, backup, database
        self.cancel, self.timeout_s = cancel, timeout_s
        self.root = Path(tempfile.mkdtemp(prefix="erpconsole_drill_"))
        self.data, self.socket_dir = self.root / "data", self.root / "run"
        self.tablespaces = self.root / "tablespaces"
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None
        self.label = f"{self.root}/data"

    # -- restore --------------------------------------------------------------------------------

    def restore(self) -> None:
        if not (PG_BIN / "postgres").exists():
            raise RestoreError(_("PostgreSQL 15 server binaries are not installed in {bin} on this "
                                 "workstation (apt install postgresql-15)").format(bin=PG_BIN))
        self.data.mkdir(mode=0o700)
        # Tablespaces go under the scratch folder too, never back to the paths they had on the
        # server (which may be this workstation's own cluster).
        argv = [*_base(self.cfg, self.root / "lock"), f"--pg1-path={self.data}", "restore",
                f"--set={self.backup.id}", "--type=immediate", "--target-action=promote",
                f"--tablespace-map-all={self.tablespaces}"]
        run_restore(Restore((tuple(argv),)), self.cancel, self.timeout_s)
        self._fetch_wal()
        self._configure()

    def _wal_range(self) -> tuple[str, str]:
        argv = [*_base(self.cfg, self.root / "lock"), "info", "--output=json"]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        for stanza in json.loads(out.stdout or "[]"):
            for raw in stanza.get("backup") or []:
                if raw.get("label") == self.backup.id:
                    return raw["archive"]["start"], raw["archive"]["stop"]
        raise RestoreError(_("pgBackRest does not list backup {label} any more").format(
            label=self.backup.id))

    def _fetch_wal(self) -> None:
        start, stop = self._wal_range()
        for name in segments(start, stop):
            if self.cancel is not None and self.cancel.is_set():
                raise RestoreCancelled()
            argv = [*_base(self.cfg, self.root / "lock"), f"--pg1-path={self.data}",
                    "archive-get", name, str(self.data / "pg_wal" / name)]
            run = subprocess.run(argv, capture_output=True, text=True, timeout=600)
            if run.returncode != 0:
                raise RestoreError(_(
                    "the WAL segment {name} that backup {label} needs ({start} to {stop}) is not in "
                    "the repository's archive, so the copy cannot reach a consistent state. The "
                    "backup was made without WAL archiving (archive_mode off or --no-archive-check)"
                    "; enable archive_command = 'pgbackrest archive-push %p' on the server or "
                    "back up with --archive-copy").format(name=name, label=self.backup.id,
                                                          start=start, stop=stop))

    def _source_limits(self) -> str:
        """Recovery refuses limits below the source's (pg_control keeps them): copy them."""
        out = subprocess.run([str(PG_BIN / "pg_controldata"), str(self.data)], capture_output=True,
                             text=True, timeout=60, env={**os.environ, "LC_ALL": "C"}).stdout
        lines = []
        for key, setting in _CONTROL_LIMITS.items():
            for line in out.splitlines():
                if line.startswith(key + ":"):
                    lines.append(f"{setting} = {line.split(':', 1)[1].strip()}\n")
        return "".join(lines)

    def _configure(self) -> None:
        # Debian keeps postgresql.conf in /etc: the copy gets its own, and the recovery
        # settings pgBackRest wrote are overridden by the later lines.
        self.socket_dir.mkdir()
        (self.data / "postgresql.conf").write_text(
            f"listen_addresses = ''\nport = {self.port}\n"
            f"unix_socket_directories = '{self.socket_dir}'\n"
            f"hba_file = '{self.data / 'pg_hba.conf'}'\nident_file = '{self.data / 'pg_ident.conf'}'\n"
            "shared_buffers = 32MB\narchive_mode = off\n" + self._source_limits() +
            "logging_collector = off\ninclude_if_exists = 'postgresql.auto.conf'\n")
        (self.data / "pg_hba.conf").write_text("local all all trust\n")
        (self.data / "pg_ident.conf").write_text("")
        with (self.data / "postgresql.auto.conf").open("a") as f:
            f.write("restore_command = '/bin/false'\n")  # the WAL is in pg_wal already
        os.chmod(self.root, 0o755)  # postgres must reach data/ and run/ (data/ stays 0700)
        if os.geteuid() != 0:
            return  # the server runs as this user, who restored the files and owns them
        owned = [self.data, self.socket_dir, *([self.tablespaces] if self.tablespaces.exists() else [])]
        subprocess.run(["chown", "-R", f"{OS_USER}:{OS_USER}", *map(str, owned)],
                       check=True, timeout=600, capture_output=True)

    # -- the server -----------------------------------------------------------------------------

    def start(self) -> None:
        log = open(self.root / "server.log", "wb")
        try:
            # PostgreSQL refuses to run as root: root hands it to postgres; anyone else runs it.
            as_user = ["runuser", "-u", OS_USER, "--"] if os.geteuid() == 0 else []
            self.proc = subprocess.Popen(
                [*as_user, str(PG_BIN / "postgres"), "-D", str(self.data)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, process_group=0)
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._accepts():
            if self.cancel is not None and self.cancel.is_set():
                raise RestoreCancelled()
            if self.proc.poll() is not None:
                raise RestoreError(_("the restored PostgreSQL did not start: {log}").format(
                    log=self._log_tail()))
            if time.monotonic() > deadline:
                raise RestoreError(_("the restored PostgreSQL did not accept connections within "
                                     "{s}: {log}").format(s=units.duration(START_TIMEOUT_S), log=self._log_tail()))
            time.sleep(0.2)

    def _log_tail(self) -> str:
        try:
            lines = (self.root / "server.log").read_text(errors="replace").splitlines()
        except OSError:
            return _("no server log")
        wanted = [ln for ln in lines if "FATAL" in ln or "PANIC" in ln or "ERROR" in ln]
        return " ".join((wanted or lines)[-3:])[-600:]

    def _accepts(self) -> bool:
        try:
            engine, conn = self.connect("postgres")
        except Exception:
            return False
        conn.close()
        engine.dispose()
        return True

    def _engine(self, database: str) -> Engine:
        url = URL.create("postgresql+psycopg", username=OS_USER, database=database,
                         query={"host": str(self.socket_dir), "port": str(self.port)})
        return create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT",
                             connect_args={"connect_timeout": 5,
                                           "application_name": "erpconsole-drill"})

    def connect(self, database: str | None = None) -> tuple[Engine, Connection]:
        engine = self._engine(database or self.database)
        try:
            return engine, engine.connect()
        except Exception:
            engine.dispose()
            raise

    # -- cleanup --------------------------------------------------------------------------------

    def drop(self) -> None:
        try:
            self._stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
        if self.root.exists():
            raise OSError(_("{path} is still there").format(path=self.root))

    def _stop(self) -> None:
        """Fast shutdown (SIGINT to the postmaster) with a bound; then the group is killed."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self._signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT_S)

    def _signal(self, sig: int) -> None:
        assert self.proc is not None
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, sig)
        except (OSError, ValueError, IndexError):
            pass
        if sig == signal.SIGKILL:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
