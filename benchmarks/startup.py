"""Start to first painted window: spawn `erpconsole` (offscreen) and read the monotonic time of
its first paint. Compared with a bare QApplication + QWidget in the same run (the floor).
Prints one JSON line."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = 7
BARE = (
    "import time,sys\n"
    "from PySide6.QtWidgets import QApplication, QWidget\n"
    "from PySide6.QtCore import QEvent, QObject\n"
    "app = QApplication(sys.argv)\n"
    "w = QWidget(); w.resize(1400, 900)\n"
    "class P(QObject):\n"
    "    def eventFilter(self, o, e):\n"
    "        if e.type() == QEvent.Type.Paint:\n"
    "            print(f'first-paint {time.monotonic():.6f}', flush=True); app.quit()\n"
    "        return False\n"
    "p = P(); w.installEventFilter(p); w.show(); app.exec()\n"
)


def _one(cmd: list[str], env: dict[str, str]) -> float:
    start = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60).stdout
    line = next(l for l in out.splitlines() if l.startswith("first-paint "))
    return float(line.split()[1]) - start


def main() -> None:
    home = tempfile.mkdtemp(prefix="erpconsole-bench-")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ERPCONSOLE_EXIT_AFTER_FIRST_PAINT": "1",
           "XDG_CONFIG_HOME": f"{home}/config", "XDG_DATA_HOME": f"{home}/data", "XDG_STATE_HOME": f"{home}/state"}
    ours = [_one([sys.executable, "-m", "erpconsole"], env) for _ in range(RUNS)]
    bare = [_one([sys.executable, "-c", BARE], env) for _ in range(RUNS)]
    print(json.dumps({
        "benchmark": "startup",
        "runs": RUNS,
        "first_paint_s_p50": round(statistics.median(ours), 3),
        "first_paint_s_max": round(max(ours), 3),
        "bare_qt_first_paint_s_p50": round(statistics.median(bare), 3),
        "target_s": 2.0,
    }))


if __name__ == "__main__":
    main()
