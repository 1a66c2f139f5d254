"""~/.ssh/config: what is honoured, and inventory values winning over it."""

from __future__ import annotations

import getpass
import uuid
from pathlib import Path

import pytest

from erpconsole.config import HostConfig
from erpconsole.services.hosts.ssh_config import (
    import_hosts_from_ssh_config,
    parse_jump,
    resolve,
)

CONFIG = """\
Host erp-app-1 app1
    HostName 10.0.0.5
    Port 2222
    User monitor
    IdentityFile ~/.ssh/erp_key

Host erp-db-*
    User dbmon

Host erp-db-1
    HostName 10.0.0.6
    ProxyJump ops@bastion:2200

Host bastion
    HostName 192.0.2.10

Host *
    ServerAliveInterval 30
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / ".ssh" / "config"
    path.parent.mkdir()
    path.write_text(CONFIG)
    return path


def test_config_values_apply(config: Path, tmp_path: Path):
    target, jumps = resolve(HostConfig(name="x", address="erp-app-1"), config)
    assert (target.hostname, target.port, target.user) == ("10.0.0.5", 2222, "monitor")
    assert target.key_files == (str(tmp_path / ".ssh" / "erp_key"),)
    assert target.explicit_keys and jumps == ()


def test_inventory_wins(config: Path):
    host = HostConfig(name="x", address="erp-app-1", port=22, user="root", key_file="/k")
    target, _ = resolve(host, config)
    assert (target.hostname, target.port, target.user, target.key_files) == (
        "10.0.0.5", 22, "root", ("/k",))


def test_defaults_without_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    target, jumps = resolve(HostConfig(name="x", address="198.51.100.1"), tmp_path / "none")
    assert (target.hostname, target.port, target.user) == ("198.51.100.1", 22, getpass.getuser())
    assert not target.explicit_keys
    assert target.key_files[0] == str(tmp_path / ".ssh" / "id_ed25519")
    assert jumps == ()


def test_proxy_jump_from_config_and_inventory(config: Path):
    target, jumps = resolve(HostConfig(name="x", address="erp-db-1"), config)
    assert target.user == "dbmon"  # from the wildcard block
    assert [(j.user, j.hostname, j.port) for j in jumps] == [("ops", "192.0.2.10", 2200)]
    host = HostConfig(name="x", address="erp-db-1", proxy_jump="a@hop1,hop2:2022")
    _, jumps = resolve(host, config)
    assert [(j.user, j.alias, j.port) for j in jumps] == [("a", "hop1", 22),
                                                         (getpass.getuser(), "hop2", 2022)]
    _, jumps = resolve(HostConfig(name="x", address="erp-db-1", proxy_jump="none"), config)
    assert jumps == ()


@pytest.mark.parametrize("spec, expected", [
    ("bastion", (None, "bastion", None)),
    ("ops@bastion:2200", ("ops", "bastion", 2200)),
    ("ssh://ops@bastion:2200", ("ops", "bastion", 2200)),
    ("[2001:db8::1]:2200", (None, "2001:db8::1", 2200)),
    ("ops@2001:db8::1", ("ops", "2001:db8::1", None)),
])
def test_parse_jump(spec, expected):
    assert parse_jump(spec) == expected


def test_import_hosts_skips_wildcards_in_file_order(config: Path):
    hosts = import_hosts_from_ssh_config(config)
    assert [h["name"] for h in hosts] == ["erp-app-1", "app1", "erp-db-1", "bastion"]
    assert hosts[0] == {"name": "erp-app-1", "address": "10.0.0.5", "port": 2222,
                        "user": "monitor", "key_file": str(config.parent / "erp_key")}
    assert hosts[2]["proxy_jump"] == "ops@bastion:2200" and hosts[2]["user"] == "dbmon"


def test_import_of_missing_file_is_empty(tmp_path: Path):
    assert import_hosts_from_ssh_config(tmp_path / "missing") == []


def test_match_exec_is_never_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    marker = tmp_path / f"ran-{uuid.uuid4().hex}"
    path = tmp_path / "config"
    path.write_text(f'Match exec "touch {marker}"\n    User evil\n\nHost h\n    Port 2022\n')
    target, _ = resolve(HostConfig(name="x", address="h"), path)
    assert target.port == 2022 and target.user != "evil"
    assert not marker.exists()
