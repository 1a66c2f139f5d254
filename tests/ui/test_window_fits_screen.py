"""The window never grows past the screen: a long status text is cut (the whole of it in the
tooltip), and a saved geometry larger than the screen is clamped at the first show. The console
runs in a subprocess on an offscreen screen of 1600x900 (tests/fixtures/screens/)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCREEN = REPO / "tests" / "fixtures" / "screens" / "1600x900.json"
# Long enough that a badge showing it whole is wider than the screen.
LONG_NAME = "erp-app-" + "long-" * 8 + "name-of-the-host"  # 64: the longest allowed


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _probe(tmp_path: Path, settings: Path, oversized: str = "") -> dict:
    inventory = tmp_path / "inventory.toml"
    inventory.write_text(
        f'[[hosts]]\nname = "{LONG_NAME}"\naddress = "127.0.0.1"\nport = {_closed_port()}\n'
        f'user = "nobody"\ninterval_s = 1\n', encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={SCREEN}", PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-m", "tests.ui.screen_probe", str(inventory), str(settings),
         f"sqlite:///{tmp_path / 'store.sqlite3'}", *([oversized] if oversized else [])],
        capture_output=True, text=True, timeout=120, env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_an_unreachable_host_with_a_long_error_does_not_widen_the_window(tmp_path):
    shown = _probe(tmp_path, tmp_path / "ui.ini")
    assert shown["failed"], shown
    assert len(shown["badge"]) > 100, shown  # the whole message is there, in the tooltip
    assert shown["screen_width"] == 1600
    assert shown["width"] <= shown["screen_width"], shown
    assert shown["width"] <= shown["first_width"], shown  # it did not grow at all
    assert shown["height"] <= shown["screen_height"], shown


def test_a_saved_geometry_larger_than_the_screen_is_clamped(tmp_path):
    shown = _probe(tmp_path, tmp_path / "ui.ini", oversized="1832x1100")
    assert shown["first_width"] <= 1600, shown
    assert shown["width"] <= 1600 and shown["height"] <= 900, shown


def test_fit_rect_keeps_a_rect_inside_the_available_area():
    from PySide6.QtCore import QRect

    from erpconsole.ui.main_window import fit_rect

    screen = QRect(0, 0, 1600, 900)
    assert fit_rect(QRect(0, 0, 1832, 1100), screen) == QRect(0, 0, 1600, 900)
    assert fit_rect(QRect(1000, 500, 1400, 900), screen) == QRect(200, 0, 1400, 900)
    assert fit_rect(QRect(10, 20, 800, 600), screen) == QRect(10, 20, 800, 600)
    beside = QRect(1600, 0, 1920, 1080)  # a second monitor on the right
    assert fit_rect(QRect(100, 0, 1000, 700), beside) == QRect(1600, 0, 1000, 700)
