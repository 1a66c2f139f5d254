"""Restore drills: a dump restored into a fresh scratch database, checked against the source,
timed (the measured RTO), and dropped again whatever happened.

Scope: dump folders (``dumpdir``) — a PostgreSQL custom or directory format dump, a plain
``.sql`` / ``.sql.gz`` for PostgreSQL or MariaDB / MySQL — here or on a host (``host``), whose
dump is first copied over SFTP into a private scratch folder here (drill_fetch). restic and
Borg snapshots are restored into a scratch folder; pgBackRest and Barman backups into a scratch
data directory run by a throwaway PostgreSQL (drill_cluster, drill_barman). Their repositories
must be on this workstation; on a host they are refused with a message saying so.

The measured duration runs from the start of the drill to the end of the checks (copy from the
host, source row counts, scratch database, restore, checks); dropping the scratch database and
the copied dump afterwards is cleanup, not recovery time. ``run_drill`` never raises: every
failure is a ``DrillResult`` that says what went wrong and what to do.
"""

from __future__ import annotations

import logging
import secrets as _random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from erpconsole.services.backups.drill_mysql import MySqlScratch
from erpconsole.services.backups.drill_pg import PgScratch
from erpconsole.services.backups.drill_proc import (
    SQL, SQL_GZ, RestoreCancelled, RestoreError, check_sql_head, dump_format, run_restore,
)
from erpconsole.services.backups.drill_barman import BarmanCluster
from erpconsole.services.backups.drill_checks import CHECK_TIMEOUT_S, check_copy, source_counts
from erpconsole.services.backups.drill_cluster import PgCluster
from erpconsole.services.backups.drill_fetch import SHARE, RemoteDump
from erpconsole.services.backups.drill_files import FolderRestore, find_dump
from erpconsole.services.backups.models import (
    BARMAN, BORG, DUMPDIR, PGBACKREST, RESTIC, Backup, BackupSetConfig, DrillCheck, DrillResult,
)
from erpconsole.services.databases.base import first_line, secret_name
from erpconsole.guards.urls import mask_url
from erpconsole.i18n import _
from erpconsole.services import units
from erpconsole.services.secrets import SecretStore
from erpconsole.services.store.audit import default_actor

log = logging.getLogger(__name__)

ACTION = "backup.drill"
SCRATCH_PREFIX = "erpconsole_drill_"
DRILL_TIMEOUT_S = 12 * 3600.0  # the restore's own limit: a 1 TB dump still fits

Progress = Callable[[str, float], None]


class DrillRefused(Exception):
    """The drill cannot run as configured; ``str()`` says what to change."""


def run_drill(cfg: BackupSetConfig, backup: Backup, inventory, secrets: SecretStore | None = None,
              progress: Progress | None = None, cancel: threading.Event | None = None,
              actor: str | None = None, audit=None, now: float | None = None,
              timeout_s: float = DRILL_TIMEOUT_S, known_hosts_path=None) -> DrillResult:
    """Restores ``backup`` into a scratch database on ``cfg.drill_target``, checks it and drops
    it. ``inventory`` supplies the source database (``cfg.database``), passwords and hosts."""
    started = time.time() if now is None else now
    actor = actor or default_actor()  # the result names whoever the audit trail names
    drill = _Drill(cfg, backup, inventory, secrets or SecretStore(), progress, cancel, timeout_s,
                   known_hosts_path)
    try:
        where = drill.remote.remote_path if drill.remote else str(drill.path)  # the host's own path
        _audit(audit, cfg, actor, {"event": "requested", "backup": backup.id, "host": cfg.host,
                                   "file": where, "drill_target": drill.server_text})
    except Exception as exc:
        log.exception("audit before the drill of %s", cfg.name)
        return drill.result(started, False, _("the audit trail could not be written ({error}); "
                                              "the drill was not run").format(error=first_line(exc)),
                            actor)
    ok, message = drill.execute()
    result = drill.result(started, ok, message, actor)
    try:
        _audit(audit, cfg, actor, {"event": "finished", "backup": backup.id, "ok": result.ok,
                                   "message": result.message, "duration_s": result.duration_s,
                                   "data_age_s": result.data_age_s, "scratch": result.target,
                                   "checks_failed": sum(not c.ok for c in result.checks)})
    except Exception as exc:
        log.exception("audit after the drill of %s", cfg.name)
        return drill.result(started, ok, message + " " + _(
            "(the audit trail could not record the outcome: {error})").format(error=first_line(exc)),
            actor)
    return result


def _audit(audit, cfg: BackupSetConfig, actor: str | None, details: dict[str, Any]) -> None:
    if audit is not None:
        audit.append(ACTION, cfg.name, details, actor=actor)


def _safe(url: str | None) -> str:
    if not url:
        return ""
    try:
        return mask_url(make_url(url).render_as_string(hide_password=True))  # ?password= too
    except Exception:
        return "?"


class _Drill:
    def __init__(self, cfg: BackupSetConfig, backup: Backup, inventory, secrets: SecretStore,
                 progress: Progress | None, cancel: threading.Event | None, timeout_s: float,
                 known_hosts_path=None):
        self.cfg, self.backup, self.inventory, self.secrets = cfg, backup, inventory, secrets
        self.progress, self.cancel, self.timeout_s = progress, cancel, timeout_s
        # restic / Borg / pgBackRest: the backup's name until a dump is found inside it
        self.path = Path(backup.location or str(Path(cfg.repo) / backup.id)).expanduser() \
            if cfg.tool == DUMPDIR else Path(backup.id)
        self.folder: FolderRestore | None = None
        self.remote = RemoteDump(cfg, backup, getattr(inventory, "hosts", ()), secrets,
                                 known_hosts_path, cancel, timeout_s) if cfg.host else None
        self.base = 0.0  # the share of the progress bar the copy from the host took
        self.server_text = _safe(cfg.drill_target)
        self.checks: list[DrillCheck] = []
        self.scratch: PgScratch | MySqlScratch | None = None
        self.created = False
        self.t0 = time.monotonic()
        self.t_end: float | None = None

    # -- the outcome ----------------------------------------------------------------------------

    def result(self, started: float, ok: bool, message: str, actor: str = "") -> DrillResult:
        end = self.t_end if self.t_end is not None else time.monotonic()
        rto_min = self.cfg.policy.rto_target_min
        return DrillResult(
            self.cfg.name, self.backup.id, started, started + (end - self.t0), end - self.t0,
            started - self.backup.finished if self.backup.finished else None, ok, message,
            tuple(self.checks), self._target(),
            rto_min * 60 if rto_min is not None else None, actor)

    def _target(self) -> str:
        if self.scratch is not None:
            return self.scratch.label
        return str(self.folder.folder) if self.folder and self.folder.folder else ""

    def _phase(self, text: str, fraction: float) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise RestoreCancelled()
        self._phase_quiet(text, fraction)

    def _phase_quiet(self, text: str, fraction: float) -> None:
        if self.progress is not None:
            try:
                self.progress(text, self.base + (1 - self.base) * fraction)
            except Exception:  # a broken listener must not leave a scratch database behind
                log.exception("drill progress listener")

    # -- the run --------------------------------------------------------------------------------

    def execute(self) -> tuple[bool, str]:
        """(ok, message); never raises, and drops the scratch database it made."""
        self.t0 = time.monotonic()
        try:
            ok, message = self._run()
        except RestoreCancelled:
            started_any = self.created or self.folder is not None
            ok, message = False, (_("cancelled; the restore was stopped") if started_any
                                  else _("cancelled before the restore started"))
        except (DrillRefused, RestoreError) as exc:
            ok, message = False, str(exc)
        except Exception as exc:
            log.exception("restore drill of %s", self.cfg.name)
            ok, message = False, _("the drill failed: {error}").format(error=first_line(exc))
        finally:
            if self.t_end is None:
                self.t_end = time.monotonic()
            note = " ".join(filter(None, (self._drop(), *(part.remove() for part in
                                                          (self.folder, self.remote) if part))))
        if note:
            message = f"{message} {note}"
        self._phase_quiet(_("done"), 1.0)
        return ok, message

    def _run(self) -> tuple[bool, str]:
        self._phase(_("preparing"), 0.0)
        self._refuse()
        if self.cfg.tool in (PGBACKREST, BARMAN):
            return self._run_cluster()
        if self.cfg.tool in (RESTIC, BORG) and not self._restore_folder():
            self.t_end = time.monotonic()
            return self._verdict()
        scratch = self._scratch()  # a target it cannot use is said before any copying
        fmt = self._prepare()
        self.scratch = scratch
        return self._with_source(lambda: self._load(fmt))

    def _load(self, fmt: str) -> None:
        assert self.scratch is not None
        self._phase(_("creating the scratch database {name}").format(name=self.scratch.label), 0.05)
        self._create()
        self._restore(fmt)

    def _run_cluster(self) -> tuple[bool, str]:
        """pgBackRest / Barman: restore, start a throwaway server, check it (drop() stops it)."""
        db = next((d for d in getattr(self.inventory, "databases", ()) if d.name == self.cfg.database),
                  None)
        name = (make_url(db.url).database if db is not None else None) or "postgres"
        kind, tool = (BarmanCluster, "Barman") if self.cfg.tool == BARMAN else (PgCluster, "pgBackRest")
        cluster = kind(self.cfg, self.backup, name, self.cancel, self.timeout_s)
        self.scratch, self.created = cluster, True

        def steps() -> None:
            self._phase(_("restoring backup {id} with {tool}").format(id=self.backup.id, tool=tool),
                        0.05)
            cluster.restore()
            self._phase(_("starting a throwaway PostgreSQL on the restored data"), 0.6)
            cluster.start()
        return self._with_source(steps)

    def _restore_folder(self) -> bool:
        """restic / Borg: the snapshot into a scratch folder, its files counted; True when a
        dump inside it is to be drilled next (self.path)."""
        self.folder = FolderRestore(self.cfg, self.backup, self.secrets, self.cancel, self.timeout_s)
        self._phase(_("reading the file list of {id}").format(id=self.backup.id), 0.01)
        expected = self.folder.expected()
        self._phase(_("restoring {id} into a scratch folder").format(id=self.backup.id), 0.02)
        try:
            self.folder.restore()
        except RestoreError as exc:
            raise RestoreError(_("the restore of {id} failed: {error}").format(
                id=self.backup.id, error=exc)) from exc
        self.checks += self.folder.checks(expected)
        dump = find_dump(self.folder.folder, self.cfg.pattern) if self.folder.folder else None
        if dump is None or not self.cfg.drill_target:
            return False
        self.path = dump
        return True

    def _with_source(self, steps: Callable[[], None]) -> tuple[bool, str]:
        # The source is counted while the restore runs: it needs nothing from it, and done
        # first it added about 3% to the measured RTO of a 1 GB drill.
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drill-source")
        try:
            source = pool.submit(source_counts, self.cfg, self.inventory, self.secrets)
            steps()
            self._phase(_("checking the restored copy"), 0.85)
            # Bounded: each count has the statement timeout of the read-only session.
            assert self.scratch is not None
            counts = source.result(timeout=CHECK_TIMEOUT_S * (len(self.cfg.key_tables) + 1))
            self.checks += check_copy(self.scratch, self.cfg, counts)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        self.t_end = time.monotonic()
        return self._verdict()

    def _refuse(self) -> None:
        cfg = self.cfg
        if cfg.tool not in (DUMPDIR, RESTIC, BORG, PGBACKREST, BARMAN):
            raise DrillRefused(_(
                "restore drills of {tool} backups are not supported yet; dump folders, restic, "
                "Borg, pgBackRest and Barman sets can be drilled").format(tool=cfg.tool))
        if cfg.host is not None and cfg.tool != DUMPDIR:
            raise DrillRefused(_(
                "the {tool} repository of this set is on {host}: dump folders on a host can be "
                "drilled, repositories on a host not yet; mount or copy the repository to this "
                "workstation and drill a set without host").format(tool=cfg.tool, host=cfg.host))
        if not self.backup.ok:
            raise DrillRefused(_("{id} is marked as failed; drill a good backup").format(id=self.backup.id))

    def _prepare(self) -> str:
        if self.remote is not None:
            self.path, self.base = self.remote.fetch(lambda t, f: self._phase(t, SHARE * f)), SHARE
        elif not self.path.exists():
            raise DrillRefused(_("the dump {path} is not there (any more); refresh the list and pick "
                                 "another backup").format(path=self.path))
        fmt = dump_format(self.path)
        if fmt in (SQL, SQL_GZ):
            check_sql_head(self.path, fmt)
        return fmt

    def _scratch(self) -> PgScratch | MySqlScratch:
        if not self.cfg.drill_target:
            raise DrillRefused(_('no drill_target for this set; add drill_target = "postgresql+psycopg://'
                                 'user@host/postgres" (a server to restore into) to its [[backups]] entry'))
        url = make_url(self.cfg.drill_target)
        backend = url.get_backend_name()
        kinds = {"postgresql": PgScratch, "mysql": MySqlScratch, "mariadb": MySqlScratch}
        if backend not in kinds:
            raise DrillRefused(_("drill_target {url} is neither PostgreSQL nor MariaDB / MySQL"
                                 ).format(url=self.server_text))
        name = SCRATCH_PREFIX + _random.token_hex(4)
        return kinds[backend](url, name, self._password(url), CHECK_TIMEOUT_S)

    def _password(self, server: URL) -> str | None:
        """The keyring password of the inventory database on the same server as the same user
        (the set's own database first); None: no password."""
        dbs = sorted(getattr(self.inventory, "databases", ()),
                     key=lambda d: d.name != self.cfg.database)
        for db in dbs:
            try:
                url = make_url(db.url)
            except Exception:
                continue
            if (url.get_backend_name(), url.host, url.port, url.username) == \
                    (server.get_backend_name(), server.host, server.port, server.username):
                return self.secrets.get(secret_name(db.name), env=db.password_env)
        return None

    def _create(self) -> None:
        assert self.scratch is not None
        try:
            self.scratch.create()
        except Exception as exc:
            raise DrillRefused(_(
                "the scratch database could not be created on {server}: {error}; the drill_target "
                "user needs the right to create databases").format(
                server=self.server_text, error=first_line(exc))) from exc
        self.created = True

    def _restore(self, fmt: str) -> None:
        assert self.scratch is not None
        restore = self.scratch.restore(self.path, fmt)
        text = _("restoring {file}").format(file=self.path.name)
        self._phase(text, 0.1)
        log.info("drill %s: %s", self.cfg.name, restore.shown)
        try:
            # What is left of the drill's time: a slow copy from the host does not double it.
            left = max(1.0, self.timeout_s - (time.monotonic() - self.t0))
            run_restore(restore, self.cancel, left,
                        lambda f: self._phase_quiet(text, 0.1 + 0.7 * f))
        except RestoreError as exc:
            raise RestoreError(_(
                "the restore of {file} failed: {error}. The dump is damaged or does not fit this "
                "server; make a new one and verify it").format(file=self.path.name, error=exc)) from exc

    # -- checks ---------------------------------------------------------------------------------

    def _verdict(self) -> tuple[bool, str]:
        failed = [c for c in self.checks if not c.ok]
        took = time.monotonic() if self.t_end is None else self.t_end
        if failed:
            return False, _("restored, but {n} of {m} checks failed: {names}; look at the checks, "
                            "the backup may be incomplete").format(
                n=len(failed), m=len(self.checks), names="; ".join(
                    _("{name} (expected {expected}, got {got})").format(
                        name=c.name, expected=c.expected, got=c.got) for c in failed))
        done = _("restored {file} in {took}; {m} checks passed").format(
            file=self.path.name, took=units.duration(took - self.t0), m=len(self.checks))
        return True, f"{done} {self.remote.summary()}" if self.remote else done

    # -- cleanup --------------------------------------------------------------------------------

    def _drop(self) -> str:
        """Drops the scratch database; '' when done (or never made), else what to do by hand."""
        if self.scratch is None or not self.created:
            return ""
        self._phase_quiet(_("dropping the scratch database"), 0.95)
        try:
            self.scratch.drop()
            return ""
        except Exception as exc:
            log.exception("dropping the drill database %s", self.scratch.label)
            return _("The scratch database {name} could not be dropped ({error}); drop it by "
                     "hand.").format(name=self.scratch.label, error=first_line(exc))
