"""SIGKILL in the middle of writing: the file stays intact and what was committed is there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from erpconsole.services.store import Store

from .helpers import count, rows

REPO = Path(__file__).resolve().parents[3]


def test_sigkill_mid_write_keeps_committed_rows(store_url: str) -> None:
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("crash_writer.py")), store_url],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    committed = 0
    try:
        deadline = time.monotonic() + 4.0
        while committed < 30_000 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            committed = int(line)
        time.sleep(0.05)  # land inside a later batch rather than right after a flush
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(5)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert committed >= 30_000, "the writer never got going"
    store = Store(store_url)
    try:
        assert rows(store, "PRAGMA integrity_check") == [("ok",)]
        held = count(store, "samples")
        assert held >= committed
        assert held % 1000 == 0  # whole batches only: each put is inside one transaction
    finally:
        store.close()
