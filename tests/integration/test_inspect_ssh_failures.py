"""`erpconsole inspect` against SSH hosts that fail: what stderr and the host's sshd see
(a real subprocess, real OpenSSH servers)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.sshd import free_port

pytestmark = pytest.mark.integration


def run_inspect(inv: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path / "home")}
    env.pop("SSH_AUTH_SOCK", None)
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / var.lower())
    return subprocess.run([sys.executable, "-m", "erpconsole", "inspect", "--inventory", str(inv),
                           "--format", "json", "--only", "hosts,backups,access"],
                          capture_output=True, text=True, timeout=90, env=env)


def log_file(tmp_path: Path) -> Path:
    return tmp_path / "xdg_state_home" / "erpconsole" / "log" / "erpconsole.log"


def entry(name: str, port: int, key: Path, known: Path, extra: str = "") -> str:
    return (f'[[hosts]]\nname = "{name}"\naddress = "127.0.0.1"\nport = {port}\nuser = "root"\n'
            f'key_file = "{key}"\nknown_hosts = "{known}"\n{extra}\n')


def test_failing_hosts_are_one_line_each_on_stderr_and_the_traceback_is_in_the_log(
        tmp_path, sshd, client_keys):
    good = sshd()
    # A hardened server that offers only a key exchange paramiko lacks: paramiko's transport
    # thread logs "Exception (client): Incompatible ssh peer" and its traceback.
    pq_only = sshd(extra_config="KexAlgorithms sntrup761x25519-sha512@openssh.com\n")
    known = tmp_path / "known"
    known.write_text(good.known_hosts_line + pq_only.known_hosts_line)
    inv = tmp_path / "inv.toml"
    inv.write_text(entry("good", good.port, client_keys.plain, known)
                   + entry("pq-only", pq_only.port, client_keys.plain, known)
                   + entry("behind-bastion", good.port, client_keys.plain, known,
                           f'proxy_jump = "root@127.0.0.1:{free_port()}"\n'))
    r = run_inspect(inv, tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 2, r.stderr
    assert re.match(r"erpconsole: pq-only: error: 127\.0\.0\.1:\d+ and the console share no SSH "
                    r"algorithm", lines[0]), lines
    assert re.match(r"erpconsole: behind-bastion: unreachable: jump host 127\.0\.0\.1:\d+ "
                    r"unreachable: connection refused", lines[1]), lines
    assert all(str(log_file(tmp_path)) in line for line in lines)
    assert "Traceback" not in r.stderr and "paramiko" not in r.stderr
    logged = log_file(tmp_path).read_text()
    assert "Traceback (most recent call last)" in logged and "IncompatiblePeer" in logged


def failed_logins(server) -> list[str]:
    return [line for line in server.log_file.read_text(errors="replace").splitlines()
            if line.startswith(("Failed publickey", "Failed password", "Invalid user"))]


def test_an_account_that_refuses_logins_sees_one_failed_login_per_inspect(
        tmp_path, sshd, client_keys):
    """The poll, the access review's account read and a backup listing all need the host; a
    refused account is tried once per run, as a person would (lockouts, fail2ban)."""
    server = sshd()
    known = tmp_path / "known"
    known.write_text(server.known_hosts_line)
    inv = tmp_path / "inv.toml"
    inv.write_text(entry("refuser", server.port, client_keys.other, known)
                   + '[[backups]]\nname = "dumps"\ntool = "dumpdir"\nrepo = "/srv/backup/erp"\n'
                     'host = "refuser"\n')
    r = run_inspect(inv, tmp_path)
    assert r.returncode == 2, r.stderr
    doc = json.loads(r.stdout)
    (host,) = doc["hosts"]
    assert host["status"] == "auth_failed" and host["message"].startswith("login refused")
    # What the others say is the same refusal, not a "not read" without a cause.
    (source,) = [s for s in doc["access"]["sources"] if s["system"] == "refuser"]
    assert source["status"] == "error" and "login refused" in source["message"], source
    (backup,) = doc["backups"]
    assert "login refused" in backup["message"], backup
    assert len(failed_logins(server)) == 1, server.log_tail(40)
    assert server.log_tail(200).count("Connection from 127.0.0.1") == 2  # sshd's own check + 1
