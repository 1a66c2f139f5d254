"""The Barman drill: `barman recover SERVER ID DEST` into a scratch data directory on this
workstation, then the same throwaway PostgreSQL 15 server as the pgBackRest drill
(drill_cluster.PgCluster): started on a Unix socket only, checked, stopped, removed.

Without a recovery target Barman copies the base backup and the WAL files from its start to
its end into ``pg_wal`` and writes no recovery.signal: the server reaches a consistent state
from ``pg_wal`` alone and needs no access to the Barman archive.

Barman run as root switches to its ``barman_user`` (``barman`` unless the configuration says
otherwise), which then writes the scratch data directory: the directory is handed to that user
for the recovery and to ``postgres`` afterwards.
"""

from __future__ import annotations

import configparser
import json
import os
import pwd
import shutil
import subprocess

from erpconsole.services.backups.barman import config_of, server_of
from erpconsole.services.backups.drill_cluster import PG_BIN, PgCluster
from erpconsole.services.backups.drill_proc import Restore, RestoreError, run_restore
from erpconsole.i18n import _

_DEFAULT_CONFIGS = ("~/.barman.conf", "/etc/barman.conf", "/etc/barman/barman.conf")


def barman_user(conf: str | None) -> str:
    """The barman_user of the configuration Barman will read (its default: barman)."""
    paths = [conf] if conf else [os.path.expanduser(p) for p in _DEFAULT_CONFIGS]
    for path in paths:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            if parser.read(path):
                return parser.get("barman", "barman_user", fallback="barman").strip("'\"")
        except configparser.Error:
            return "barman"  # Barman itself will say what is wrong with the file
    return "barman"


class BarmanCluster(PgCluster):
    """A PgCluster whose data directory comes from `barman recover`."""

    def restore(self) -> None:
        if not (PG_BIN / "postgres").exists():
            raise RestoreError(_("PostgreSQL 15 server binaries are not installed in {bin} on this "
                                 "workstation (apt install postgresql-15)").format(bin=PG_BIN))
        self.data.mkdir(mode=0o700)
        conf = config_of(self.cfg)
        relocations = self._relocations(conf)
        self._hand_to_barman()
        argv = [shutil.which("barman") or "barman", *(["-c", conf] if conf else []), "recover",
                *relocations, server_of(self.cfg), self.backup.id, str(self.data)]
        try:
            run_restore(Restore((tuple(argv),)), self.cancel, self.timeout_s)
        except RestoreError as exc:
            raise RestoreError(_("barman recover of backup {id} failed: {error}; check that "
                                 "`barman recover` works on this workstation").format(
                id=self.backup.id, error=exc)) from exc
        if not (self.data / "PG_VERSION").exists():
            raise RestoreError(_("barman recover of backup {id} left no PostgreSQL data "
                                 "directory in {path}").format(id=self.backup.id, path=self.data))
        self._configure()

    def _relocations(self, conf: str | None) -> list[str]:
        """``--tablespace NAME:DIR`` per tablespace of the backup: each is recovered under the
        scratch folder, never to the path it had on the server (which may be a live cluster's
        here). The folders are numbered: a tablespace's name never becomes a path."""
        argv = [shutil.which("barman") or "barman", *(["-c", conf] if conf else []), "-f", "json",
                "show-backup", server_of(self.cfg), self.backup.id]
        try:
            run = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                                 stdin=subprocess.DEVNULL)
            shown = json.loads(run.stdout)[server_of(self.cfg)]
            names = [str(t["name"]) for t in shown.get("tablespaces") or []]
        except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError) as exc:
            raise RestoreError(_("barman show-backup of {id} could not be read ({error}), so its "
                                 "tablespaces could not be moved into the scratch folder; run "
                                 "`barman show-backup` to see why").format(
                id=self.backup.id, error=exc)) from exc
        rules: list[str] = []
        for number, name in enumerate(names, 1):
            folder = self.tablespaces / str(number)
            folder.mkdir(parents=True, mode=0o700)
            rules += ["--tablespace", f"{name}:{folder}"]
        return rules

    def _hand_to_barman(self) -> None:
        if os.geteuid() != 0:
            return  # Barman runs as this user (it refuses any other barman_user)
        user = barman_user(config_of(self.cfg))
        if user == "root":
            return
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            raise RestoreError(_("Barman's barman_user {user} is not an account on this "
                                 "workstation; check the Barman configuration").format(
                user=user)) from None
        os.chmod(self.root, 0o755)  # the user must reach data/ (data/ itself stays 0700)
        for folder in (self.data, *(self.tablespaces.iterdir() if self.tablespaces.exists() else ())):
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        if self.tablespaces.exists():
            os.chmod(self.tablespaces, 0o755)

