"""Running a fixed script once, on this workstation or on a host over SSH, for a reader that
must not wait on the monitor: the OS accounts of the access review, its carried-out
statements, and the backup tools' listings.

This workstation runs it in a local ``sh`` of its own process group; a host, over a
connection of this call's own (``~/.ssh/config``, keys, agent, keyring, the same known_hosts
files as the monitor), closed afterwards. ``listing`` (the default) words a timeout as the
accounts listing it usually is; failures raise ``CollectorError`` with a sentence to show.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from erpconsole.i18n import _
from erpconsole.services import units
from erpconsole.services.answer_limit import LIMIT_ENV, answer_limit, megabytes
from erpconsole.services.errors import CollectorError
from erpconsole.services.models import Health
from erpconsole.services.secrets import SecretStore

READ_CHUNK = 65536

if TYPE_CHECKING:
    from erpconsole.config import HostConfig


def run_local(command: str, timeout_s: float, listing: bool = True,
               env: dict[str, str] | None = None) -> str:
    """The script in a local ``sh`` of its own process group: a timeout ends all of it.
    ``env`` is added to this process's environment (a secret never goes on a command line)."""
    try:
        proc = subprocess.Popen(["/bin/sh", "-c", command], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                start_new_session=True,
                                env={**os.environ, **env} if env else None)
    except OSError as exc:
        raise CollectorError(Health.ERROR, _(
            "the accounts of this workstation could not be read: /bin/sh did not start "
            "({error})").format(error=exc.strerror or exc), repr(exc)) from exc
    try:
        out = _read_bounded(proc, timeout_s, answer_limit())
    except subprocess.TimeoutExpired:
        _stop(proc)
        if not listing:
            raise CollectorError(Health.TIMEOUT, _(
                "the command did not finish within {s} and was stopped; check on this "
                "workstation whether it ran").format(s=units.duration(timeout_s))) from None
        raise CollectorError(Health.TIMEOUT, _(
            "listing the accounts of this workstation took longer than {s} and was "
            "stopped; a slow name service (LDAP) or a hung lastlog is the usual cause: try "
            "again, or allow more time").format(s=units.duration(timeout_s))) from None
    if out is None:
        _stop(proc)
        raise CollectorError(Health.PARSE_ERROR, _(
            "the command's output was too large (over {mb:g} MB) and it was stopped; check "
            "what it prints, or raise ${env}").format(mb=megabytes(answer_limit()), env=LIMIT_ENV))
    return out.decode("utf-8", "replace")


def _read_bounded(proc: subprocess.Popen, timeout_s: float, limit: int) -> bytes | None:
    """stdout to its end, or None past ``limit`` bytes; TimeoutExpired past the deadline."""
    deadline = time.monotonic() + timeout_s
    chunks: list[bytes] = []
    size = 0
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(proc.args, timeout_s)
            if not sel.select(left):
                continue
            chunk = os.read(proc.stdout.fileno(), READ_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    proc.stdout.close()
    proc.wait(timeout=max(0.0, deadline - time.monotonic()) + 1.0)
    return b"".join(chunks)


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the group this call made, and only it
    except ProcessLookupError:
        pass
    if proc.stdout and not proc.stdout.closed:
        proc.stdout.close()
    proc.wait()


def _timeouts(timeout_s: float):
    from erpconsole.services.hosts.ssh_session import Timeouts

    # The login steps share at most ~60% of the budget; the command gets what is left.
    step = max(0.5, timeout_s / 8)
    return Timeouts(connect_s=min(5.0, step), banner_s=min(5.0, step),
                    auth_s=min(10.0, 2 * step), command_s=timeout_s)


def run_ssh(host: HostConfig, command: str, token: str, secrets: SecretStore | None,
             known_hosts_path: str | Path | None, timeout_s: float, listing: bool = True,
             keep_shell: bool = False, carries_secret: bool = False, login_gate=None) -> str:
    """One round trip on a connection of this call's own, closed on the way out.
    ``keep_shell``: the text goes to a ``sh`` on the channel's stdin, not into an exec
    request (the host's process list then never shows it: a secret in a here-doc).
    ``login_gate``: a ``LoginGate`` shared with the other readers of one run (inspect)."""
    from paramiko.ssh_exception import SSHException

    from erpconsole.services.hosts.factory import known_hosts_for
    from erpconsole.services.hosts.ssh_config import resolve
    from erpconsole.services.hosts.ssh_session import SessionLost, SSHSession

    deadline = time.monotonic() + timeout_s
    session = SSHSession(host.name, secrets if secrets is not None else SecretStore(),
                         known_hosts_for(host, known_hosts_path), _timeouts(timeout_s),
                         keep_shell=keep_shell, login_gate=login_gate)
    try:
        session.connect(*resolve(host))
        remaining = max(0.5, deadline - time.monotonic())
        if not listing:
            return session.run(command, token, timeout=remaining, allow_exec=not carries_secret)
        return _run_command(session, command, token, remaining)
    except (SessionLost, SSHException, EOFError, OSError) as exc:
        raise CollectorError(Health.ERROR, _(
            "SSH to {host} failed: {error}; check the host on the Hosts page and try "
            "again").format(host=host.name, error=exc or type(exc).__name__), repr(exc)) from exc
    finally:
        session.close()


def _run_command(session, command: str, token: str, timeout_s: float) -> str:
    try:
        return session.run(command, token, timeout=timeout_s)
    except CollectorError as exc:
        if exc.kind is not Health.TIMEOUT:
            raise
        raise CollectorError(Health.TIMEOUT, _(
            "the host did not finish listing its accounts within {s}; a slow name service "
            "(LDAP) or a hung lastlog is the usual cause: try again, or allow more time").format(
            s=units.duration(timeout_s)), exc.detail) from exc
