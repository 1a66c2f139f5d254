"""Which collector watches which inventory entry."""

from __future__ import annotations

from pathlib import Path

from erpconsole.config import HostConfig, Inventory
from typing import TYPE_CHECKING

from erpconsole.services.hosts.local import LocalCollector
from erpconsole.services.models import LOCAL_HOST, Thresholds
from erpconsole.services.scheduler import Collector
from erpconsole.services.secrets import SecretStore

if TYPE_CHECKING:
    from erpconsole.services.hosts.known_hosts import KnownHosts
    from erpconsole.services.hosts.login_gate import LoginGate


def known_hosts_for(host: HostConfig, own_path: str | Path | None = None) -> KnownHosts:
    """The console's own file plus the host's ``known_hosts`` (else the user's ~/.ssh one)."""
    from erpconsole.services.hosts.known_hosts import KnownHosts, default_own_path, default_user_path

    user_file = Path(host.known_hosts).expanduser() if host.known_hosts else default_user_path()
    return KnownHosts(own_path or default_own_path(), [user_file])


def host_targets(
    inv: Inventory,
    secrets: SecretStore | None = None,
    known_hosts_path: str | Path | None = None,
    login_gate: LoginGate | None = None,
) -> list[tuple[str, Collector, float, float | None, Thresholds]]:
    """(name, collector, interval, timeout, thresholds) for every host to watch.

    ``known_hosts_path`` is the console's own known_hosts (default: its data folder);
    ``login_gate`` one login attempt per account among the readers of one run (inspect).
    """
    secrets = secrets if secrets is not None else SecretStore()
    out: list[tuple[str, Collector, float, float | None, Thresholds]] = []
    if inv.local.enabled:
        out.append((LOCAL_HOST, LocalCollector(), inv.local.interval_s, None, inv.local.thresholds))
    for h in inv.hosts:
        out.append(host_target(h, secrets, known_hosts_path, login_gate))
    return out


def host_target(
    h: HostConfig,
    secrets: SecretStore | None = None,
    known_hosts_path: str | Path | None = None,
    login_gate: LoginGate | None = None,
) -> tuple[str, Collector, float, float | None, Thresholds]:
    """(name, collector, interval, timeout, thresholds) for one SSH host."""
    # paramiko costs ~0.2 s to import: only when there is an SSH host to watch.
    from erpconsole.services.hosts.ssh_collector import SSHCollector

    secrets = secrets if secrets is not None else SecretStore()
    collector = SSHCollector(h, secrets, known_hosts_for(h, known_hosts_path),
                             login_gate=login_gate)
    return h.name, collector, h.interval_s, h.timeout_s, h.thresholds
