"""Real OpenSSH servers for the SSH tests: one ``sshd`` per "host" on 127.0.0.1.

The home folder is a temporary one and ssh-agent is out of reach, so no test reads or writes
the real user's ~/.ssh; every collector gets explicit known_hosts paths and key files.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from erpconsole.config import HostConfig
from erpconsole.services.hosts.known_hosts import KnownHosts
from erpconsole.services.hosts.ssh_collector import SSHCollector
from erpconsole.services.hosts.ssh_session import Timeouts
from erpconsole.services.secrets import SecretStore
from tests.conftest import require

sys.path.insert(0, str(Path(__file__).parent))
import sshd as sshd_mod  # noqa: E402 - the launcher is shared with benchmarks/ssh_poll.py

FAST = Timeouts(connect_s=2.0, banner_s=3.0, auth_s=5.0, command_s=3.0)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    return home


@pytest.fixture(scope="session")
def client_keys(tmp_path_factory: pytest.TempPathFactory) -> sshd_mod.ClientKeys:
    require(sshd_mod.available(), "OpenSSH sshd (/usr/sbin/sshd) and ssh-keygen")
    return sshd_mod.ClientKeys.create(tmp_path_factory.mktemp("client-keys"))


@pytest.fixture
def sshd(tmp_path: Path, client_keys: sshd_mod.ClientKeys) -> Iterator[Callable[..., sshd_mod.Sshd]]:
    """``sshd(**options)`` starts one more server; all of them die at teardown."""
    started: list[sshd_mod.Sshd] = []

    def start(**options) -> sshd_mod.Sshd:
        server = sshd_mod.Sshd(tmp_path / f"sshd{len(started)}", client_keys, **options)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.kill()


@pytest.fixture
def make_collector(tmp_path: Path, client_keys: sshd_mod.ClientKeys
                   ) -> Iterator[Callable[..., SSHCollector]]:
    """``make_collector(server, trusted=True, **host_fields)``: a collector with its own
    known_hosts files in tmp (the user file holds the server's key when ``trusted``)."""
    made: list[SSHCollector] = []

    def make(server: sshd_mod.Sshd | None, *, trusted: bool = True, known_lines: str = "",
             timeouts: Timeouts = FAST, collector_options: dict | None = None,
             **fields) -> SSHCollector:
        n = len(made)
        user_file = tmp_path / f"user_known_hosts{n}"
        user_file.write_text(known_lines + (server.known_hosts_line if trusted and server else ""))
        fields.setdefault("name", f"host{n}")
        fields.setdefault("address", "127.0.0.1")
        fields.setdefault("port", server.port if server else sshd_mod.free_port())
        fields.setdefault("user", "root")
        fields.setdefault("key_file", str(client_keys.plain))
        host = HostConfig(**fields)
        kh = KnownHosts(tmp_path / f"own_known_hosts{n}", [user_file])
        collector = SSHCollector(host, SecretStore(), kh, timeouts=timeouts,
                                 **(collector_options or {}))
        made.append(collector)
        return collector

    yield make
    for c in made:
        c.close()
