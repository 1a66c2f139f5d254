"""The SSH collector against real OpenSSH servers: every health state with a readable message."""

from __future__ import annotations

import re
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts import probe
from erpconsole.services.hosts.ssh_session import Timeouts
from erpconsole.services.models import Health
from erpconsole.services.scheduler import Scheduler
from tests.witness import Witness

pytestmark = pytest.mark.integration


def failure(collector) -> CollectorError:
    with pytest.raises(CollectorError) as info:
        collector.collect()
    return info.value


def sentinel(token: str) -> str:
    return f"printf '\\n{probe.MARKER}{probe.END} %s\\n' {token}\n"


def once(first, then=probe.probe_command):
    """A probe override: ``first(token)`` for the first poll, the real probe afterwards."""
    calls = []

    def command(token: str) -> str:
        calls.append(token)
        return first(token) if len(calls) == 1 else then(token)

    return command


def test_poll_returns_snapshot_and_rates_on_second_poll(sshd, make_collector):
    collector = make_collector(sshd())
    first = collector.collect()
    assert first.cpu_percent is None  # no delta yet
    assert 0 < first.mem_percent <= 100
    assert first.load is not None and all(v >= 0 for v in first.load)
    assert first.disks and all(0 <= d.used_percent <= 100 for d in first.disks)
    assert first.uptime_s > 0
    assert first.latency_ms is not None and first.latency_ms >= 0
    assert first.loss_percent == 0.0
    time.sleep(0.3)
    second = collector.collect()
    assert second.cpu_percent is not None and 0 <= second.cpu_percent <= 100
    assert second.disk_read_bps is None or second.disk_read_bps >= 0
    assert second.ts > first.ts
    assert collector.mode == "shell"
    assert collector.facts is not None and collector.facts.kernel
    assert collector.facts.cpu_count >= 1 and collector.facts.mem_total_bytes > 0


def test_closed_port_is_unreachable(make_collector):
    collector = make_collector(None)
    err = failure(collector)
    assert err.kind is Health.UNREACHABLE
    assert "connection refused" in err.message and "is sshd running" in err.message
    assert failure(collector).kind is Health.UNREACHABLE  # the next poll tries again


def test_wrong_key_is_auth_failed_and_not_retried(sshd, make_collector, client_keys):
    server = sshd()
    collector = make_collector(server, name="erp-app-1", key_file=str(client_keys.other))
    scheduler = Scheduler(max_workers=2)
    scheduler.add_target(collector.target, collector, interval_s=0.2, timeout_s=5)
    witness = Witness()
    scheduler.add_target(witness.target, witness, interval_s=0.2)
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while scheduler.health(collector.target)[0] is Health.PENDING:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        witness.wait_polls(5)  # five intervals: a retry loop would show here
        health, message = scheduler.health(collector.target)
        stats = scheduler.stats(collector.target)
    finally:
        scheduler.stop()
    assert health is Health.AUTH_FAILED
    assert message.startswith("login refused for root@127.0.0.1")
    assert "erpconsole secret set ssh:erp-app-1" in message
    assert stats["polls"] == 1
    assert server.log_tail(200).count("Failed publickey") <= 1


def test_unknown_host_key_then_trusted(sshd, make_collector, tmp_path):
    server = sshd()
    collector = make_collector(server, trusted=False)
    err = failure(collector)
    assert err.kind is Health.HOSTKEY_UNKNOWN
    expected = subprocess.run(["ssh-keygen", "-lf", f"{server.host_key}.pub"], check=True,
                              capture_output=True, text=True).stdout.split()[1]
    assert expected.startswith("SHA256:") and expected in err.message
    assert "ssh-ed25519" in err.message
    assert collector.offered_host_key is not None
    assert collector.offered_fingerprint == expected
    assert "Accepted publickey" not in server.log_tail(200)  # no login before trust

    assert collector.trust_offered_key() == expected
    snap = collector.collect()
    assert snap.mem_percent is not None
    own = collector._session.known_hosts.own_path
    assert server.host_key_b64 in own.read_text()
    assert own.stat().st_mode & 0o777 == 0o600


def wait_connections_ended(server, timeout: float = 5.0) -> None:
    """Until sshd has logged the end of every connection it accepted: nothing more will be
    logged about them, so what the log lacks now it will lack."""
    ended = re.compile(r"^(Connection (closed|reset) by|Disconnected from) ", re.M)
    deadline = time.monotonic() + timeout
    while True:
        log = server.log_tail(1000)
        if log.count("Connection from ") == len(ended.findall(log)):
            return
        assert time.monotonic() < deadline, log
        time.sleep(0.02)


def test_changed_host_key_is_mismatch_without_login(sshd, make_collector, tmp_path):
    from tests.integration.sshd import keygen, public_line

    server = sshd()
    kind, other = public_line(keygen(tmp_path / "impostor"))
    collector = make_collector(server, trusted=False,
                               known_lines=f"[127.0.0.1]:{server.port} {kind} {other}\n")
    err = failure(collector)
    assert err.kind is Health.HOSTKEY_MISMATCH
    assert "possible interception" in err.message and "no connection made" in err.message
    assert collector.offered_host_key is None  # nothing to trust from here
    wait_connections_ended(server)
    assert "publickey" not in server.log_tail(200)  # no authentication was attempted


def test_killed_sshd_is_unreachable_then_recovers(sshd, make_collector):
    server = sshd()
    collector = make_collector(server)
    collector.collect()
    server.kill()
    err = failure(collector)
    assert err.kind is Health.UNREACHABLE, err.message
    server.start()
    snap = collector.collect()
    assert snap.mem_percent is not None
    # The failed poll's three keepalive probes were lost, the two good polls' six answered.
    assert snap.loss_percent == pytest.approx(100 / 3) and snap.loss_probes == 9


def test_hanging_command_times_out_and_next_poll_runs(sshd, make_collector):
    server = sshd()
    collector = make_collector(server, timeouts=Timeouts(2.0, 3.0, 5.0, command_s=1.0),
                               collector_options={
        "probe_command": once(lambda token: "sleep 30\n" + sentinel(token))})
    start = time.monotonic()
    err = failure(collector)
    assert err.kind is Health.TIMEOUT
    assert "within 1 s" in err.message
    assert time.monotonic() - start < 3
    snap = collector.collect()
    assert snap.mem_percent is not None
    assert collector.mode == "shell"


def test_garbage_output_is_parse_error_with_excerpt(sshd, make_collector):
    body = "\\n".join(["", "@@erpconsole:stat", "cpu banana split", "@@erpconsole:meminfo",
                       "MemTotal: lots", "@@erpconsole:loadavg", "x", "@@erpconsole:uptime", "y"])
    collector = make_collector(sshd(), collector_options={
        "probe_command": once(lambda token: f"printf '{body}\\n'\n" + sentinel(token))})
    err = failure(collector)
    assert err.kind is Health.PARSE_ERROR
    assert "/proc/stat" in err.message
    assert "banana" in err.detail
    assert collector.collect().mem_percent is not None  # the kept shell goes on


def test_output_cut_short_is_parse_error(sshd, make_collector):
    collector = make_collector(sshd(), collector_options={
        "probe_command": once(lambda token: "echo partial-output-before-death; exit\n")})
    err = failure(collector)
    assert err.kind is Health.PARSE_ERROR
    assert "cut short" in err.message
    assert "partial-output-before-death" in err.detail
    assert collector.collect().mem_percent is not None  # a new shell next time


def test_shell_that_dies_at_once_falls_back_to_exec(sshd, make_collector):
    collector = make_collector(sshd(), collector_options={
        "probe_command": once(lambda token: "exit\n")})
    assert failure(collector).kind is Health.PARSE_ERROR
    assert collector.mode == "exec"
    assert collector.collect().mem_percent is not None
    assert collector.collect().cpu_percent is not None


def test_known_hosts_with_cert_authority_and_hashed_entries(sshd, make_collector):
    import base64
    import hashlib
    import hmac
    import os

    from tests.integration.sshd import keygen, public_line

    server = sshd()
    ca_type, ca_key = public_line(keygen(server.folder / "ca"))
    salt = os.urandom(20)
    name = f"[127.0.0.1]:{server.port}".encode()
    hashed = "|1|{}|{}".format(base64.b64encode(salt).decode(),
                               base64.b64encode(hmac.new(salt, name, hashlib.sha1).digest()).decode())
    lines = (
        f"@cert-authority *.example.com,[127.0.0.1]:* {ca_type} {ca_key}\n"
        "# a comment\n"
        "this line is garbage\n"
        "otherhost ssh-ed25519 !!!notbase64!!!\n"
        f"{hashed} {server.host_key_type} {server.host_key_b64}\n"
    )
    collector = make_collector(server, trusted=False, known_lines=lines)
    assert collector.collect().mem_percent is not None


def test_shell_metacharacters_in_user_never_reach_a_shell(sshd, make_collector):
    marker = Path(f"/tmp/pwned-{uuid.uuid4().hex}")
    collector = make_collector(sshd(), user=f"x;touch {marker}")
    err = failure(collector)
    assert err.kind is Health.AUTH_FAILED
    assert f"x;touch {marker}" in err.message
    assert not marker.exists()


def test_shell_metacharacters_in_address_are_a_name_that_does_not_resolve(make_collector):
    marker = Path(f"/tmp/pwned-{uuid.uuid4().hex}")
    collector = make_collector(None, address=f"127.0.0.1;touch {marker}", port=22)
    err = failure(collector)
    assert err.kind is Health.UNREACHABLE
    assert not marker.exists()


def test_encrypted_key_opens_with_passphrase_from_keyring(sshd, make_collector, client_keys,
                                                          memory_keyring):
    from erpconsole.services.secrets import SERVICE
    from tests.integration.sshd import PASSPHRASE

    server = sshd()
    collector = make_collector(server, name="erp-db-1", key_file=str(client_keys.encrypted))
    err = failure(collector)
    assert err.kind is Health.AUTH_FAILED
    assert "no passphrase is stored in ssh:erp-db-1" in err.detail
    memory_keyring.set_password(SERVICE, "ssh:erp-db-1", PASSPHRASE)
    assert collector.collect().mem_percent is not None


def test_ssh_config_is_honoured_and_inventory_wins(sshd, make_collector, client_keys,
                                                   isolated_home):
    server = sshd()
    (isolated_home / ".ssh" / "config").write_text(
        f"Host erp-alias\n  HostName 127.0.0.1\n  Port 1\n  User root\n"
        f"  IdentityFile {client_keys.plain}\n"
    )
    collector = make_collector(server, address="erp-alias", port=server.port, user=None,
                               key_file=None)
    assert collector.collect().mem_percent is not None  # port from the inventory, not 1


def test_proxy_jump(sshd, make_collector, client_keys, isolated_home):
    jump, target = sshd(), sshd()
    # The jump host is logged in with the default identity and must be known as well.
    (isolated_home / ".ssh" / "id_ed25519").write_bytes(client_keys.plain.read_bytes())
    (isolated_home / ".ssh" / "id_ed25519").chmod(0o600)
    collector = make_collector(target, known_lines=jump.known_hosts_line,
                               proxy_jump=f"root@127.0.0.1:{jump.port}")
    snap = collector.collect()
    assert snap.mem_percent is not None
    assert snap.latency_ms is None  # not measured through a jump host
    jump.kill()  # the target's sshd still runs: the poll fails only if it went through the jump
    assert failure(collector).kind is Health.UNREACHABLE


def test_polls_cost_the_server_one_connection_and_measure_latency_on_it(sshd, make_collector):
    """Latency is a keepalive on the kept connection: five polls are one "Connection from" in
    sshd's log, and no preauth close (the line fail2ban counts) appears at all."""
    server = sshd()
    collector = make_collector(server)
    snaps = [collector.collect() for _ in range(5)]
    assert all(s.latency_ms is not None and 0 <= s.latency_ms < 1000 for s in snaps)
    assert snaps[-1].loss_percent == 0 and snaps[-1].loss_probes == 15  # three probes a poll
    log = server.log_tail(500)
    # sshd.start() checks its port with one bare connect of its own; the console adds one login.
    assert log.count("Connection from 127.0.0.1") <= 2 and log.count("Accepted publickey") == 1, log
    assert log.count("kex_exchange_identification") <= 1, log


def test_a_poll_answer_comes_back_in_one_piece(sshd, make_collector, monkeypatch):
    """The host's shell writes the whole answer at once: a poll is a few SSH packets for us to
    decrypt and hand between threads (the answer, the keepalives' replies), not one per process
    the probe runs (about 7 before)."""
    from erpconsole.services.hosts.ssh_latency import PROBES_PER_POLL

    import paramiko

    collector = make_collector(sshd())
    collector.collect()  # connect, facts
    packets = []
    read = paramiko.packet.Packetizer.read_message

    def counted(self):
        packets.append(1)
        return read(self)

    monkeypatch.setattr(paramiko.packet.Packetizer, "read_message", counted)
    for _ in range(5):
        assert collector.collect().mem_percent is not None
    assert 5 <= len(packets) <= 5 * (2 + PROBES_PER_POLL), len(packets)


def test_the_slow_facts_come_back_in_one_piece(sshd, make_collector, monkeypatch):
    """The facts (read at the first poll of every connection, then every ten minutes) are
    written by the host's shell at once too: 12 SSH packets before, about one per command."""
    import paramiko

    collector = make_collector(sshd())
    collector.collect()  # connect
    packets = []
    read = paramiko.packet.Packetizer.read_message

    def counted(self):
        packets.append(1)
        return read(self)

    monkeypatch.setattr(paramiko.packet.Packetizer, "read_message", counted)
    facts = collector.facts_now()
    assert facts.os_name and facts.kernel and facts.cpu_count >= 1
    assert len(packets) <= 3, len(packets)


def test_an_idle_connection_sleeps_until_a_packet_or_a_close(sshd, make_collector, monkeypatch):
    """Between polls paramiko's reader thread does not wake: it woke every second to look for
    a close request, 70 us of CPU each time, 0.35 ms per host between polls 5 s apart (100 idle
    hosts measured). Closing the connection still ends that thread at once, also where the
    server has nothing to answer (a watchdog closes the transport, not the kept channel first).
    """
    import paramiko

    collector = make_collector(sshd())
    collector.collect()
    reader = collector._session.transport  # the Transport is its reader thread
    woke = threading.Event()
    check = paramiko.packet.Packetizer._check_keepalive

    def counted(self):  # what read_all runs each time its recv timed out
        woke.set()
        return check(self)

    monkeypatch.setattr(paramiko.packet.Packetizer, "_check_keepalive", counted)
    assert not woke.wait(1.5), "the reader thread woke up with nothing to read"
    reader.close()
    reader.join(5)
    assert not reader.is_alive(), "closing the connection did not wake its reader thread"
    collector.close()


@pytest.mark.parametrize(("server_ciphers", "agreed"), [
    (None, "aes128-gcm@openssh.com"),  # OpenSSH's own order puts aes128-ctr before it
    ("aes256-gcm@openssh.com,aes128-ctr", "aes256-gcm@openssh.com"),
    ("aes128-ctr", "aes128-ctr"),  # a server without AES-GCM: paramiko's usual order
])
def test_the_connection_uses_an_aead_cipher_where_the_server_has_one(
        sshd, make_collector, server_ciphers, agreed):
    """AES-GCM carries its own integrity check: no HMAC for paramiko to compute and compare in
    Python for each packet (16 us per packet sent and read with aes128-ctr and hmac-sha2-256,
    11 us with aes128-gcm)."""
    extra = f"Ciphers {server_ciphers}" if server_ciphers else ""
    collector = make_collector(sshd(extra_config=extra))
    assert collector.collect().mem_percent is not None
    transport = collector._session.transport
    assert (transport.local_cipher, transport.remote_cipher) == (agreed, agreed)
