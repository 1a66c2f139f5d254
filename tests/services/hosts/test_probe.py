"""The probe text run for real on this Linux machine, under dash, and parsed."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from erpconsole.services.hosts import probe
from erpconsole.services.hosts.probe import (
    FACTS_SCRIPT,
    PROBE_SCRIPT,
    exec_line,
    facts_command,
    new_token,
    probe_command,
    wrap_command,
)
from erpconsole.services.hosts.probe_snapshot import snapshot_from_sections
from erpconsole.services.hosts.probe_answer import split_sections
from erpconsole.services.hosts.procparse import parse_proc_count
from erpconsole.services.hosts.sysparse import (
    parse_df,
    parse_facts,
    parse_os_release,
    parse_temperatures,
)

DASH = shutil.which("dash")


def _need_dash() -> str:
    if DASH is None:  # the probe must run under dash; no dash here is a broken test machine
        pytest.fail("dash is not installed: the probe's POSIX sh test needs it (apt install dash)")
    return DASH


def _run(command: str, shell: str | None = None, env: dict[str, str] | None = None,
         merge_stderr: bool = False) -> tuple[str, str]:
    proc = subprocess.run(
        [shell or _need_dash(), "-c", command], capture_output=not merge_stderr,
        stdout=subprocess.PIPE if merge_stderr else None,
        stderr=subprocess.STDOUT if merge_stderr else None,
        text=True, timeout=30, env=env, check=False,
    )
    return proc.stdout, proc.stderr or ""


def _poll(token: str | None = None, **kw) -> dict[str, str]:
    token = token or new_token()
    out, _err = _run(probe_command(token), **kw)
    return split_sections(out, token=token)


@pytest.mark.parametrize("script", [PROBE_SCRIPT, FACTS_SCRIPT], ids=["probe", "facts"])
def test_scripts_are_posix_sh(script):
    for shell in ([_need_dash(), "-n"], ["bash", "--posix", "-n"]):
        proc = subprocess.run([*shell, "-c", wrap_command(script, "t")], capture_output=True,
                              text=True, timeout=10, check=False)
        assert proc.returncode == 0, (shell, proc.stderr)


def test_probe_on_this_machine_gives_a_snapshot():
    token = new_token()
    out, err = _run(probe_command(token))
    assert err == ""  # stderr never leaves the probe's subshell
    sections = split_sections(out, token=token)
    assert {"stat", "meminfo", "loadavg", "uptime", "net_dev", "diskstats", "df", "procs"} <= set(
        sections)
    first, state = snapshot_from_sections("me", sections, None, time.monotonic(), time.time())
    assert first.cpu_percent is None and first.net_rx_bps is None
    time.sleep(0.3)
    snap, _state = snapshot_from_sections("me", _poll(), state, time.monotonic(), time.time())
    assert snap.cpu_count == psutil.cpu_count()
    assert snap.mem_total_bytes == psutil.virtual_memory().total
    assert snap.cpu_percent is not None and 0.0 <= snap.cpu_percent <= 100.0
    assert len(snap.cpu_per_core) == snap.cpu_count
    assert all(0.0 <= v <= 100.0 for v in snap.cpu_per_core)
    assert 0.0 <= snap.mem_percent <= 100.0 and 0.0 <= snap.swap_percent <= 100.0
    assert abs(snap.uptime_s - (time.time() - psutil.boot_time())) < 5
    assert snap.load is not None and all(v >= 0 for v in snap.load)
    assert snap.net_rx_bps is not None and snap.net_rx_bps >= 0
    assert snap.net_tx_bps is not None and snap.net_tx_bps >= 0
    assert any(d.mount == "/" for d in snap.disks)
    assert all(d.fstype not in ("tmpfs", "devtmpfs", "overlay") for d in snap.disks)
    assert all(0.0 <= d.used_percent <= 100.0 for d in snap.disks)
    assert parse_proc_count(sections["procs"]) == pytest.approx(len(psutil.pids()), rel=0.2)


def test_facts_on_this_machine():
    token = new_token()
    out, err = _run(facts_command(token))
    assert err == ""
    facts = parse_facts(split_sections(out, token=token))
    os_release = Path("/etc/os-release")
    if os_release.is_file():
        pretty = parse_os_release(os_release.read_text())["PRETTY_NAME"]
        assert facts.os_name == pretty
    assert facts.kernel == platform.release()
    assert facts.arch == platform.machine()
    assert facts.cpu_count == os.cpu_count()
    assert facts.mem_total_bytes == psutil.virtual_memory().total
    flag = Path("/var/run/reboot-required").exists() or Path("/run/reboot-required").exists()
    if flag:
        assert facts.reboot_required
    if not flag and not list(Path("/boot").glob("vmlinuz-*")):
        assert not facts.reboot_required and facts.newest_kernel == ""


def test_kept_shell_runs_polls_back_to_back_and_stays_clean():
    """Two polls written to one sh's stdin, as on a kept channel: neither eats the other."""
    t1, t2 = new_token(), new_token()
    stdin = probe_command(t1) + probe_command(t2) + "command -v s || echo no-leak\n"
    proc = subprocess.run([_need_dash()], input=stdin, capture_output=True, text=True,
                          timeout=30, check=False)
    assert split_sections(proc.stdout, token=t1)["loadavg"]
    assert split_sections(proc.stdout, token=t2)["uptime"]
    assert proc.stdout.rstrip().endswith("no-leak")  # the helper function did not leak


def _shim(tmp_path: Path, name: str, body: str) -> None:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


def _env_with(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}


def test_busybox_like_df_without_x_falls_back_to_plain_df(tmp_path):
    real_df = shutil.which("df")
    _shim(tmp_path, "df", f"""\
for a in "$@"; do case $a in -x|-T) echo "df: unrecognized option '$a'" >&2; exit 1;; esac; done
exec {real_df} "$@"
""")
    out = _run(probe_command("bb"), env=_env_with(tmp_path), merge_stderr=True)[0]
    sections = split_sections(out, token="bb")
    assert "unrecognized" not in out  # stderr stays out even where it shares the stream
    rows = parse_df(sections["df"])
    assert rows and all(r.fstype == "" for r in rows)
    snap, _ = snapshot_from_sections("bb", sections, None, 0.0, 0.0)
    assert any(d.mount == "/" for d in snap.disks)
    assert all(not d.mount.startswith("/dev/shm") for d in snap.disks)  # tmpfs by source name


def test_df_that_fails_on_one_mount_is_not_printed_twice(tmp_path):
    real_df = shutil.which("df")
    _shim(tmp_path, "df", f'{real_df} "$@"; echo "df: /mnt/stale: Stale file handle" >&2; exit 1\n')
    sections = _poll(token="st", env=_env_with(tmp_path))
    mounts = [r.mount for r in parse_df(sections["df"])]
    assert mounts and len(mounts) == len(set(mounts))
    assert all(r.fstype for r in parse_df(sections["df"]))  # the -T run was kept


def test_missing_tools_and_files_do_not_stop_the_probe(tmp_path):
    # No timeout, no df at all (a minimal container): the rest of the answer still comes.
    for tool in ("df", "timeout"):
        _shim(tmp_path, tool, "exit 127\n")
    sections = _poll(token="min", env=_env_with(tmp_path))
    assert sections["df"] == "" and sections["stat"].startswith("cpu ")
    snap, _ = snapshot_from_sections("min", sections, None, 0.0, 0.0)
    assert snap.disks == () and snap.mem_total_bytes > 0


def test_exec_line_runs_under_any_login_shell():
    token = new_token()
    proc = subprocess.run(exec_line(probe_command(token)), shell=True, executable="bash",
                          capture_output=True, text=True, timeout=30, check=False)
    assert split_sections(proc.stdout, token=token)["meminfo"].startswith("MemTotal:")


@pytest.mark.parametrize("bad", ["", "a b", "x\ny", "$(reboot)", "'", "a" * 65, "é"])
def test_token_that_could_break_the_end_line_is_refused(bad):
    with pytest.raises(ValueError):
        probe_command(bad)


def test_new_tokens_differ_and_are_accepted():
    a, b = new_token(), new_token()
    assert a != b
    assert probe_command(a).rstrip().endswith(a)


def test_sensor_loops_on_a_fake_sysfs(tmp_path):
    """This machine has no sensors: the probe's own loops run on a tree shaped like /sys."""
    files = {
        "thermal/thermal_zone0/type": "acpitz", "thermal/thermal_zone0/temp": "27800",
        "thermal/thermal_zone1/type": "x86_pkg_temp", "thermal/thermal_zone1/temp": "45000",
        "hwmon/hwmon0/name": "acpitz", "hwmon/hwmon0/temp1_input": "27800",
        "hwmon/hwmon1/name": "coretemp", "hwmon/hwmon1/temp2_input": "51000",
        "hwmon/hwmon1/temp2_label": "Core 0", "hwmon/hwmon1/temp2_max": "84000",
        "hwmon/hwmon1/temp2_crit": "100000",
    }
    for rel, value in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(value + "\n")
    script = probe._PRELUDE + "s temp\n" + probe._TEMP.replace("/sys/class", str(tmp_path))
    out, err = _run(wrap_command(script, "tt"))
    temps = parse_temperatures(split_sections(out, token="tt")["temp"])
    assert err == ""
    assert [(t.label, t.celsius, t.high, t.critical) for t in temps] == [
        ("acpitz temp1", 27.8, None, None),
        ("coretemp Core 0", 51.0, 84.0, 100.0),
        ("x86_pkg_temp", 45.0, None, None),
    ]
