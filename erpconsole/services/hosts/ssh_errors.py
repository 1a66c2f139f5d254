"""Network and SSH failures as health states with a sentence that says what to check."""

from __future__ import annotations

import errno
import socket

from paramiko.ssh_exception import IncompatiblePeer, SSHException

from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts.ssh_config import Endpoint
from erpconsole.i18n import _
from erpconsole.services.models import Health

_NO_ROUTE = (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN)


def connect_error(exc: OSError, ep: Endpoint, timeout_s: float) -> CollectorError:
    """A failed TCP connect, with the likely cause: TIMEOUT when nothing answered (as the
    scheduler's own deadline says, so the window and `inspect` agree), else UNREACHABLE."""
    where = ep.where
    if isinstance(exc, socket.gaierror):
        message = _("cannot connect to {where}: the name {host} does not resolve — check the "
                    "address and DNS").format(where=where, host=ep.hostname)
    elif isinstance(exc, ConnectionRefusedError):
        message = _("cannot connect to {where}: connection refused — is sshd running and the "
                    "port open?").format(where=where)
    elif isinstance(exc, TimeoutError):
        return CollectorError(Health.TIMEOUT, _(
            "cannot connect to {where}: no answer within {s:g} s — is the host up and the port "
            "not filtered by a firewall?").format(where=where, s=timeout_s), repr(exc))
    elif exc.errno in _NO_ROUTE:
        message = _("cannot connect to {where}: no route to host — is the host up and the "
                    "network reachable?").format(where=where)
    else:
        message = _("cannot connect to {where}: {error}").format(
            where=where, error=exc.strerror or exc)
    return CollectorError(Health.UNREACHABLE, message, repr(exc))


def handshake_error(exc: BaseException, ep: Endpoint) -> CollectorError:
    """The TCP connection stood but the SSH handshake failed."""
    text = str(exc)
    if "banner" in text.lower() or isinstance(exc, TimeoutError):
        return CollectorError(
            Health.TIMEOUT,
            _("{where} accepted the connection but sent no SSH banner in time — is it an SSH "
              "server, and is it overloaded (MaxStartups)?").format(where=ep.where), text)
    if isinstance(exc, (EOFError, ConnectionResetError)) or "closed" in text.lower():
        return CollectorError(
            Health.UNREACHABLE,
            _("{where} closed the connection during the SSH handshake — sshd may be "
              "overloaded (MaxStartups) or refusing this address").format(where=ep.where),
            repr(exc))
    if isinstance(exc, IncompatiblePeer):
        return CollectorError(
            Health.ERROR,
            _("{where} and the console share no SSH algorithm: {error}").format(
                where=ep.where, error=text), repr(exc))
    if isinstance(exc, (SSHException, OSError)):
        return CollectorError(
            Health.ERROR,
            _("SSH handshake with {where} failed: {error}").format(where=ep.where, error=text),
            repr(exc))
    return CollectorError(Health.ERROR, _("SSH handshake with {where} failed").format(
        where=ep.where), repr(exc))
