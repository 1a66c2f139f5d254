"""`erpconsole inspect --format nagios` run by a real Icinga 2 as a service check: the state
Icinga gives it, the text it shows and the performance data it keeps are ours, item for item."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.integration.icinga import run_check
from tests.plugin_parsers import monitoring_plugin_parse, split_output
from tests.test_cli import run
from tests.test_cli_plugin import inventory

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def test_icinga_reads_the_state_text_and_every_performance_item(tmp_path, pg_database):
    inv = inventory(tmp_path, pg_database())
    command = [sys.executable, "-m", "erpconsole", "inspect", "--format", "nagios", "--inventory", inv]
    env = {k: v for k, v in os.environ.items() if k.startswith("XDG_") or k in ("HOME", "PATH")}
    env.update(PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    result = run_check(tmp_path / "icinga", command, env)
    ours = split_output(run("inspect", "--format", "nagios", "--inventory", inv).stdout)

    assert result.state == "WARNING"
    first, *long_text = result.output.split("\n")
    assert first.strip().startswith("ERPCONSOLE WARNING - 2 warnings: This workstation disk / at ")
    assert any(line.startswith("WARNING erp-db: ") for line in long_text)
    assert "|" not in result.output and "'" not in result.output.split("\n", 1)[0]
    # Every item we wrote is one Icinga kept (its own normalised form), none cut or merged.
    kept = [p["label"] for p in monitoring_plugin_parse(result.perfdata)]
    written = [p["label"] for p in monitoring_plugin_parse(ours.perfdata)]
    assert kept == written and len(kept) > 10
