"""`erpconsole inspect` over SSH: a real subprocess against real OpenSSH servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.limits import NEVER_CROSSED_TOML

pytestmark = pytest.mark.integration


def run_inspect(inv, tmp_path) -> tuple[int, dict]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / var.lower())
    r = subprocess.run([sys.executable, "-m", "erpconsole", "inspect", "--inventory", str(inv), "--format", "json"],
                       capture_output=True, text=True, timeout=90, env=env)
    return r.returncode, json.loads(r.stdout)


def entry(name, port, key, known, thresholds: str = "") -> str:
    return (f'[[hosts]]\nname = "{name}"\naddress = "127.0.0.1"\nport = {port}\nuser = "root"\n'
            f'key_file = "{key}"\nknown_hosts = "{known}"\n\n' +
            (f"[hosts.thresholds]\n{thresholds}\n" if thresholds else ""))


def test_inspect_ssh_hosts(tmp_path, sshd, client_keys):
    from tests.integration.sshd import free_port

    good, other = sshd(), sshd()
    trusted = tmp_path / "known_good"
    trusted.write_text(good.known_hosts_line)
    inv = tmp_path / "inv.toml"
    inv.write_text(entry("good", good.port, client_keys.plain, trusted, NEVER_CROSSED_TOML))
    code, doc = run_inspect(inv, tmp_path)
    (host,) = doc["hosts"]
    assert host["name"] == "good" and host["status"] == "ok", host
    m = host["metrics"]
    assert 0 < m["mem_percent"] <= 100 and m["disks"] and m["latency_ms"] is not None
    assert "cpu_percent" in m
    assert code == 0 and doc["status"] == "ok"  # limits this machine cannot cross

    closed = free_port()
    inv.write_text(entry("good", good.port, client_keys.plain, trusted) +
                   entry("closed", closed, client_keys.plain, trusted))
    code, doc = run_inspect(inv, tmp_path)
    status = {h["name"]: h["status"] for h in doc["hosts"]}
    assert status == {"good": "ok", "closed": "unreachable"}
    assert code == 2 and doc["status"] == "critical"
    assert any(f["severity"] == "critical" and f["target"] == "closed" for f in doc["findings"])

    wrong = tmp_path / "known_wrong"
    wrong.write_text(f"[127.0.0.1]:{good.port} {other.host_key_type} {other.host_key_b64}\n")
    inv.write_text(entry("changed", good.port, client_keys.plain, wrong))
    code, doc = run_inspect(inv, tmp_path)
    (host,) = doc["hosts"]
    assert host["status"] == "hostkey_mismatch" and code == 2
    assert "possible interception" in host["message"]
