"""The command line as a user runs it: a real subprocess, real output, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from erpconsole import __version__
from tests.limits import NEVER_CROSSED_TOML
from tests.workstation import in_workstation


def run(*args: str, timeout: float = 60, workstation: Path | None = None,
        extra_env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    """``workstation``: a folder for the accounts the test gives this workstation (root and
    bob: no access finding above info), where the status must not hang on this machine's."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(extra_env or {})}
    command = [sys.executable, "-m", "erpconsole", *args]
    if workstation is not None:
        command = in_workstation(command, workstation)
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, **kw)


def test_version_and_help():
    assert run("--version").stdout.strip() == f"erpconsole {__version__}"
    out = run("--help").stdout
    for command in ("inspect", "screenshot", "secret"):
        assert command in out


def test_inspect_json_follows_the_contract(tmp_path):
    # Limits this machine cannot cross and accounts of the test's: "ok" is then what the
    # contract says, not this machine's load or users.
    inv = tmp_path / "inv.toml"
    inv.write_text(f"[local.thresholds]\n{NEVER_CROSSED_TOML}")
    r = run("inspect", "--inventory", str(inv), "--format", "json", workstation=tmp_path)
    doc = json.loads(r.stdout)
    assert set(doc) >= {"status", "generated_at", "hosts", "databases", "findings"}
    assert doc["status"] == "ok" and r.returncode == 0
    (host,) = doc["hosts"]
    assert host["name"] == "This workstation" and host["status"] == "ok"
    m = host["metrics"]
    for key in ("cpu_percent", "mem_percent", "swap_percent", "load1", "uptime_s", "disks", "net_rx_bps", "net_tx_bps", "latency_ms"):
        assert key in m
    assert 0 <= m["cpu_percent"] <= 100 and m["net_rx_bps"] >= 0
    assert any(d["mount"] == "/" for d in m["disks"])


def test_inspect_threshold_override_makes_warning_and_exit_1(tmp_path):
    inv = tmp_path / "inv.toml"
    # Memory and load limits this machine cannot cross (a loaded one was "critical").
    limits = NEVER_CROSSED_TOML.replace("disk_warning = 99.9", "disk_warning = 1")
    inv.write_text(f"[local]\nenabled = true\n[local.thresholds]\n{limits}")
    out = tmp_path / "report.json"
    r = run("inspect", "--inventory", str(inv), "--format", "json", "--out", str(out),
            workstation=tmp_path)
    assert r.stdout == ""
    doc = json.loads(out.read_text())
    assert doc["status"] == "warning" and r.returncode == 1
    assert any(f["check"] == "disk_used" and f["severity"] == "warning" for f in doc["findings"])


def test_inspect_table_is_readable():
    r = run("inspect")
    assert "This workstation" in r.stdout and "status:" in r.stdout


def test_bad_inventory_exit_3_with_file_and_line(tmp_path):
    inv = tmp_path / "bad.toml"
    inv.write_text('[[hosts]]\nname = "a"\naddress = "10.0.0.1"\nport = "22"\n')
    r = run("inspect", "--inventory", str(inv))
    assert r.returncode == 3
    assert f"{inv}:4:" in r.stderr and "port" in r.stderr


def test_inventory_with_password_is_refused(tmp_path):
    inv = tmp_path / "secret.toml"
    inv.write_text('[[hosts]]\nname = "a"\naddress = "10.0.0.1"\npassword = "hunter22"\n')
    r = run("inspect", "--inventory", str(inv))
    assert r.returncode == 3 and f"{inv}:4:" in r.stderr
    assert "hunter22" not in r.stderr + r.stdout


@pytest.mark.parametrize("nested, line", [
    ("a = " + "[" * 5000 + "]" * 5000, 2),
    ("[local]\nx = " + "{ a = " * 3000 + "1" + " }" * 3000, 3),
    ("a = [\n" + "[\n" * 40 + "]\n" * 41, 2 + 32),  # the line where the 33rd level opens
    ('a = "[[[[" # ' + "[" * 40 + "\nb = [[1]]", None),  # brackets in text and comments are text
], ids=["lists", "inline tables", "over lines", "in a string"])
def test_deeply_nested_inventory_is_bad_input_with_its_line(tmp_path, nested, line):
    inv = tmp_path / "deep.toml"
    inv.write_text(f"# the fleet\n{nested}\n")
    r = run("inspect", "--inventory", str(inv))
    assert r.returncode == 3 and "Traceback" not in r.stderr, r.stderr[-300:]
    if line is None:
        assert 'unknown key "a" at the top level' in r.stderr  # read as TOML, refused as usual
    else:
        assert r.stderr.startswith(f"erpconsole: {inv}:{line}: lists or tables are nested more "
                                   "than 32 deep"), r.stderr


def test_a_5_mb_value_is_not_echoed_whole(tmp_path):
    inv = tmp_path / "big.toml"
    value = "9" * (5 * 1024 * 1024)
    inv.write_text(f'[[hosts]]\nname = "a"\naddress = "10.0.0.1"\nport = "{value}"\n')
    r = run("inspect", "--inventory", str(inv))
    assert r.returncode == 3 and r.stderr.startswith(f"erpconsole: {inv}:4: port must be a whole number")
    assert f'"{"9" * 80}"… (5.0 MB)' in r.stderr and len(r.stderr) < 500
    inv.write_text(f'[[hosts]]\nname = "a"\naddress = "10.0.0.1"\nport = {value}\n')
    r = run("inspect", "--inventory", str(inv))  # past Python's 4,300 digits: not a ValueError
    assert r.returncode == 3 and r.stderr.startswith(f"erpconsole: {inv}:4: a number here has thousands")
    inv.write_text(f'[[hosts]]\nname = "{value}"\naddress = "10.0.0.1"\n{value} = 1\n')
    r = run("inspect", "--inventory", str(inv))
    assert r.returncode == 3 and "… (5.0 MB)" in r.stderr and len(r.stderr) < 500


def test_gui_without_display_says_so_in_one_line():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    r = subprocess.run([sys.executable, "-m", "erpconsole"], capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 3
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "erpconsole inspect" in lines[0] and "erpconsole screenshot" in lines[0]


@pytest.mark.parametrize("page", ["overview", "host", "events"])
def test_screenshot_renders_the_real_window(tmp_path, page):
    from PySide6.QtGui import QImage

    png = tmp_path / f"{page}.png"
    r = run("screenshot", str(png), "--page", page, "--after", "2.5", "--size", "1200x800")
    assert r.returncode == 0, r.stderr
    import numpy as np

    image = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB32)
    assert (image.width(), image.height()) == (1200, 800)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32, count=1200 * 800)
    # Antialiased text and lines give many shades: a drawn window, not a blank rectangle.
    assert len(np.unique(pixels)) > 50


def test_screenshot_unknown_page_exit_3(tmp_path):
    r = run("screenshot", str(tmp_path / "x.png"), "--page", "nope", "--after", "0")
    assert r.returncode == 3 and "overview" in r.stderr


def test_secret_set_and_delete_without_keyring_backend():
    r = run("secret", "set", "db:erp", input="s3cret\n")
    # The subprocess runs with the null keyring: it must say so, not pretend it stored it.
    assert r.returncode == 3 and "keyring" in r.stderr


def test_secret_set_with_a_failing_keyring_says_nothing_was_saved_and_what_to_do(tmp_path):
    inv = tmp_path / "inv.toml"
    inv.write_text('[[databases]]\nname = "erp-db"\nurl = "postgresql+psycopg://monitor@127.0.0.1/erp"\n'
                   'password_env = "ERP_DB_PASSWORD"\n')
    failing = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    r = run("--inventory", str(inv), "secret", "set", "db:erp-db", input="s3cret\n", extra_env=failing)
    assert r.returncode == 3 and r.stdout == ""
    # The command ends: nothing is "kept in memory for this session".
    assert "memory" not in r.stderr and "nothing was saved" in r.stderr
    assert "keyring.backends.fail.Keyring" in r.stderr and "Install and unlock a keyring" in r.stderr
    assert "ERP_DB_PASSWORD" in r.stderr and "s3cret" not in r.stderr
    r = run("secret", "set", "audit:signing-key", input="k3y\n", extra_env=failing)
    assert r.returncode == 3 and "nothing was saved" in r.stderr and "ERPCONSOLE_AUDIT_KEY" in r.stderr
    inv.write_text('[[channels]]\nname = "lead"\nkind = "dingtalk"\ntoken_env = "DT_TOKEN"\nsecret_env = "DT_SECRET"\n'
                   '\n[[channels]]\nname = "mail"\nkind = "email"\nsmtp_host = "h"\nfrom = "a@b.org"\nto = ["a@b.org"]\n')
    for entry, words in (("channel:lead", "DT_TOKEN"), ("channel:lead:secret", "DT_SECRET"),
                         ("channel:mail", 'the [[channels]] entry "mail"')):
        r = run("--inventory", str(inv), "secret", "set", entry, input="t0ken\n", extra_env=failing)
        assert r.returncode == 3 and words in r.stderr and "t0ken" not in r.stderr, r.stderr
    r = run("secret", "set", "db:erp-db", input="s3cret\n", extra_env=failing)  # no inventory
    assert r.returncode == 3 and 'password_env = "..."' in r.stderr and '"erp-db"' in r.stderr


def test_inspect_gives_up_on_a_hung_host_at_its_deadline(monkeypatch):
    import threading
    import time

    from erpconsole.config import Inventory
    from erpconsole.services import inspect as inspect_mod
    from erpconsole.services.models import Health, HostSnapshot, Thresholds

    release = threading.Event()

    class Hung:
        target = "stuck"

        def collect(self) -> HostSnapshot:
            release.wait(30)
            return HostSnapshot("stuck", time.time())

    monkeypatch.setattr(inspect_mod, "host_targets", lambda inv, **kw: [("stuck", Hung(), 5.0, None, Thresholds())])
    started = time.monotonic()
    report = inspect_mod.run_inspection(Inventory(), timeout_s=0.5)
    release.set()
    assert time.monotonic() - started < 2
    assert report.hosts[0].status is Health.TIMEOUT and report.status == "critical" and report.exit_code == 2


def test_inspect_reports_a_late_backup_set(tmp_path):
    import gzip

    dumps = tmp_path / "dumps"
    dumps.mkdir()
    old = dumps / "erp.sql.gz"
    old.write_bytes(gzip.compress(b"CREATE TABLE t (id int);\n"))
    three_days_ago = __import__("time").time() - 3 * 86400
    os.utime(old, (three_days_ago, three_days_ago))
    inv = tmp_path / "inv.toml"
    inv.write_text(f'[[backups]]\nname = "erp dumps"\ntool = "dumpdir"\nrepo = "{dumps}"\nrpo_h = 26\n')
    r = run("inspect", "--inventory", str(inv), "--format", "json")
    doc = json.loads(r.stdout)
    (item,) = doc["backups"]
    assert item["name"] == "erp dumps" and item["status"] == "critical" and item["backups"] == 1
    assert 2.9 * 86400 < item["newest_age_s"] < 3.1 * 86400 and item["rpo_s"] == 26 * 3600
    assert any(f["check"] == "backup.late" and f["target"] == "erp dumps" for f in doc["findings"])
    assert doc["status"] == "critical" and r.returncode == 2
    table = run("inspect", "--inventory", str(inv)).stdout
    assert "BACKUP SET" in table and "erp dumps" in table


def _popen(*args: str) -> subprocess.Popen:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen([sys.executable, "-m", "erpconsole", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)


def test_a_reader_that_goes_away_ends_the_listing_quietly(tmp_path):
    """`erpconsole audit list | head -1`: far more than a pipe holds, its reader gone after one
    line. The listing ends with 141 (as a shell reports SIGPIPE) and no traceback."""
    from erpconsole.services.store import Store

    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    for i in range(1500):  # about 600 KB of listing against a 64 KiB pipe
        store.audit.append("db.cancel", "erp-db", {"pid": i, "why": "x" * 300}, actor="alice")
    store.close()
    proc = _popen("audit", "list", "--limit", "100000", "--store",
                  f"sqlite:///{tmp_path / 'store.sqlite3'}")
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141, err
    assert first.split()[0] == b"1" and b"db.cancel" in first
    assert "Traceback" not in err and "BrokenPipe" not in err and err == ""


def test_a_reader_gone_before_the_output_is_written_is_no_error_either(tmp_path):
    inv = tmp_path / "local.toml"
    inv.write_text(f"[local.thresholds]\n{NEVER_CROSSED_TOML}")
    proc = _popen("inspect", "--inventory", str(inv), "--format", "json")
    proc.stdout.close()  # before the inspection has printed anything: it takes seconds
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=90) == 141, err
    assert "Traceback" not in err and "Exception ignored" not in err


def _audit_store(folder: Path, rows: int) -> str:
    from erpconsole.services.store import Store

    url = f"sqlite:///{folder / 'store.sqlite3'}"
    store = Store(url)  # WAL, as the console leaves it
    for i in range(rows):
        store.audit.append("db.cancel", "erp-db", {"pid": i}, actor="alice")
    store.close()
    return url


def test_audit_head_then_verify_on_read_only_media(tmp_path):
    """`audit head` for a cron job, then `audit verify --expect` on the store mounted read-only:
    exit 0, nothing written there (the WAL store needs no -shm beside it), the key never shown."""
    from tests import mount_namespace
    from tests.conftest import require

    key = "0123456789abcdef" * 4
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ERPCONSOLE_AUDIT_KEY": key}
    media = tmp_path / "media"
    media.mkdir()
    url = _audit_store(media, 5)
    signed = subprocess.run([sys.executable, "-m", "erpconsole", "audit", "head", "--store", url],
                            capture_output=True, text=True, timeout=60, env=env)
    assert signed.returncode == 0, signed.stderr
    digest, rows, signature = signed.stdout.split()
    assert (len(digest), rows, len(signature)) == (64, "5", 64) and key not in signed.stdout
    require(mount_namespace.available(), "unshare, as root or in a user namespace")
    command = [sys.executable, "-m", "erpconsole", "audit", "verify", "--store", url, "--expect", digest]
    before = sorted(p.name for p in media.iterdir())
    done = subprocess.run(mount_namespace.read_only_command(command, media), capture_output=True,
                          text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"OK: 5 rows, head {digest}")
    assert sorted(p.name for p in media.iterdir()) == before == ["store.sqlite3"]
    proof = subprocess.run(mount_namespace.read_only_command(["touch", str(media / "x")], media),
                           capture_output=True, text=True, timeout=60)
    assert proof.returncode != 0 and "Read-only" in proof.stderr  # the media really was read-only


def test_audit_head_without_a_keyring_to_keep_the_key_says_what_to_do(tmp_path):
    url = _audit_store(tmp_path, 1)
    done = run("audit", "head", "--store", url)  # the tests' subprocesses have no keyring
    assert done.returncode == 3 and done.stdout == ""
    assert "ERPCONSOLE_AUDIT_KEY" in done.stderr
