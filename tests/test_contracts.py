"""The import contracts in pyproject.toml bind: a scratch copy of the package with one forbidden
import added fails lint-imports, naming that import, while the unmodified copy passes (so a
broken set-up cannot make the failing cases pass)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

Contract = dict[str, object]


def _contracts() -> list[Contract]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["tool"]["importlinter"]["contracts"]


def _forbids(source: str, forbidden: str) -> Callable[[Contract], bool]:
    def matches(contract: Contract) -> bool:
        return (
            contract["type"] == "forbidden"
            and source in contract["source_modules"]  # type: ignore[operator]
            and forbidden in contract["forbidden_modules"]  # type: ignore[operator]
        )

    return matches


def _protects_services(contract: Contract) -> bool:
    return contract["type"] == "protected" and "erpconsole.services" in contract["protected_modules"]  # type: ignore[operator]


def _layers(contract: Contract) -> bool:
    return contract["type"] == "layers"


@dataclass(frozen=True)
class BadImport:
    importer: str  # the module the line is added to
    line: str
    imported: str  # as lint-imports names it (an external package by its top level)
    contracts: tuple[Callable[[Contract], bool], ...]  # each picks one contract that must break


BAD_IMPORTS = {
    "a page imports a service": BadImport(
        "erpconsole.ui.backups.backups_page",
        "from erpconsole.services.backups.service import BackupService",
        "erpconsole.services.backups.service",
        (_protects_services,),
    ),
    "a service imports Qt": BadImport(
        "erpconsole.services.scheduler",
        "from PySide6.QtCore import QObject",
        "PySide6",
        (_forbids("erpconsole.services", "PySide6"),),
    ),
    "the alert core imports Qt": BadImport(
        "erpconsole.services.alerts.engine",
        "from PySide6.QtCore import QTimer",
        "PySide6",
        (_forbids("erpconsole.services", "PySide6"),),
    ),
    "a widget imports services": BadImport(
        "erpconsole.widgets.live_chart",
        "from erpconsole.services.models import Sample",
        "erpconsole.services.models",
        (_forbids("erpconsole.widgets", "erpconsole.services"), _layers),
    ),
    "config imports services": BadImport(
        "erpconsole.config",
        "from erpconsole.services.backups.models import BackupPolicy",
        "erpconsole.services.backups.models",
        (_forbids("erpconsole.config", "erpconsole.services"), _layers),
    ),
    "the agent imports Qt": BadImport(
        "erpconsole.agent",
        "from PySide6.QtCore import QCoreApplication",
        "PySide6",
        (_forbids("erpconsole.agent", "PySide6"),),
    ),
    "the agent imports the console's app": BadImport(
        "erpconsole.agent",
        "from erpconsole.app import Console",
        "erpconsole.app",
        (_forbids("erpconsole.agent", "erpconsole.app"), _layers),
    ),
    "the shared guards import a widget": BadImport(
        "erpconsole.guards.csv_cells",
        "from erpconsole.widgets.table_export import write_csv",
        "erpconsole.widgets.table_export",
        (_forbids("erpconsole.guards", "erpconsole.widgets"), _layers),
    ),
}

# What the allow-list allows: a domain's bridge imports the service it adapts.
GOOD_IMPORTS = {
    "the package as it is": None,
    "a bridge imports its service": (
        "erpconsole.ui.backups.bridge",
        "from erpconsole.services.backups.service import BackupService",
    ),
    "the agent imports a service": (
        "erpconsole.agent",
        "from erpconsole.services.backups.service import BackupService",
    ),
    "a widget imports the shared guards": (
        "erpconsole.widgets.live_chart",
        "from erpconsole.guards.csv_cells import guard_cell",
    ),
}


def _module_file(root: Path, module: str) -> Path:
    path = root.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _add_line(root: Path, module: str, line: str) -> int:
    """Appends an import to a module of the scratch copy; returns its line number."""
    path = _module_file(root, module)
    assert path.is_file(), f"{module} is not at {path}"
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    text += line + "\n"
    path.write_text(text, encoding="utf-8")
    return text.count("\n")


def _scratch(tmp_path: Path) -> Path:
    shutil.copytree(
        REPO / "erpconsole",
        tmp_path / "erpconsole",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint_imports(root: Path) -> tuple[int, str]:
    lint = Path(sys.executable).with_name("lint-imports")
    found = str(lint) if lint.exists() else shutil.which("lint-imports")
    assert found, "lint-imports (import-linter, in the test extras) is not installed"
    python_path = [str(root), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    # A wide console, so that rich does not wrap an import across two lines.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(python_path), "COLUMNS": "400"}
    proc = subprocess.run(
        [found, "--no-cache", "--no-logo", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc.returncode, " ".join((proc.stdout + proc.stderr).split())


@pytest.mark.parametrize("case", list(BAD_IMPORTS), ids=list(BAD_IMPORTS))
def test_a_forbidden_import_breaks_a_contract(tmp_path: Path, case: str) -> None:
    bad = BAD_IMPORTS[case]
    names = []
    for picks in bad.contracts:
        [contract] = [c for c in _contracts() if picks(c)]
        names.append(contract["name"])
    root = _scratch(tmp_path)
    line_number = _add_line(root, bad.importer, bad.line)

    code, output = _lint_imports(root)

    assert code != 0, output
    for name in names:
        assert f"{name} BROKEN" in output, output
    assert f"{bad.importer} -> {bad.imported} (l.{line_number})" in output, output


def test_a_new_top_level_module_must_be_given_a_layer(tmp_path: Path) -> None:
    root = _scratch(tmp_path)
    (root / "erpconsole" / "stray.py").write_text('"""Belongs to no layer."""\n', encoding="utf-8")
    [layers] = [c for c in _contracts() if _layers(c)]

    code, output = _lint_imports(root)

    assert code != 0, output
    assert f"{layers['name']} BROKEN" in output, output
    assert "The following modules are not listed as layers: - erpconsole.stray" in output, output


@pytest.mark.parametrize("case", list(GOOD_IMPORTS), ids=list(GOOD_IMPORTS))
def test_the_layout_keeps_every_contract(tmp_path: Path, case: str) -> None:
    root = _scratch(tmp_path)
    if (good := GOOD_IMPORTS[case]) is not None:
        _add_line(root, *good)

    code, output = _lint_imports(root)

    assert code == 0, output
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in output, output
