""""Test connection" for the host dialog: resolve, connect, host key, authenticate, probe.

Runs on a worker thread (never the GUI's); each step says what it found and, when it fails,
what to do. The first steps are done here (name lookup, a TCP connect); the SSH steps run the
real collector once, so the test and the polls can never disagree.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

from erpconsole.config import HostConfig
from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts.ssh_auth import secret_name
from erpconsole.services.hosts.ssh_config import resolve
from erpconsole.services.hosts.ssh_session import Timeouts
from erpconsole.i18n import _, ngettext
from erpconsole.services import units
from erpconsole.services.models import ConnectionStep, Health
from erpconsole.services.secrets import SecretStore

STEPS = ("resolve", "connect", "host key", "authenticate", "probe")


class _WithTyped(SecretStore):
    """The secret typed in the dialog (not saved yet) first, then keyring as usual."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__()
        self._typed = {name: value}

    def get(self, name: str, env: str | None = None) -> str | None:
        return self._typed.get(name) or super().get(name, env)


def step_names() -> dict[str, str]:
    return {"resolve": _("resolve"), "connect": _("connect"), "host key": _("host key"),
            "authenticate": _("authenticate"), "probe": _("probe")}


class _Report:
    """The steps so far; each is handed to ``on_step`` as it is made (the dialog shows it)."""

    def __init__(self, on_step: Callable[[ConnectionStep], None] | None) -> None:
        self.steps: list[ConnectionStep] = []
        self._on_step = on_step

    def __call__(self, key: str, ok: bool | None, message: str, hint: str = "") -> None:
        step = ConnectionStep(key, ok, message, hint)
        self.steps.append(step)
        if self._on_step is not None:
            self._on_step(step)

    def rest_not_reached(self) -> list[ConnectionStep]:
        for key in STEPS[len(self.steps):]:
            self(key, None, _("not reached"))
        return self.steps


def run_connection_test(
    host: HostConfig,
    *,
    secret: str | None = None,
    known_hosts=None,
    timeouts: Timeouts | None = None,
    ssh_config_path: str | Path | None = None,
    on_step: Callable[[ConnectionStep], None] | None = None,
) -> list[ConnectionStep]:
    """Every step in order; a failed step leaves the later ones not reached (ok None)."""
    from erpconsole.services.hosts.factory import known_hosts_for

    timeouts = timeouts or Timeouts()
    report = _Report(on_step)
    resolved = _resolve(host, ssh_config_path, report)
    if resolved is None:
        return report.rest_not_reached()
    target, jumps = resolved
    # A plain TCP connect to the SSH port; through a jump host the collector does it.
    if not jumps and not _connect(target, timeouts, report):
        return report.rest_not_reached()
    secrets: SecretStore = _WithTyped(secret_name(host.name), secret) if secret else SecretStore()
    kh = known_hosts if known_hosts is not None else known_hosts_for(host)
    return _ssh_steps(host, target, jumps, secrets, kh, timeouts, ssh_config_path, report)


def _resolve(host: HostConfig, ssh_config_path: str | Path | None, report: _Report):
    """(target, jumps) with the "resolve" step reported, or None when it failed."""
    try:
        target, jumps = resolve(host, ssh_config_path)
    except Exception as exc:  # noqa: BLE001 - a bad ~/.ssh/config is a step result
        report("resolve", False, str(exc), _("check the address and ~/.ssh/config"))
        return None
    if jumps:
        report("resolve", True, _("{where} via jump host {jump}").format(
            where=target.where, jump=", ".join(j.where for j in jumps)))
        return target, jumps
    try:
        infos = socket.getaddrinfo(target.hostname, target.port, type=socket.SOCK_STREAM)
        addresses = sorted({i[4][0] for i in infos})
    except OSError as exc:
        report("resolve", False, _("{name} could not be resolved: {error}").format(
            name=target.hostname, error=exc.strerror or exc),
            _("check the spelling of the address, or use an IP address; is DNS reachable?"))
        return None
    report("resolve", True, _("{name} is {addresses}").format(
        name=target.hostname, addresses=", ".join(addresses)))
    return target, jumps


def _connect(target, timeouts: Timeouts, report: _Report) -> bool:
    start = time.perf_counter()
    try:
        with socket.create_connection((target.hostname, target.port), timeout=timeouts.connect_s):
            ms = (time.perf_counter() - start) * 1000.0
    except OSError as exc:
        if isinstance(exc, ConnectionRefusedError):
            why = _("connection refused")
            hint = _("nothing listens on port {port}: is sshd running, and is the port right?").format(
                port=target.port)
        elif isinstance(exc, TimeoutError | socket.timeout):
            why = _("no answer within {s}").format(s=units.duration(timeouts.connect_s))
            hint = _("the host is down or a firewall drops the packets; check the address "
                     "and the network path")
        else:
            why = exc.strerror or str(exc) or type(exc).__name__
            hint = _("check the address, the port and the network path")
        report("connect", False, _("{where}: {why}").format(where=target.where, why=why), hint)
        return False
    report("connect", True, _("port {port} answered in {ms:.1f} ms").format(port=target.port, ms=ms))
    return True


def _ssh_steps(host: HostConfig, target, jumps, secrets: SecretStore, known_hosts,
               timeouts: Timeouts, ssh_config_path: str | Path | None, report: _Report
               ) -> list[ConnectionStep]:
    """Host key, authenticate, probe: the real collector, once."""
    from erpconsole.services.hosts.ssh_collector import SSHCollector

    collector = SSHCollector(host, secrets, known_hosts, timeouts=timeouts, ssh_config_path=ssh_config_path,
                             measure_latency=False)
    try:
        snap = collector.collect()
    except CollectorError as exc:
        _ssh_failed(exc, bool(jumps), report)
        return report.rest_not_reached()
    finally:
        collector.close()
    if jumps and len(report.steps) == 1:
        report("connect", True, _("reached through the jump host"))
    report("host key", True, _("the host key is on file"))
    report("authenticate", True, _("logged in as {user}").format(user=target.user or "?"))
    facts = collector.facts
    what = facts.os_name if facts and facts.os_name else _("Linux")
    report("probe", True, ngettext("{os}; memory {mem:.0f}% used, {disks} file system ({mode} mode)",
                                   "{os}; memory {mem:.0f}% used, {disks} file systems ({mode} mode)",
                                   len(snap.disks)).format(
        os=what, mem=snap.mem_percent or 0.0, disks=len(snap.disks), mode=collector.mode))
    return report.steps


def _ssh_failed(exc: CollectorError, jumps: bool, report: _Report) -> None:
    """The step the collector's error belongs to, with what to do; the steps before it passed."""
    kind = exc.kind
    if jumps and kind in (Health.UNREACHABLE, Health.TIMEOUT) and not report.steps[1:]:
        report("connect", False, exc.message, _("check the jump host and the address"))
        return
    if jumps and len(report.steps) == 1:
        report("connect", True, _("reached through the jump host"))
    if kind is Health.HOSTKEY_UNKNOWN:
        report("host key", False, exc.message, _(
            "save the host, then choose \"Review host key…\" on the Hosts page to trust it "
            "once you have compared the fingerprint"))
    elif kind is Health.HOSTKEY_MISMATCH:
        report("host key", False, exc.message, _(
            "do not connect until you know why the key changed; if the server was reinstalled, "
            "remove the old key on the Hosts page"))
    elif kind is Health.AUTH_FAILED:
        report("host key", True, _("the host key is on file"))
        report("authenticate", False, exc.message, _(
            "check the user and the key file; for a password or a key passphrase, type it "
            "in the password field (it is stored in keyring, never in the inventory)"))
    elif kind in (Health.UNREACHABLE, Health.TIMEOUT):
        report("host key", False, exc.message, _(
            "the SSH server did not complete the handshake; is it an SSH server on this port?"))
    else:
        report("host key", True, _("the host key is on file"))
        report("authenticate", True, _("logged in"))
        report("probe", False, exc.message, _(
            "the host answered but the probe failed: is it a Linux host with /proc and a "
            "POSIX shell for this user?"))
