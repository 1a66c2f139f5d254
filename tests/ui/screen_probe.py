"""Run by tests/ui/test_window_fits_screen.py in a subprocess, on an offscreen screen the test
names (QT_QPA_PLATFORM=offscreen:configfile=...): builds the real console, shows Host detail
for the inventory's host and prints one JSON line with the window's and the screen's widths.

    python -m tests.ui.screen_probe INVENTORY SETTINGS STORE_URL [WxH]

With WxH, a window of that size is saved in SETTINGS first, on this screen, as a console that
grew past the screen once saved itself.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def _save_oversized(settings: str, size: str) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMainWindow

    width, height = (int(v) for v in size.split("x"))
    big = QMainWindow()
    big.setGeometry(0, 0, width, height)
    saved = QSettings(settings, QSettings.Format.IniFormat)
    saved.setValue("ui/geometry", big.saveGeometry())
    saved.sync()
    big.deleteLater()


def main(inventory_path: str, settings: str, store_url: str, oversized: str = "") -> int:
    from erpconsole.app import Console, _qt_app
    from erpconsole.config import load_inventory

    app = _qt_app(sys.argv[:1])
    if oversized:
        _save_oversized(settings, oversized)
    inventory = load_inventory(inventory_path)
    host = inventory.hosts[0].name
    console = Console(inventory, store_url, Path(settings))
    window = console.window
    console.start()
    window.show()
    first = window.frameGeometry().width()
    window.host_detail.set_target(host)
    window.show_page("host")
    deadline = time.monotonic() + 30
    failed = False
    while time.monotonic() < deadline and not failed:
        app.processEvents()
        status = next((s for s in console.bridges.hosts.statuses() if s.target == host), None)
        failed = status is not None and status.health.is_failure
        time.sleep(0.02)  # the poll runs on the pool; this is the probe's own loop, not a test
    for _ in range(20):  # let layouts settle (a badge text grows the window, if it can)
        app.processEvents()
    screen = window.screen().availableGeometry()
    print(json.dumps({
        "failed": failed,
        "badge": window.host_detail.badge.toolTip(),
        "first_width": first,
        "width": window.frameGeometry().width(),
        "height": window.frameGeometry().height(),
        "screen_width": screen.width(),
        "screen_height": screen.height(),
    }), flush=True)
    window.close()
    console.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
