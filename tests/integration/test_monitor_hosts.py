"""Monitor operations a person triggers from the Hosts page, against real OpenSSH servers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from erpconsole.config import HostConfig, Inventory, LocalConfig
from erpconsole.services.hosts.connection_test import run_connection_test
from erpconsole.services.hosts.known_hosts import KnownHosts
from erpconsole.services.models import Health
from erpconsole.services.monitor import Monitor
from tests.witness import Witness

pytestmark = pytest.mark.integration


def wait(monitor: Monitor, target: str, health: Health, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        status = {s.target: s for s in monitor.statuses()}.get(target)
        if status is not None and status.health is health:
            return
        assert time.monotonic() < deadline, status
        time.sleep(0.05)


def make_monitor(tmp_path, *hosts) -> Monitor:
    inv = Inventory(local=LocalConfig(enabled=False), hosts=tuple(hosts))
    return Monitor(inv, None, max_workers=4, known_hosts_path=tmp_path / "own_known_hosts")


def host(tmp_path, client_keys, name, port, user_known="") -> HostConfig:
    kh = tmp_path / f"user_known_{name}"
    kh.write_text(user_known)
    return HostConfig(name=name, address="127.0.0.1", port=port, user="root", key_file=str(client_keys.plain),
                      known_hosts=str(kh), interval_s=0.5)


def test_facts_reach_target_status_and_hosts_are_added_and_removed(tmp_path, sshd, client_keys):
    a, b = sshd(), sshd()
    monitor = make_monitor(tmp_path, host(tmp_path, client_keys, "a", a.port, a.known_hosts_line))
    events = []
    monitor.subscribe(on_event=events.append)
    monitor.start()
    try:
        wait(monitor, "a", Health.OK)
        status = next(s for s in monitor.statuses() if s.target == "a")
        assert status.facts is not None and status.facts.kernel
        monitor.add_host(host(tmp_path, client_keys, "b", b.port, b.known_hosts_line))
        assert "b" in monitor.scheduler.targets()
        wait(monitor, "b", Health.OK)
        monitor.remove_host("b")
        assert "b" not in monitor.scheduler.targets()
        assert [s.target for s in monitor.statuses()] == ["a"]
        assert [h.name for h in monitor.inventory.hosts] == ["a"]
    finally:
        monitor.stop()


def test_changed_key_in_own_file_is_removed_then_the_new_one_trusted(tmp_path, sshd, client_keys):
    server, other = sshd(), sshd()
    own = tmp_path / "own_known_hosts"
    own.write_text(f"# console keys\n[127.0.0.1]:{server.port} {other.host_key_type} {other.host_key_b64}\n")
    monitor = make_monitor(tmp_path, host(tmp_path, client_keys, "h", server.port))
    events = []
    monitor.subscribe(on_event=events.append)
    monitor.start()
    try:
        wait(monitor, "h", Health.HOSTKEY_MISMATCH)
        info = monitor.host_key_info("h")
        assert [(Path(ln.path), ln.line_no, ln.own) for ln in info.lines] == [(own, 2, True)]
        result = monitor.forget_host_key("h")
        assert result.removed == 1 and result.remaining == ()
        assert own.read_text() == "# console keys\n"
        wait(monitor, "h", Health.HOSTKEY_UNKNOWN)  # resumed: the new key is shown for review
        info = monitor.host_key_info("h")
        assert info.key_type == "ssh-ed25519" and info.fingerprint.startswith("SHA256:")
        fp = monitor.trust_host_key("h")
        assert fp == info.fingerprint
        wait(monitor, "h", Health.OK)
        assert server.host_key_b64 in own.read_text()
        messages = " | ".join(e.message for e in events)
        assert "removed by the user" in messages and "trusted by the user" in messages
    finally:
        monitor.stop()


def test_changed_key_in_users_file_is_not_edited(tmp_path, sshd, client_keys):
    server, other = sshd(), sshd()
    user_line = f"[127.0.0.1]:{server.port} {other.host_key_type} {other.host_key_b64}\n"
    h = host(tmp_path, client_keys, "h", server.port, user_line)
    monitor = make_monitor(tmp_path, h)
    witness = Witness()
    monitor.scheduler.add_target(witness.target, witness, interval_s=h.interval_s)
    monitor.start()
    try:
        wait(monitor, "h", Health.HOSTKEY_MISMATCH)
        result = monitor.forget_host_key("h")
        assert result.removed == 0 and len(result.remaining) == 1
        assert result.remaining[0].path == h.known_hosts and result.remaining[0].line_no == 1
        assert "ssh-keygen -R" in result.command and h.known_hosts in result.command
        assert Path(h.known_hosts).read_text() == user_line  # the user's file is the user's
        polls = monitor.scheduler.stats("h")["polls"]
        witness.wait_polls(3)
        # Not resumed: no poll ran, the host still waits for the user.
        assert monitor.scheduler.stats("h")["polls"] == polls
        assert monitor.scheduler.health("h")[0] is Health.HOSTKEY_MISMATCH
    finally:
        monitor.stop()


def test_connection_test_unknown_key_and_wrong_login(tmp_path, sshd, client_keys):
    server = sshd()
    h = host(tmp_path, client_keys, "t", server.port)
    kh = KnownHosts(tmp_path / "own", [h.known_hosts])
    steps = run_connection_test(h, known_hosts=kh)
    assert [(s.key, s.ok) for s in steps] == [("resolve", True), ("connect", True), ("host key", False),
                                             ("authenticate", None), ("probe", None)]
    assert "SHA256:" in steps[2].message and "Review host key" in steps[2].hint
    Path(h.known_hosts).write_text(server.known_hosts_line)
    wrong = HostConfig(**{**{f: getattr(h, f) for f in ("name", "address", "port", "user", "known_hosts")},
                          "key_file": str(client_keys.other)})
    steps = run_connection_test(wrong, known_hosts=KnownHosts(tmp_path / "own", [h.known_hosts]))
    assert [(s.key, s.ok) for s in steps][2:4] == [("host key", True), ("authenticate", False)]
    assert "keyring" in steps[3].hint
