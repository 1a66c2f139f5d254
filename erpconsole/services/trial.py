"""The "Test" buttons of the database and backup set dialogs: an entry not saved yet is tried
once, with the password just typed, and the answer is a list of steps a person reads.

Every call here blocks and is meant for a worker thread; each has a deadline counted from when
it runs, and a late answer is reported as a timeout while its thread finishes on its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from erpconsole.config import BackupSetConfig, DatabaseConfig, HostConfig
from erpconsole.i18n import _, ngettext
from erpconsole.services import units
from erpconsole.services.models import ConnectionStep, DatabaseSnapshot
from erpconsole.services.secrets import SecretStore

log = logging.getLogger(__name__)

DB_DEADLINE_S = 20.0
BACKUP_DEADLINE_S = 30.0
T = TypeVar("T")


class TypedSecret(SecretStore):
    """The password typed in a dialog for one keyring name; any other name (and that one when
    nothing was typed) is looked up as usual."""

    def __init__(self, base: SecretStore | None, name: str, value: str | None) -> None:
        super().__init__()
        self._base = base if base is not None else SecretStore()
        self._name, self._value = name, value

    def get(self, name: str, env: str | None = None) -> str | None:
        if name == self._name and self._value:
            return self._value
        return self._base.get(name, env)


def _within(fn: Callable[[], T], deadline_s: float) -> tuple[bool, T | None, BaseException | None]:
    """(finished, result, error) of ``fn`` run on its own thread for at most ``deadline_s``."""
    box: dict = {}

    def run() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=run, name="trial", daemon=True)
    thread.start()
    thread.join(deadline_s)
    if thread.is_alive():
        return False, None, None
    return True, box.get("result"), box.get("error")


# -- databases -------------------------------------------------------------------------------


def try_database(cfg: DatabaseConfig, password: str | None = None, secrets: SecretStore | None = None,
                 deadline_s: float = DB_DEADLINE_S) -> list[ConnectionStep]:
    """Connects as the console would, reads once as a poll does, and names each grant a panel
    lacks. Steps: connect, version, then one ``grant`` step per panel that could not be filled."""
    from erpconsole.services.databases.base import secret_name
    from erpconsole.services.databases.factory import database_collector

    try:
        collector = database_collector(cfg, TypedSecret(secrets, secret_name(cfg.name), password))
    except Exception as exc:  # noqa: BLE001 - an unknown dialect, a malformed URL
        return [ConnectionStep("connect", False, str(exc))]
    started = time.monotonic()
    finished, snap, error = _within(collector.collect, deadline_s)
    # A late poll still holds the collector's lock: its connection is closed once it ends.
    closer = threading.Thread(target=collector.close, name="trial-close", daemon=True)
    closer.start()
    if finished:
        closer.join()
    if not finished:
        return [ConnectionStep("connect", False, _("no answer within {seconds}").format(seconds=units.duration(deadline_s)),
                               _("check the host, the port and any firewall between"))]
    if error is not None:
        message = getattr(error, "message", None) or str(error)
        return [ConnectionStep("connect", False, message)]
    return _database_steps(snap, time.monotonic() - started)


def _database_steps(snap: DatabaseSnapshot, took_s: float) -> list[ConnectionStep]:
    steps = [ConnectionStep("connect", True, _("connected and read in {ms:.0f} ms").format(ms=took_s * 1000)),
             ConnectionStep("version", True, snap.version or snap.kind)]
    if not snap.notes:
        steps.append(ConnectionStep("panels", True, _("every panel can be filled with this account's grants")))
    for note in snap.notes:
        steps.append(ConnectionStep("panels", False, _("{panel}: {message}").format(
            panel=note.panel, message=note.message)))
    return steps


# -- backup sets -----------------------------------------------------------------------------


def try_backup_set(cfg: BackupSetConfig, password: str | None = None, secrets: SecretStore | None = None,
                   hosts: dict[str, HostConfig] | None = None, known_hosts_path=None,
                   deadline_s: float = BACKUP_DEADLINE_S) -> list[ConnectionStep]:
    """Lists the repository with its tool: how many backups, the newest, or the tool's error."""
    from erpconsole.services.backups.factory import source_for

    store = TypedSecret(secrets, f"backup:{cfg.name}", password)
    try:
        source = source_for(cfg)
    except ValueError as exc:
        return [ConnectionStep("read", False, str(exc))]
    finished, status, error = _within(lambda: source.read(cfg, store, known_hosts_path, hosts or {},
                                                          timeout_s=deadline_s), deadline_s + 2)
    if not finished:
        return [ConnectionStep("read", False, _("no answer within {seconds}").format(seconds=units.duration(deadline_s)))]
    if error is not None:
        log.info("trying backup set %s", cfg.name, exc_info=error)
        return [ConnectionStep("read", False, str(error))]
    if status.error:
        return [ConnectionStep("read", False, status.error)]
    count = len(status.backups)
    text = ngettext("{n} backup in the repository", "{n} backups in the repository", count).format(n=count)
    steps = [ConnectionStep("read", True, text)]
    if status.backups:
        newest = status.backups[-1]
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(newest.finished))
        steps.append(ConnectionStep("newest", True, _("newest: {id} from {when}").format(id=newest.id, when=when)))
    return steps
