"""A failure on the way through a jump host names the machine it happened at: the on-call
person must know whether to look at the bastion or at the target (real sshd for both)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from erpconsole.services.errors import CollectorError
from erpconsole.services.models import Health
from tests import netns
from tests.conftest import require
from tests.integration.sshd import free_port

pytestmark = pytest.mark.integration


def failure(collector) -> CollectorError:
    with pytest.raises(CollectorError) as info:
        collector.collect()
    return info.value


@pytest.fixture
def dead_address() -> Iterator[str]:
    """An address whose every packet is dropped (no RST, no ICMP): a machine gone off the net."""
    why = netns.available()
    require(why is None, f"network namespaces ({why})")
    with netns.black_hole(1) as hole:
        with pytest.raises(TimeoutError):
            socket.create_connection((hole.addresses[0], 22), timeout=0.5).close()
        yield hole.addresses[0]


@pytest.fixture
def bastion(isolated_home, client_keys):
    """``bastion(address, port)``: ~/.ssh/config names the jump host "bastion", as people do."""

    def write(address: str, port: int) -> str:
        (isolated_home / ".ssh" / "config").write_text(
            f"Host bastion\n  HostName {address}\n  Port {port}\n  User root\n"
            f"  IdentityFile {client_keys.plain}\n")
        return f"{address}:{port}"

    return write


def test_a_jump_host_on_a_closed_port_is_named_not_the_target(sshd, make_collector, bastion):
    target = sshd()
    where = bastion("127.0.0.1", free_port())
    err = failure(make_collector(target, proxy_jump="bastion"))
    assert err.kind is Health.UNREACHABLE
    assert err.message.startswith(f"jump host bastion ({where}) unreachable: connection refused"), \
        err.message
    assert str(target.port) not in err.message  # the target was never tried: not its fault


def test_a_dead_jump_host_is_named_not_the_target(sshd, make_collector, bastion, dead_address):
    target = sshd()
    where = bastion(dead_address, 22)
    err = failure(make_collector(target, proxy_jump="bastion"))
    assert err.kind is Health.TIMEOUT
    assert err.message.startswith(f"jump host bastion ({where}) unreachable: no answer within"), \
        err.message


def test_a_refused_login_at_the_jump_host_names_it(sshd, make_collector, bastion):
    jump, target = sshd(), sshd()
    where = bastion("127.0.0.1", jump.port)
    # The bastion's key is on file, its login is refused (the target's would work).
    (jump.folder / "authorized_keys").write_text("")
    err = failure(make_collector(target, known_lines=jump.known_hosts_line, proxy_jump="bastion"))
    assert err.kind is Health.AUTH_FAILED
    assert err.message.startswith(f"jump host bastion ({where}): login refused"), err.message


def test_a_working_jump_host_with_a_closed_target_port_names_the_target(
        sshd, make_collector, bastion):
    jump = sshd()
    hop = bastion("127.0.0.1", jump.port)
    closed = free_port()
    err = failure(make_collector(None, known_lines=jump.known_hosts_line, port=closed,
                                 proxy_jump="bastion"))
    assert err.kind is Health.UNREACHABLE
    assert err.message.startswith(
        f"cannot connect to 127.0.0.1:{closed} through jump host bastion ({hop}): Connect failed"), \
        err.message


def test_a_working_jump_host_with_a_dead_target_names_the_target(
        sshd, make_collector, bastion, dead_address):
    jump = sshd()
    hop = bastion("127.0.0.1", jump.port)
    err = failure(make_collector(None, known_lines=jump.known_hosts_line, address=dead_address,
                                 port=22, proxy_jump="bastion"))
    assert err.kind is Health.TIMEOUT
    assert err.message.startswith(
        f"cannot connect to {dead_address}:22 through jump host bastion ({hop}): no answer"), \
        err.message
