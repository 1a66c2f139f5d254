"""Start to first painted window: spawn `erpconsole` (offscreen) and read the monotonic time of
its first paint. Compared in the same run, runs interleaved, with the console as it was
before the start-up work (``--before REF``, a commit of this repository, run from a copy
of its package) and with a bare QApplication + QWidget (the floor). Bytecode is compiled
once before timing, as an installed package has it. Prints one JSON line.

    python benchmarks/startup.py [--runs 7] [--before 0036523]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEFORE = "0036523"  # main before the start-up work of issue 14 (store, keyring, SQLAlchemy, pages)
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
    # Run from elsewhere: `-m` puts the working folder first on the path, before PYTHONPATH.
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, cwd=env["XDG_CONFIG_HOME"]).stdout
    line = next(l for l in out.splitlines() if l.startswith("first-paint "))
    return float(line.split()[1]) - start


def _before_tree(ref: str) -> str:
    """The package as it was at ``ref``, unpacked in a temporary folder."""
    folder = tempfile.mkdtemp(prefix="erpconsole-before-")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "erpconsole"], capture_output=True,
                             check=True, timeout=60).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True, timeout=60)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--before", default=BEFORE, metavar="REF")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="erpconsole-bench-")
    os.makedirs(f"{home}/config")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ERPCONSOLE_EXIT_AFTER_FIRST_PAINT": "1",
           "XDG_CONFIG_HOME": f"{home}/config", "XDG_DATA_HOME": f"{home}/data", "XDG_STATE_HOME": f"{home}/state"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    kinds = {
        "ours": ([sys.executable, "-m", "erpconsole"], {**env, "PYTHONPATH": str(ROOT)}),
        "before": ([sys.executable, "-m", "erpconsole"], {**env, "PYTHONPATH": _before_tree(args.before)}),
        "bare": ([sys.executable, "-c", BARE], env),
    }
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for cmd, kind_env in kinds.values():  # compiles and caches the bytecode; not counted
        _one(cmd, kind_env)
    for _ in range(args.runs):
        for kind, (cmd, kind_env) in kinds.items():
            times[kind].append(_one(cmd, kind_env))
    print(json.dumps({
        "benchmark": "startup",
        "runs": args.runs,
        "first_paint_s_p50": round(statistics.median(times["ours"]), 3),
        "first_paint_s_max": round(max(times["ours"]), 3),
        "before_first_paint_s_p50": round(statistics.median(times["before"]), 3),
        "before_first_paint_s_max": round(max(times["before"]), 3),
        "before_ref": args.before,
        "bare_qt_first_paint_s_p50": round(statistics.median(times["bare"]), 3),
        "target_s": 1.5,
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }))


if __name__ == "__main__":
    main()
