"""What the page screenshot scripts share: ``--size`` / ``--out``, and one page drawn by
`erpconsole screenshot` from the real window in the dark and the light theme."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "screenshots"


def arguments(doc: str) -> tuple[Path, str]:
    """(the folder for the PNGs, made if missing; the window size WxH)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--size", default="1400x900", help="window size WxH (default 1400x900)")
    parser.add_argument("--out", default=str(OUT), help="folder for the PNGs (default docs/screenshots)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    return out, args.size


def shoot(out: Path, size: str, page: str, inventory: Path, store: str, env: dict | None = None,
          name: str | None = None) -> None:
    """``NAME.png`` (dark) and ``NAME-light.png`` in ``out``; NAME is the page's unless given."""
    base = name or page
    for theme, name in (("dark", f"{base}.png"), ("light", f"{base}-light.png")):
        subprocess.run([sys.executable, "-m", "erpconsole", "screenshot", str(out / name), "--page", page,
                        "--after", "4", "--size", size, "--theme", theme, "--inventory", str(inventory),
                        "--store", store], check=True, cwd=REPO, env=env)
