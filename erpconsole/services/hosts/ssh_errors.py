"""Network and SSH failures as health states with a sentence that says what to check."""

from __future__ import annotations

import errno
import socket

from paramiko.ssh_exception import IncompatiblePeer, SSHException

from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts.ssh_config import Endpoint
from erpconsole.i18n import _
from erpconsole.services import units
from erpconsole.services.models import Health

_NO_ROUTE = (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN)


def connect_error(exc: OSError, ep: Endpoint, timeout_s: float, jump: bool = False
                  ) -> CollectorError:
    """A failed TCP connect, with the likely cause: TIMEOUT when nothing answered (as the
    scheduler's own deadline says, so the window and `inspect` agree), else UNREACHABLE.
    ``jump``: ``ep`` is a jump host on the way, and the sentence names it as such (the on-call
    person must look at that machine, not at the target)."""
    kind, reason = _connect_reason(exc, ep, timeout_s)
    if jump:
        message = _("jump host {hop} unreachable: {reason}").format(hop=ep.label, reason=reason)
    else:
        message = _("cannot connect to {where}: {reason}").format(where=ep.where, reason=reason)
    return CollectorError(kind, message, repr(exc))


def _connect_reason(exc: OSError, ep: Endpoint, timeout_s: float) -> tuple[Health, str]:
    if isinstance(exc, socket.gaierror):
        return Health.UNREACHABLE, _("the name {host} does not resolve — check the address "
                                     "and DNS").format(host=ep.hostname)
    if isinstance(exc, ConnectionRefusedError):
        return Health.UNREACHABLE, _("connection refused — is sshd running and the port open?")
    if isinstance(exc, TimeoutError):
        return Health.TIMEOUT, _("no answer within {s} — is the host up and the port not "
                                 "filtered by a firewall?").format(s=units.duration(timeout_s))
    if exc.errno in _NO_ROUTE:
        return Health.UNREACHABLE, _("no route to host — is the host up and the network "
                                     "reachable?")
    return Health.UNREACHABLE, str(exc.strerror or exc)


def tunnel_error(exc: BaseException, hop: Endpoint, dest: Endpoint, timeout_s: float
                 ) -> CollectorError:
    """The jump host is logged in but could not open the way on to ``dest``: the sentence
    names both, and says which of them to look at."""
    code = getattr(exc, "code", None)
    if code == 1:  # OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
        return CollectorError(Health.ERROR, _(
            "jump host {hop} refuses to forward connections to {where} — allow TCP forwarding "
            "for this account there (AllowTcpForwarding, PermitOpen)").format(
                hop=hop.label, where=dest.where), repr(exc))
    if code is None and "timeout" in str(exc).lower():
        return CollectorError(Health.TIMEOUT, _(
            "cannot connect to {where} through jump host {hop}: no answer within {s} — is "
            "the host up, and reachable from the jump host?").format(
                where=dest.where, hop=hop.label, s=units.duration(timeout_s)), repr(exc))
    # paramiko's EOFError (and a bare OSError) say nothing: the sentence must still have a cause.
    error = getattr(exc, "text", None) or str(exc) or (
        _("the jump host closed the connection") if isinstance(exc, EOFError) else type(exc).__name__)
    return CollectorError(Health.UNREACHABLE, _(
        "cannot connect to {where} through jump host {hop}: {error} — is the host up, sshd "
        "running there and its port reachable from the jump host?").format(
            where=dest.where, hop=hop.label, error=error), repr(exc))


def at_jump_host(exc: CollectorError, hop: Endpoint) -> CollectorError:
    """A failure logging in to a jump host (its handshake, host key, login), said as such."""
    return CollectorError(exc.kind, _("jump host {hop}: {error}").format(
        hop=hop.label, error=exc.message), exc.detail)


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
