"""No test touches the user's real files or keyring: config, data and log folders live in a
temporary directory, and keyring is an in-memory backend."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest

_ISOLATED = Path(tempfile.mkdtemp(prefix="erpconsole-tests-"))
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = str(_ISOLATED / _var.lower())
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Subprocesses (inspect, screenshot) get a keyring that stores nothing.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

import keyring  # noqa: E402
from keyring.backend import KeyringBackend  # noqa: E402
from keyring.errors import PasswordDeleteError  # noqa: E402

from tests import leaks  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture(autouse=True)
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture(scope="session")
def qt_starts():
    starts = leaks.QtStarts()
    undo = leaks.patch_qt(starts)
    yield starts
    undo()


@pytest.fixture(autouse=True)
def fail_on_leaks(request, qt_starts):
    """Fails the test if a thread or timer it started outlives it and its fixtures."""
    qt_starts.reset()
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + leaks.DEADLINE_S
    found = leaks.thread_leaks(before, deadline) + leaks.qt_leaks(qt_starts, deadline)
    if found:
        pytest.fail(f"{request.node.nodeid} left running:\n  " + "\n  ".join(found), pytrace=False)


@pytest.fixture(autouse=True)
def collect_qt_garbage(fail_on_leaks):
    """Run deferred deletes and Python's GC between tests, never in the middle of one.

    Depends on the leak check so that it runs after this: deleted widgets' timers are gone."""
    yield
    import gc
    import sys

    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtCore import QCoreApplication, QEvent

    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, what: str) -> None:
    """A missing server or tool is a skip on a developer's machine and a failure under CI."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"{what} is required under CI")
    pytest.skip(f"{what} is not available")


def pytest_sessionfinish(session, exitstatus) -> None:
    shutil.rmtree(_ISOLATED, ignore_errors=True)


# Real database servers for the database tests (see tests/dbservers.py).
from tests.dbservers import my_admin, my_database, pg_admin, pg_database  # noqa: E402,F401
