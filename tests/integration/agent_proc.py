"""`erpconsole agent` as a real subprocess for the tests: its stderr read line by line on a
thread, so a test waits for what the agent says with a deadline instead of sleeping."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text


def agent_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, **extra}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / var.lower())
    env.pop("QT_QPA_PLATFORM", None)  # a server has no display settings either
    return env


class AgentProc:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "erpconsole", "agent", *args], env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, name="agent-stderr", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        for line in self.proc.stderr:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def said(self, words: str) -> bool:
        with self._cond:
            return any(words in line for line in self.lines)

    def wait_line(self, words: str, timeout_s: float = 30.0) -> str:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                found = next((line for line in self.lines if words in line), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(f"the agent did not say {words!r}; it said:\n" + "\n".join(self.lines))
                self._cond.wait(min(left, 0.5))

    def stop(self, signum: int = signal.SIGTERM, timeout_s: float = 30.0) -> tuple[int, float]:
        """(exit code, seconds from the signal to the exit)."""
        started = time.monotonic()
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout_s)
        elapsed = time.monotonic() - started
        self._reader.join(5)
        return code, elapsed

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._reader.join(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def loaded_libraries(self) -> str:
        return Path(f"/proc/{self.pid}/maps").read_text()


def wait_until(condition, timeout_s: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s:g} s: {what}")
        time.sleep(0.1)


def store_rows(url: str, sql: str, **params) -> list[tuple]:
    """Rows from the store the agent writes, read on a connection of the test's own; [] while
    the agent has not created the table yet."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    except Exception as exc:  # noqa: BLE001 - "no such table" while it migrates
        if "no such table" in str(exc) or "does not exist" in str(exc):
            return []
        raise
    finally:
        engine.dispose()
