"""The sentence for a way through a jump host that could not be opened always has a cause."""

from __future__ import annotations

import paramiko
import pytest

from erpconsole.services.hosts.ssh_config import Endpoint
from erpconsole.services.hosts.ssh_errors import tunnel_error
from erpconsole.services.models import Health

HOP = Endpoint("bastion", "10.0.0.1", 22, "root", (), False)
DEST = Endpoint("10.0.0.5", "10.0.0.5", 22, "root", (), False)
HEAD = "cannot connect to 10.0.0.5:22 through jump host bastion (10.0.0.1:22): "


@pytest.mark.parametrize("exc, cause", [
    (paramiko.ChannelException(2, "Connect failed"), "Connect failed"),
    (paramiko.SSHException("Unable to open channel."), "Unable to open channel."),
    # What paramiko raises when the jump host's connection ends during the open: it said
    # "...(10.0.0.1:22):  — is the host up", no cause at all.
    (EOFError(), "the jump host closed the connection"),
    (ConnectionResetError(), "ConnectionResetError"),
])
def test_the_reason_a_tunnel_failed_is_never_empty(exc, cause):
    err = tunnel_error(exc, HOP, DEST, 5.0)
    assert err.kind is Health.UNREACHABLE
    assert err.message.startswith(HEAD + cause + " — is the host up"), err.message
