"""A Linux host watched over SSH, agentless: one probe round trip per poll.

``collect()`` runs on a scheduler thread: the probe runs on the kept shell of the host's own
``SSHSession`` and its answer becomes a ``HostSnapshot``; a few keepalive requests on the same
connection give latency and loss (ssh_latency.py: a probe answered late was lost and resent,
not slow). Slow facts (OS, kernel, CPU model, reboot required) are read every ten minutes inside a poll and kept in ``self.facts``. Errors leave as ``CollectorError`` with
the health state to show; an unknown host key is kept in ``offered_host_key`` until a person
trusts it (``trust_offered_key()``) or not.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import paramiko
from paramiko.ssh_exception import SSHException

from erpconsole.config import HostConfig
from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts import probe
from erpconsole.services.hosts.known_hosts import KnownHosts, fingerprint, key_type
from erpconsole.services.hosts.login_gate import LoginGate
from erpconsole.services.hosts.probe_snapshot import ProbeState, snapshot_from_sections
from erpconsole.services.hosts.probe_answer import ProbeParseError, split_sections
from erpconsole.services.hosts.ssh_latency import (
    PROBES_PER_POLL,
    WAIT_S,
    KeepalivePinger,
    Verdict,
)
from erpconsole.services.hosts.ssh_config import Endpoint, resolve
from erpconsole.services.hosts.ssh_session import SessionLost, SSHSession, Timeouts, with_watchdog
from erpconsole.services.hosts.ssh_socket import kernel_min_rtt
from erpconsole.services.hosts.sysparse import HostFacts, parse_facts
from erpconsole.i18n import _
from erpconsole.services.models import LOSS_WINDOW_PROBES, Health, HostSnapshot
from erpconsole.services.secrets import SecretStore

log = logging.getLogger(__name__)

FACTS_INTERVAL_S = 600.0
FACTS_RETRY_S = 60.0
LOSS_WINDOW = LOSS_WINDOW_PROBES  # keepalive probes: 20 polls of 3


class SSHCollector:
    """``collect()`` one host; never two polls at once (a lock), ``close()`` on removal."""

    def __init__(
        self,
        host: HostConfig,
        secrets: SecretStore,
        known_hosts: KnownHosts,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        *,
        timeouts: Timeouts = Timeouts(),
        ssh_config_path: str | Path | None = None,
        probe_command: Callable[[str], str] | None = None,
        facts_interval_s: float = FACTS_INTERVAL_S,
        measure_latency: bool = True,
        keep_shell: bool = True,
        login_gate: LoginGate | None = None,
    ) -> None:
        self.target = host.name
        self.host = host
        self.facts: HostFacts | None = None
        self._clock = clock
        self._wall = wall
        self._ssh_config_path = ssh_config_path
        self._probe_command = probe_command or probe.probe_command
        self._facts_interval = facts_interval_s
        self._measure_latency = measure_latency
        self._session = SSHSession(host.name, secrets, known_hosts, timeouts, keep_shell,
                                   login_gate=login_gate)
        self._lock = threading.Lock()
        self._state: ProbeState | None = None
        self._facts_due = 0.0
        self._probes: deque[bool] = deque(maxlen=LOSS_WINDOW)  # True: answered in time
        self._pinger: KeepalivePinger | None = None
        self._endpoint: Endpoint | None = None
        self._jumps: tuple[Endpoint, ...] = ()
        self._closed = False

    # -- what the UI uses ----------------------------------------------------------------

    @property
    def offered_host_key(self) -> paramiko.PKey | None:
        """The key an unknown host offered at the last connect (None once trusted)."""
        return self._session.offered_host_key

    @property
    def offered_fingerprint(self) -> str | None:
        key = self._session.offered_host_key
        return fingerprint(key) if key is not None else None

    def trust_offered_key(self) -> str:
        """Trust the offered key (the console's own known_hosts); returns its fingerprint.
        The caller then asks the scheduler to ``resume()`` the target."""
        key, where = self._session.offered_host_key, self._session.offered_for
        if key is None or where is None:
            raise ValueError(f"{self.target}: no host key is waiting to be trusted")
        self._session.known_hosts.trust(where[0], where[1], key)
        self._session.offered_host_key = None
        self._session.offered_for = None
        return fingerprint(key)

    @property
    def known_hosts(self) -> KnownHosts:
        return self._session.known_hosts

    @property
    def offered_key_type(self) -> str:
        key = self._session.offered_host_key
        return key_type(key.asbytes()) if key is not None else ""

    def key_endpoint(self) -> tuple[str, int]:
        """The host:port whose key is checked: the one that offered a key, else the configured."""
        if self._session.offered_for is not None:
            return self._session.offered_for
        ep, _jumps = resolve(self.host, self._ssh_config_path)
        return ep.hostname, ep.port

    @property
    def mode(self) -> str:
        """``shell`` (a kept channel) or ``exec`` (a fresh channel per poll)."""
        return self._session.mode

    # -- polling -------------------------------------------------------------------------

    def collect(self) -> HostSnapshot:
        with self._lock:
            if self._closed:
                raise CollectorError(Health.ERROR, _("this host is no longer watched"))
            try:
                text, token = self._probe(self._probe_command)
            except CollectorError as exc:
                if exc.kind in (Health.UNREACHABLE, Health.TIMEOUT):
                    self._probes.extend([False] * PROBES_PER_POLL)  # its probes are lost too
                raise
            latency = self._latency()
            now_mono, now_wall = self._clock(), self._wall()
            try:
                sections = split_sections(text, token)
                snap, self._state = snapshot_from_sections(
                    self.target, sections, self._state, now_mono, now_wall)
            except ProbeParseError:
                self._state = None  # the next good poll is a first one again (no rates)
                raise
            if now_mono >= self._facts_due:
                self._refresh_facts(now_mono)
            return dataclasses.replace(snap, latency_ms=latency, loss_percent=self._loss(),
                                       loss_probes=len(self._probes))

    def facts_now(self) -> HostFacts:
        """Read the slow facts at once (the host page's refresh); raises CollectorError."""
        with self._lock:
            text, token = self._probe(probe.facts_command)
            self.facts = parse_facts(split_sections(text, token))
            self._facts_due = self._clock() + self._facts_interval
            return self.facts

    def close(self) -> None:
        self._closed = True
        self._session.close()  # no lock: it unblocks a poll stuck on this host

    def abort(self) -> None:
        """At the scheduler's deadline, from its thread (the poll holds the lock): the kept
        connection is closed, so a read waiting on a frozen host returns now with an error the
        late poll drops, and the next poll connects again."""
        self._session.close()

    # -- internals -----------------------------------------------------------------------

    def _connect(self) -> None:
        target, jumps = resolve(self.host, self._ssh_config_path)
        self._endpoint, self._jumps = target, jumps
        self._state = None  # a new connection may be a rebooted host: no rates across it
        self._session.connect(target, jumps)
        log.info("%s: connected to %s@%s", self.target, target.user, target.where)

    def _probe(self, command: Callable[[str], str]) -> tuple[str, str]:
        """One round trip; reconnects once when the link turns out dead."""
        token = probe.new_token()
        for attempt in (0, 1):
            try:
                if not self._session.connected:
                    if self._closed:  # close() ran while this poll waited: no new link
                        raise CollectorError(Health.ERROR, _("this host is no longer watched"))
                    self._connect()
                return self._session.run(command(token), token), token
            except SessionLost as exc:
                self._session.close()
                if attempt:
                    raise CollectorError(Health.UNREACHABLE, _(
                        "the connection to the host was lost and could not be made again"),
                        str(exc)) from exc
                log.info("%s: connection lost (%s); connecting again", self.target, exc)
            except CollectorError:
                raise
            except (SSHException, EOFError, OSError) as exc:
                self._session.close()
                raise CollectorError(
                    Health.ERROR, _("SSH failed: {error}").format(error=exc or type(exc).__name__),
                    repr(exc)) from exc
        raise AssertionError("unreachable")

    def _refresh_facts(self, now: float) -> None:
        try:
            text, token = self._probe(probe.facts_command)
            self.facts = parse_facts(split_sections(text, token))
            self._facts_due = now + self._facts_interval
        except CollectorError as exc:
            # The metrics of this poll are good; the facts wait for a later one.
            log.info("%s: facts not read: %s", self.target, exc.message)
            self._facts_due = now + FACTS_RETRY_S

    def _latency(self) -> float | None:
        """The median milliseconds of the keepalive probes answered in time on the kept
        connection; each probe late or unanswered counts as lost. No new connection per poll:
        a TCP connect to port 22 every 5 s forked an sshd on the host and wrote a "Connection
        closed [preauth]" line to its auth.log each time (fail2ban bait), and its lost SYNs
        read as one-second latencies."""
        if not self._measure_latency or self._jumps:
            return None  # through a jump host the figure would be the hops' sum
        transport = self._session.transport
        if transport is None:
            return None
        if self._pinger is None or self._pinger.transport is not transport:
            # A new connection: its own round trips, the kernel's from the handshake first.
            self._pinger = KeepalivePinger(transport, first_best_s=kernel_min_rtt(transport.sock))
        pinger, box = self._pinger, []
        try:
            # The watchdog is for a send that blocks (a full window, a key exchange that hangs).
            in_time = with_watchdog(WAIT_S + 1.0, transport.close,
                                    lambda: box.append(pinger.burst()))
        except (SSHException, EOFError, OSError):
            in_time = False
        if not in_time or not box:
            self._probes.extend([False] * PROBES_PER_POLL)
            return None
        burst = box[0]
        self._probes.extend(v is Verdict.ON_TIME for v in burst.verdicts)
        if burst.lost == len(burst.verdicts):
            transport.close()  # nothing came back in WAIT_S: the next poll connects again
        return burst.latency_ms

    def _loss(self) -> float | None:
        if not self._probes:
            return None
        return 100.0 * self._probes.count(False) / len(self._probes)
