"""Every picture the README shows is drawn by a script that `make screenshots` runs, so none of
them can be left behind when a page changes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def drawn_by_scripts() -> dict[str, str]:
    """{picture file name: the docs script whose PICTURES names it}."""
    drawn = {}
    for script in sorted((REPO / "docs").glob("*_screenshots.py")):
        for node in ast.parse(script.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "PICTURES" for t in node.targets):
                for name in ast.literal_eval(node.value):
                    drawn[name] = script.name
    return drawn


def test_every_readme_picture_has_a_script_that_draws_it():
    shown = re.findall(r"!\[[^\]]*\]\(docs/screenshots/([^)]+)\)", (REPO / "README.md").read_text(encoding="utf-8"))
    assert shown, "the README shows no pictures from docs/screenshots"
    drawn = drawn_by_scripts()
    assert [name for name in shown if name not in drawn] == []
    assert all((REPO / "docs" / "screenshots" / name).is_file() for name in shown)


def test_make_screenshots_runs_every_script():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = makefile[makefile.index("\nscreenshots:"):]
    assert "docs/*_screenshots.py" in recipe.split("\n\n")[0]
