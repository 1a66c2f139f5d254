"""The real /proc samples in ``tests/fixtures/procfs`` (copied from the team's shared samples; a
plain clone has them)."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "procfs"
SYSTEMS = ("debian12-vm", "node-exporter-sample", "procfs-sample")


def sample(system: str, name: str) -> str:
    """The text of one sample file; a clear failure when a sample is missing."""
    path = FIXTURES / system / name
    if not path.is_file():
        pytest.fail(f"missing /proc sample {path} (tests/fixtures/procfs in the checkout)")
    return path.read_text(encoding="utf-8")


def samples(name: str) -> list[tuple[str, str]]:
    """(system, text) of every system that has sample ``name``."""
    if not FIXTURES.is_dir():
        pytest.fail(f"missing fixtures folder {FIXTURES} (tests/fixtures/procfs in the checkout)")
    return [(s, sample(s, name)) for s in SYSTEMS if (FIXTURES / s / name).is_file()]


def probe_answer(system: str, token: str = "t0k3n") -> str:
    """A probe answer as a host would send it, built from one system's samples."""
    from erpconsole.services.hosts.probe import MARKER, PROC_BUNDLE, PROC_FILES

    files = {"stat": "stat", "meminfo": "meminfo", "loadavg": "loadavg", "uptime": "uptime",
             "net_dev": "net_dev", "diskstats": "diskstats"}
    parts = [f"\n{MARKER}{PROC_BUNDLE}"]
    for path, section in PROC_FILES.items():
        if (FIXTURES / system / files[section]).is_file():
            parts.append(f"==> {path} <==\n{sample(system, files[section])}")
    if (FIXTURES / system / "df_Pk").is_file():
        parts.append(f"\n{MARKER}df\n{sample(system, 'df_Pk')}")
    parts.append(f"\n{MARKER}temp\n\n{MARKER}procs\n85\n\n{MARKER}end {token}\n")
    return "\n".join(parts)
