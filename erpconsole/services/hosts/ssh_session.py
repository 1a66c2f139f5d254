"""One SSH connection to one host, and the round trip of a poll over it.

The session owns one ``paramiko.Transport`` (plus one per ProxyJump hop) and one long-lived
channel running ``sh`` without a pseudo-terminal. A poll writes the probe text to that shell
and reads until the end line carrying the poll's token. Where the server refuses such a
channel, each poll runs the probe with a fresh ``exec_command`` instead.

Every wait has a deadline: paramiko waits an hour to open a channel and forever for an
``exec`` reply or an exit status unless told otherwise, so channels are opened with a timeout,
requests are guarded by a watchdog that closes the channel, and no exit status is ever read.
A poll that times out leaves the shell in an unknown state: its channel is closed and the next
poll opens another. A transport found dead is dropped and the next poll connects again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import paramiko
from paramiko.ssh_exception import ChannelException, SSHException

from erpconsole.services import deadlines
from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts.known_hosts import KnownHosts, fingerprint, key_type
from erpconsole.services.hosts.login_gate import LoginGate, account_key
from erpconsole.services.hosts.probe import exec_line
from erpconsole.services.hosts.ssh_auth import authenticate
from erpconsole.services.hosts.ssh_config import Endpoint
from erpconsole.services.hosts.ssh_errors import (
    at_jump_host, connect_error, handshake_error, tunnel_error,
)
from erpconsole.services.answer_limit import answer_limit
from erpconsole.services.hosts.ssh_read import AnswerTooLarge, ShellGone, TimedOut, round_trip
from erpconsole.services.hosts.ssh_socket import IDLE_READ_S, open_socket
from erpconsole.i18n import _
from erpconsole.services import units
from erpconsole.services.models import Health
from erpconsole.services.secrets import SecretStore

log = logging.getLogger(__name__)

# Where a known_hosts file names a type, the handshake asks for the matching algorithms first.
_ALGORITHMS_OF = {"ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")}
# Asked for first (OpenSSH offers them since 6.2): an AEAD cipher needs no separate MAC, which
# paramiko computes and compares in Python; 11 us per packet sent and read instead of 16 us
# (aes128-ctr + hmac-sha2-256), measured. Servers without them get paramiko's usual order.
_FIRST_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect_s: float = 5.0
    banner_s: float = 5.0
    auth_s: float = 10.0
    command_s: float = 4.0


class SessionLost(Exception):
    """The transport turned out dead: the owner connects again."""


def with_watchdog(seconds: float, on_expiry: Callable[[], None], call: Callable[[], None]
                  ) -> bool:
    """Run ``call``; if it has not returned after ``seconds``, ``on_expiry`` unblocks it (on the
    shared deadline thread). Returns False when the watchdog fired."""
    deadline = deadlines.arm(max(0.01, seconds), on_expiry)
    try:
        call()
    except (SSHException, EOFError, OSError):
        if deadline.cancel():
            raise
        return False
    return deadline.cancel()


class SSHSession:
    """Not thread-safe by itself: the owning collector runs one poll at a time (its lock)."""

    def __init__(self, name: str, secrets: SecretStore, known_hosts: KnownHosts,
                 timeouts: Timeouts = Timeouts(), keep_shell: bool = True,
                 max_answer_bytes: int | None = None, login_gate: LoginGate | None = None
                 ) -> None:
        self.name = name
        # Shared by the readers of one run (inspect): one login attempt per account.
        self.login_gate = login_gate
        # What one command may send back; past it the channel is closed (a `cat /dev/urandom`
        # login shell once took the monitor to 500 MB a poll).
        self.max_answer_bytes = max_answer_bytes or answer_limit()
        self.keep_shell = keep_shell
        self.secrets = secrets
        self.known_hosts = known_hosts
        self.timeouts = timeouts
        self.offered_host_key: paramiko.PKey | None = None
        self.offered_for: tuple[str, int] | None = None  # whose key it is (maybe a jump host)
        # "shell": a kept channel; "exec": a fresh channel per poll (refused shell, or asked)
        self.mode = "shell" if keep_shell else "exec"
        self._transports: list[paramiko.Transport] = []  # jump hops first, the host last
        self._chan: paramiko.Channel | None = None
        self._pending: paramiko.Transport | None = None  # a login under way

    # -- connection ----------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        # Every hop: the host's transport runs inside a jump host's channel, and learns only
        # late (or never) that the jump host went away.
        return bool(self._transports) and all(t.is_active() for t in self._transports)

    @property
    def transport(self) -> paramiko.Transport | None:
        """The host's own transport (past any jump hosts), e.g. for SFTP; None when down."""
        return self._transports[-1] if self.connected else None

    def peer_address(self) -> str | None:
        """The IP address the host's transport is connected to (None through a jump host)."""
        if not self.connected or len(self._transports) != 1:
            return None
        try:
            return str(self._transports[0].sock.getpeername()[0])
        except (OSError, AttributeError, IndexError):
            return None

    def connect(self, target: Endpoint, jumps: tuple[Endpoint, ...] = ()) -> None:
        """Log in to every hop in turn; each later hop runs over a channel of the one before.
        A failure on the way names the hop it happened at: a dead jump host is not reported
        as the target being down."""
        self.close()
        hops = (*jumps, target)
        sock: object | None = None
        try:
            for i, ep in enumerate(hops):
                t = self._login(ep, sock, jump=i + 1 < len(hops))
                self._transports.append(t)
                if i + 1 < len(hops):
                    sock = self._tunnel(t, hops[i + 1], ep)
        except BaseException:
            self.close()
            raise
        self.mode = "shell" if self.keep_shell else "exec"

    def _tunnel(self, via: paramiko.Transport, dest: Endpoint, hop: Endpoint
                ) -> paramiko.Channel:
        try:
            return via.open_channel("direct-tcpip", (dest.hostname, dest.port), ("127.0.0.1", 0),
                                    timeout=self.timeouts.connect_s)
        except (SSHException, EOFError, OSError) as exc:
            raise tunnel_error(exc, hop, dest, self.timeouts.connect_s) from exc

    def _login(self, ep: Endpoint, sock: object | None, jump: bool = False) -> paramiko.Transport:
        if self.login_gate is None:
            return self._login_once(ep, sock, jump)
        return self.login_gate.login(account_key(ep, self.name), self._login_budget(),
                                     lambda: self._login_once(ep, sock, jump))

    def _login_budget(self) -> float:
        t = self.timeouts
        return t.connect_s + t.banner_s + t.connect_s + t.auth_s

    def _login_once(self, ep: Endpoint, sock: object | None, jump: bool) -> paramiko.Transport:
        if sock is None:
            try:
                sock = open_socket(ep.hostname, ep.port, self.timeouts.connect_s)
            except OSError as exc:
                raise connect_error(exc, ep, self.timeouts.connect_s, jump) from exc
        t = paramiko.Transport(sock)
        self._pending = t  # close() from another thread ends a login that hangs
        try:
            t.banner_timeout = self.timeouts.banner_s
            t.auth_timeout = self.timeouts.auth_s
            t.handshake_timeout = self.timeouts.banner_s + self.timeouts.connect_s
            self._prefer_algorithms(t, ep)
            self._handshake(t, ep)
            self._check_host_key(t, ep)
            authenticate(t, ep, self.name, self.secrets)
            # paramiko's reader thread wakes every 0.1 s to look for a close request (2,000
            # wake-ups a second for 200 idle hosts, ~15% of a core); once logged in it sleeps
            # until a packet, a close (which shuts the socket down) or a dead peer.
            t.sock.settimeout(IDLE_READ_S)
        except CollectorError as exc:
            t.close()
            if jump:
                raise at_jump_host(exc, ep) from exc
            raise
        except BaseException:
            t.close()
            raise
        finally:
            self._pending = None
        return t

    def _prefer_algorithms(self, t: paramiko.Transport, ep: Endpoint) -> None:
        """AEAD ciphers first, and the host key types the known_hosts files name for ``ep``."""
        opts = t.get_security_options()
        offered = list(opts.ciphers)
        opts.ciphers = [c for c in _FIRST_CIPHERS if c in offered] + [
            c for c in offered if c not in _FIRST_CIPHERS]
        known = self.known_hosts.known_types(ep.hostname, ep.port)
        if not known:
            return
        wanted = [a for k in known for a in _ALGORITHMS_OF.get(k, (k,))]
        offered = list(opts.key_types)
        first = [a for a in offered if a in wanted]
        if first:
            opts.key_types = first + [a for a in offered if a not in first]

    def _handshake(self, t: paramiko.Transport, ep: Endpoint) -> None:
        done = threading.Event()
        budget = self.timeouts.banner_s + self.timeouts.connect_s
        try:
            t.start_client(event=done)
        except (SSHException, EOFError, OSError) as exc:
            raise handshake_error(exc, ep) from exc
        deadline = time.monotonic() + budget
        # In slices: a transport closed meanwhile (close() from another thread) ends the wait.
        while not done.wait(0.2) and t.is_active():
            if time.monotonic() > deadline:
                raise CollectorError(
                    Health.TIMEOUT,
                    _("{where} accepted the connection but did not complete the SSH handshake "
                      "within {s}").format(where=ep.where, s=units.duration(budget)))
        if not t.is_active():
            exc = t.get_exception() or SSHException("negotiation failed")
            raise handshake_error(exc, ep) from exc

    def _check_host_key(self, t: paramiko.Transport, ep: Endpoint) -> None:
        key = t.get_remote_server_key()
        verdict = self.known_hosts.check(ep.hostname, ep.port, key)
        if verdict == "ok":
            return
        kind, fp = key_type(key.asbytes()), fingerprint(key)
        if verdict == "mismatch":
            raise CollectorError(
                Health.HOSTKEY_MISMATCH,
                _("host key changed for {where}: possible interception (man in the middle); "
                  "the server offered {kind} {fp}, which is not the key on file; no connection "
                  "made; remove the old key on purpose if the server was reinstalled").format(
                    where=ep.where, kind=kind, fp=fp),
                _("known_hosts files: {files}").format(files=", ".join(
                    str(p) for p in (*self.known_hosts.read_paths, self.known_hosts.own_path))))
        self.offered_host_key = key
        self.offered_for = (ep.hostname, ep.port)
        raise CollectorError(
            Health.HOSTKEY_UNKNOWN,
            _("unknown host key for {where}: {kind} {fp}; compare it with the server's own "
              "(ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and trust it if it matches").format(
                where=ep.where, kind=kind, fp=fp))

    def close(self) -> None:
        self._close_chan()
        for t in [*reversed(self._transports), *filter(None, [self._pending])]:
            try:
                t.close()
            except Exception:  # noqa: BLE001 - closing must not fail
                log.debug("closing transport failed", exc_info=True)
        self._transports = []

    def _close_chan(self) -> None:
        chan, self._chan = self._chan, None
        if chan is not None:
            try:
                chan.close()
            except Exception:  # noqa: BLE001
                log.debug("closing channel failed", exc_info=True)

    # -- polls ---------------------------------------------------------------------------

    def run(self, command: str, token: str, timeout: float | None = None, allow_exec: bool = True) -> str:
        """Send ``command`` and return its output up to the end line carrying ``token``.

        Output cut short (the channel closed first) is returned as it is: the parser names
        the problem. Raises CollectorError (TIMEOUT ...) or SessionLost. ``allow_exec=False``:
        a command that carries a secret on its stdin is never moved into an exec request,
        where the host's process list would show it.
        """
        deadline = time.monotonic() + (timeout or self.timeouts.command_s)
        if self.mode == "shell":
            chan = self._kept_channel(deadline)
            if chan is not None:
                try:
                    out = round_trip(chan, command.encode(), token, deadline, self.max_answer_bytes)
                    return out.decode("utf-8", "replace")
                except TimedOut:
                    self._close_chan()
                    if not self.connected:  # a jump host went away under the kept shell
                        raise SessionLost("connection lost") from None
                    raise self._timeout_error() from None
                except AnswerTooLarge as big:
                    self._close_chan()
                    raise big.error() from None
                except ShellGone as gone:
                    self._close_chan()
                    if gone.output:
                        return gone.output.decode("utf-8", "replace")
                    # Nothing came back: the server ended the shell (a restricted account),
                    # or the link is gone, which opening the exec channel will tell.
                    log.info("%s: the kept shell closed at once; trying exec", self.name)
                    self.mode = "exec"
        if not allow_exec:
            raise CollectorError(Health.ERROR, _(
                "{host} refused a shell channel, and the command carries a password that an exec "
                "request would show in the host's process list; nothing was sent. Allow a shell "
                "for this account, or run the tool on the host itself").format(host=self.name))
        return self._run_exec(command, token, deadline)

    def _timeout_error(self) -> CollectorError:
        return CollectorError(
            Health.TIMEOUT,
            _("the host did not finish the probe within {s}; the channel was closed and "
              "the next poll opens another").format(s=units.duration(self.timeouts.command_s)))

    def _open(self, deadline: float) -> paramiko.Channel:
        if not self.connected:
            raise SessionLost("connection lost")
        t = self._transports[-1]
        try:
            return t.open_session(timeout=max(0.05, deadline - time.monotonic()))
        except ChannelException:
            raise
        except (SSHException, EOFError, OSError) as exc:
            if not self.connected:
                raise SessionLost(str(exc)) from exc
            # The transport lives but the server does not answer: drop it (a stale link).
            self.close()
            raise CollectorError(
                Health.TIMEOUT, _("the host did not open a channel in time; reconnecting at the "
                                  "next poll"), repr(exc)) from exc

    def _kept_channel(self, deadline: float) -> paramiko.Channel | None:
        chan = self._chan
        if chan is not None and not chan.closed and not chan.eof_received:
            return chan
        self._close_chan()
        try:
            chan = self._open(deadline)
        except ChannelException as exc:
            log.info("%s: server refused a kept channel (%s); using exec per poll", self.name, exc)
            self.mode = "exec"
            return None
        refused = False
        try:
            ok = with_watchdog(deadline - time.monotonic(), chan.close,
                                lambda: chan.exec_command("sh"))
        except (SSHException, EOFError, OSError) as exc:
            if not self.connected:
                raise SessionLost(str(exc)) from exc
            ok = refused = True
        if not ok:
            raise self._timeout_error()
        if refused or chan.closed:
            chan.close()
            log.info("%s: server refused a kept shell; using exec per poll", self.name)
            self.mode = "exec"
            return None
        self._chan = chan
        return chan

    def _run_exec(self, command: str, token: str, deadline: float) -> str:
        try:
            chan = self._open(deadline)
        except ChannelException as exc:
            raise CollectorError(Health.ERROR, _("the host refused to open a channel: {error}")
                                 .format(error=exc), repr(exc)) from exc
        try:
            ok = with_watchdog(deadline - time.monotonic(), chan.close,
                                lambda: chan.exec_command(exec_line(command)))
            if not ok:
                raise self._timeout_error()
            return round_trip(chan, b"", token, deadline, self.max_answer_bytes).decode("utf-8", "replace")
        except ShellGone as gone:
            return gone.output.decode("utf-8", "replace")
        except AnswerTooLarge as big:
            raise big.error() from None
        except TimedOut:
            raise self._timeout_error() from None
        finally:
            chan.close()

