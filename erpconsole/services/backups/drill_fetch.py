"""The fetch step of a drill of a dump folder on another host: the chosen dump copied over SFTP
into a private scratch folder on this workstation, where the drill restores it like a local one.

The connection is the drill's own, made exactly as a poll makes it (``~/.ssh/config``, keys,
agent, keyring; the same known_hosts files, so an unknown or changed host key is refused, never
accepted), and closed once the copy is done. The copy counts in the measured duration: in a
real recovery the dump has to come over too. Reads go out in batches of pipelined requests;
between batches the progress is shown and cancel and the deadline are honoured, so nothing is
in flight when the drill stops, and a link that stays silent for ``STALL_S`` ends the copy.
The copy is checked against the listed size and, where the host listed one, the SHA-256. Every
expected failure is a RestoreError whose text says what to do; ``remove()`` always cleans up.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from erpconsole.services.backups.drill_proc import RestoreCancelled, RestoreError
from erpconsole.services.backups.models import Backup, BackupSetConfig
from erpconsole.services.errors import CollectorError
from erpconsole.i18n import _, ngettext
from erpconsole.services import units
from erpconsole.services.secrets import SecretStore

if TYPE_CHECKING:
    import paramiko

    from erpconsole.config import HostConfig
    from erpconsole.services.hosts.ssh_session import SSHSession

SCRATCH_PREFIX = "erpconsole_drill_"
SHARE = 0.3  # of the drill's progress bar: the restore and the checks get the rest
STALL_S = 60.0  # no answer for this long: the link or the host is gone
_LOGIN_S = 30.0  # connect, handshake, login, the SFTP channel
_PIECE = 32768  # paramiko's largest read request
_BATCH = 128 * _PIECE  # bytes asked for at once, pipelined; progress and cancel in between

Progress = Callable[[str, float], None]  # (text, fraction of the fetch)


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _blocks(remote: paramiko.SFTPFile, pieces: list[tuple[int, int]]) -> Iterable[bytes]:
    """The pieces in order; a file cut short on the host ends them with b"" (paramiko raises
    EOFError or yields short reads there)."""
    try:
        yield from remote.readv(pieces)
    except EOFError:
        yield b""


class _CancelWatch:
    """Calls ``close`` every 0.2 s once ``cancel`` is set, until stopped: a login or a read
    that blocks in paramiko then ends at once instead of at its own timeout. Again and again,
    because a close that lands between two steps of a login (before the handshake starts, or
    just before the transport is kept) would otherwise be lost."""

    def __init__(self, cancel: threading.Event | None, close: Callable[[], None]) -> None:
        self._cancel, self._close, self._done = cancel, close, threading.Event()
        if cancel is not None:
            threading.Thread(target=self._run, name="drill-fetch-cancel", daemon=True).start()

    def _run(self) -> None:
        while not self._done.wait(0.2):
            if self._cancel is not None and self._cancel.is_set():
                self._close()

    def stop(self) -> None:
        self._done.set()


def find_host(cfg: BackupSetConfig, hosts: Iterable[HostConfig]) -> HostConfig:
    host = next((h for h in hosts if h.name == cfg.host), None)
    if host is None:
        raise RestoreError(_(
            "the dumps of this set are on {host}, which is not in the inventory: add it under "
            "[[hosts]] or fix `host` of the set").format(host=cfg.host))
    return host


class RemoteDump:
    """One dump copied from the set's host into a scratch folder."""

    def __init__(self, cfg: BackupSetConfig, backup: Backup, hosts: Iterable[HostConfig],
                 secrets: SecretStore, known_hosts_path, cancel: threading.Event | None,
                 timeout_s: float):
        self.cfg, self.backup, self.hosts, self.secrets = cfg, backup, tuple(hosts), secrets
        self.known_hosts_path, self.cancel, self.timeout_s = known_hosts_path, cancel, timeout_s
        self.remote_path = backup.location or f"{cfg.repo.rstrip('/')}/{backup.id}"
        name = PurePosixPath(self.remote_path).name
        self.name = name if name not in ("", ".", "..") else "dump"
        self.folder: Path | None = None
        self.took_s = 0.0

    def fetch(self, progress: Progress) -> Path:
        """The local copy; raises RestoreError, or RestoreCancelled."""
        from paramiko import SFTPError
        from paramiko.ssh_exception import SSHException

        from erpconsole.services.hosts.factory import known_hosts_for
        from erpconsole.services.hosts.ssh_session import SSHSession, Timeouts

        host = find_host(self.cfg, self.hosts)
        started = time.monotonic()
        progress(_("connecting to {host}").format(host=host.name), 0.0)
        session = SSHSession(host.name, self.secrets, known_hosts_for(host, self.known_hosts_path),
                             Timeouts(connect_s=5.0, banner_s=10.0, auth_s=15.0,
                                      command_s=_LOGIN_S), keep_shell=False)
        watch = _CancelWatch(self.cancel, session.close)  # cancel cuts a login or a stalled read
        try:
            sftp = self._open_sftp(session, host)
            try:
                path = self._copy(sftp, host.name, progress, started + self.timeout_s,
                                  drop=session.close)
            finally:
                sftp.close()
        except (EOFError, OSError, SSHException, SFTPError) as exc:  # local files: _local_file
            if self.cancel is not None and self.cancel.is_set():
                raise RestoreCancelled() from exc
            raise RestoreError(_(
                "the copy of {name} from {host} broke off: {error}; check the link to the host "
                "and drill again").format(name=self.name, host=host.name,
                                          error=exc or type(exc).__name__)) from exc
        finally:
            watch.stop()
            session.close()
        self.took_s = time.monotonic() - started
        return path

    def _open_sftp(self, session: SSHSession, host: HostConfig) -> paramiko.SFTPClient:
        import paramiko
        from paramiko.ssh_exception import SSHException

        from erpconsole.services.hosts.ssh_config import resolve
        from erpconsole.services.hosts.ssh_session import with_watchdog

        try:
            session.connect(*resolve(host))
        except CollectorError as exc:  # host key, login, unreachable: the Hosts page's words
            if self.cancel is not None and self.cancel.is_set():
                raise RestoreCancelled() from exc
            raise RestoreError(_("the dump could not be fetched from {host}: {error}").format(
                host=host.name, error=exc.message)) from exc
        transport = session.transport
        if transport is None:
            raise EOFError(_("the connection closed right after the login"))
        try:
            chan = transport.open_session(timeout=_LOGIN_S)
            chan.settimeout(STALL_S)
            if not with_watchdog(_LOGIN_S, chan.close, lambda: chan.invoke_subsystem("sftp")):
                raise RestoreError(_(
                    "{host} did not answer the request for SFTP within {s}; check that the "
                    "host is not overloaded and drill again").format(host=host.name, s=units.duration(_LOGIN_S)))
            return paramiko.SFTPClient(chan)
        except SSHException as exc:
            if self.cancel is not None and self.cancel.is_set():  # the watcher closed the link
                raise RestoreCancelled() from exc
            raise RestoreError(_(
                "{host} did not open an SFTP channel ({error}); the drill copies the dump over "
                "SFTP: enable it in the host's sshd_config (Subsystem sftp internal-sftp)"
            ).format(host=host.name, error=exc or type(exc).__name__)) from exc

    def _copy(self, sftp: paramiko.SFTPClient, host: str, progress: Progress,
              deadline: float, drop: Callable[[], None]) -> Path:
        try:
            remote = sftp.open(self.remote_path, "rb")
        except OSError as exc:
            raise self._remote_error(exc, host) from exc
        try:
            return self._copy_open(remote, host, progress, deadline)
        except BaseException:
            drop()  # a stalled or cancelled link: do not wait for the answer to the close
            raise
        finally:
            try:
                remote.close()
            except Exception:  # noqa: BLE001 - the link is gone already
                pass

    def _copy_open(self, remote: paramiko.SFTPFile, host: str, progress: Progress,
                   deadline: float) -> Path:
        try:
            size = remote.stat().st_size or 0
        except OSError as exc:
            raise self._remote_error(exc, host) from exc
        self._check_size(size, host)
        path, out = self._local_file()
        digest, done = hashlib.sha256(), 0
        with out:
            while True:
                progress(_("fetching {name} from {host}: {done} of {total}").format(
                    name=self.name, host=host, done=_mb(done), total=_mb(size)),
                    done / size if size else 1.0)
                if done >= size:
                    break
                self._check_going(deadline, host)
                end = min(done + _BATCH, size)
                # Pieces of paramiko's largest read, written as they come: asking for the
                # whole batch at once made paramiko glue it together piece by piece.
                pieces = [(at, min(_PIECE, end - at)) for at in range(done, end, _PIECE)]
                for block in _blocks(remote, pieces):
                    if not block:
                        raise RestoreError(_(
                            "{name} on {host} ended after {done} of {total}: it was cut or "
                            "replaced while it was copied; refresh the list and drill again"
                        ).format(name=self.name, host=host, done=_mb(done), total=_mb(size)))
                    self._write(out, block)
                    digest.update(block)
                    done += len(block)
        self._check_digest(digest.hexdigest(), host)
        return path

    def _local_file(self) -> tuple[Path, BinaryIO]:
        """The copy, opened, in a fresh folder only this user can enter (mkdtemp: 0700)."""
        try:
            self.folder = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
            path = self.folder / self.name
            out = path.open("xb", buffering=0)  # a full disk shows at write(), not at close()
        except OSError as exc:
            raise RestoreError(_(
                "no scratch file could be made for the copy in {folder} on this workstation "
                "({error}); point TMPDIR at a writable folder and drill again").format(
                folder=tempfile.gettempdir(), error=exc.strerror or exc)) from exc
        return path, out

    def _check_going(self, deadline: float, host: str) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise RestoreCancelled()
        if time.monotonic() > deadline:
            raise RestoreError(_(
                "the copy of {name} from {host} did not finish within {s} and was stopped; "
                "check the link to the host, or allow more time").format(
                name=self.name, host=host, s=units.duration(self.timeout_s)))

    def _remote_error(self, exc: OSError, host: str) -> RestoreError:
        if exc.errno == errno.ENOENT:
            return RestoreError(_(
                "the dump {path} is no longer on {host}: it was removed or rotated since the "
                "list was read; refresh the list and pick another backup").format(
                path=self.remote_path, host=host))
        if exc.errno == errno.EACCES:
            return RestoreError(_(
                "the account on {host} may not read {path}: grant it read access to the dump "
                "folder, or log in as another user").format(path=self.remote_path, host=host))
        return RestoreError(_("{path} could not be opened on {host}: {error}").format(
            path=self.remote_path, host=host, error=exc.strerror or exc))

    def _check_size(self, size: int, host: str) -> None:
        listed = self.backup.size_bytes
        if listed is not None and listed != size:
            raise RestoreError(ngettext(
                "{name} on {host} holds {now} byte, but {then} when the list was read: it is "
                "still being written or was replaced; refresh the list and drill again",
                "{name} on {host} holds {now} bytes, but {then} when the list was read: it is "
                "still being written or was replaced; refresh the list and drill again", size).format(
                name=self.name, host=host, now=size, then=listed))
        where = tempfile.gettempdir()
        free = shutil.disk_usage(where).free
        if free < size:
            raise RestoreError(_(
                "{name} needs {size} but only {free} are free in {folder} on this workstation: "
                "free space there, or point TMPDIR at a larger disk, and drill again").format(
                name=self.name, size=_mb(size), free=_mb(free), folder=where))

    def _write(self, out: BinaryIO, block: bytes) -> None:
        view = memoryview(block)
        try:
            while view:  # unbuffered: a write may take only part of the block
                written = out.write(view)
                if not written:  # a regular file takes nothing only when the disk is full
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                view = view[written:]
        except OSError as exc:
            assert self.folder is not None
            if exc.errno == errno.ENOSPC:
                raise RestoreError(_(
                    "the disk of {folder} on this workstation filled up while {name} was copied "
                    "there; free space, or point TMPDIR at a larger disk, and drill again").format(
                    folder=self.folder.parent, name=self.name)) from exc
            raise RestoreError(_("{name} could not be written to {folder}: {error}").format(
                name=self.name, folder=self.folder, error=exc.strerror or exc)) from exc

    def _check_digest(self, got: str, host: str) -> None:
        if self.backup.checksum and got != self.backup.checksum:
            raise RestoreError(_(
                "the copy of {name} has SHA-256 {got}, but {host} listed {listed}: the file "
                "changed on the host or was damaged on the way; refresh the list and drill "
                "again").format(name=self.name, got=got, host=host, listed=self.backup.checksum))

    def summary(self) -> str:
        return _("(fetched from {host} in {took})").format(host=self.cfg.host, took=units.duration(self.took_s))

    def remove(self) -> str:
        """'' when the copy is gone (or was never made), else what to do by hand."""
        if self.folder is None or not self.folder.exists():
            return ""
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.folder.exists():
            return _("The copy of the dump in {path} could not be removed; remove it by hand."
                     ).format(path=self.folder)
        return ""
