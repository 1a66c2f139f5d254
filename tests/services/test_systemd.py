"""`erpconsole agent --print-systemd-unit`: a unit systemd itself accepts (systemd-analyze
verify), running this very executable with the arguments given, restarting on failure but not
on a bad inventory, hardened, and never holding a secret."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from erpconsole.services.systemd import _quote
from tests.conftest import require


def print_unit(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / var.lower())
    return subprocess.run([sys.executable, "-m", "erpconsole", "agent", "--print-systemd-unit", *args],
                          capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)


def keys(unit: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            found.setdefault(key, []).append(value)
    return found


def test_the_unit_runs_this_agent_with_the_arguments_given_and_systemd_accepts_it(tmp_path):
    store_dir = tmp_path / "stores"
    store_dir.mkdir()
    store = f"sqlite:///{store_dir / 'store.sqlite3'}"
    done = print_unit(tmp_path, "--inventory", "inventory.toml", "--store", store)
    assert done.returncode == 0, done.stderr
    unit = keys(done.stdout)
    assert unit["Type"] == ["notify"] and unit["Restart"] == ["on-failure"]
    assert unit["RestartPreventExitStatus"] == ["3"]
    command = shlex.split(unit["ExecStart"][0])
    assert os.path.isabs(command[0]) and os.access(command[0], os.X_OK), command
    assert command[command.index("agent"):] == [
        "agent", "--inventory", str(tmp_path / "inventory.toml"), "--store", store]
    writable = unit["ReadWritePaths"][0].split()
    assert f"-{store_dir}" in writable  # the SQLite store's folder (its -wal file) stays writable
    assert f"-{tmp_path / 'xdg_data_home' / 'erpconsole'}" in writable
    assert f"XDG_DATA_HOME={tmp_path / 'xdg_data_home'}" in unit["Environment"]
    for hardening in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "CapabilityBoundingSet"):
        assert hardening in unit, hardening

    analyze = shutil.which("systemd-analyze")
    require(analyze is not None, "systemd-analyze (the systemd package)")
    path = tmp_path / "erpconsole-agent.service"
    path.write_text(done.stdout)
    checked = subprocess.run([analyze, "verify", str(path)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and checked.stderr.strip() == "", checked.stderr


@pytest.mark.parametrize("store", ["postgresql+psycopg://erp:s3cret-pw@db-host/erp",
                                   "postgresql+psycopg://erp@db-host/erp?password=s3cret-pw"])
def test_a_store_url_with_a_password_is_refused_and_not_printed(tmp_path, store):
    done = print_unit(tmp_path, "--store", store)
    assert done.returncode == 3
    assert done.stdout == "" and "s3cret-pw" not in done.stderr
    assert "~/.pgpass" in done.stderr


def test_systemd_quoting_keeps_spaces_and_specifiers_literal():
    assert _quote("/srv/erp/inventory.toml") == "/srv/erp/inventory.toml"
    assert _quote("/srv/my erp/100%.toml") == '"/srv/my erp/100%%.toml"'
    assert _quote('a"b$HOME') == '"a\\"b$$HOME"'
