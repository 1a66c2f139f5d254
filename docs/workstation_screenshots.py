"""Screenshots of the console as `make run` starts it: no inventory, watching this workstation.
Each picture is made by `erpconsole screenshot` from the real window, after a few polls.

    .venv/bin/python docs/workstation_screenshots.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# What this script draws into docs/screenshots/ (tests/test_readme_pictures.py reads it).
PICTURES = ("overview.png", "hosts.png", "host.png", "events.png")

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "screenshots"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in PICTURES:
        page = name.removesuffix(".png")
        subprocess.run([sys.executable, "-m", "erpconsole", "screenshot", str(OUT / name), "--page", page,
                        "--after", "8"], check=True, cwd=REPO)


if __name__ == "__main__":
    main()
