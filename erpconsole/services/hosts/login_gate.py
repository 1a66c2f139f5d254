"""One login attempt per account for one run of several readers (an `inspect`).

`inspect` polls a host, reads its OS accounts for the access review and lists its backups,
each over a connection of its own and all at once. Against an account that refuses the login,
that was a failed login per reader: two or three per run in the host's auth log, which count
towards a lockout (pam_faillock) or a fail2ban ban. Through a gate shared by the readers of one
run, the first login to an account goes ahead and the others wait for its outcome: once it
failed, they give the same answer without connecting; once it worked, they log in as usual.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from erpconsole.i18n import _
from erpconsole.services.errors import CollectorError

if TYPE_CHECKING:  # ssh_config imports paramiko (~0.2 s): inspect without SSH hosts needs none
    from erpconsole.services.hosts.ssh_config import Endpoint

T = TypeVar("T")
_PENDING = object()  # a login under way


def account_key(ep: Endpoint, name: str) -> tuple:
    """What makes two logins the same attempt: the account, where, and the credentials."""
    return (ep.user, ep.hostname, ep.port, ep.key_files, name)


class LoginGate:
    """Thread-safe; holds the outcome of each account's first login for the gate's life."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._outcome: dict[tuple, object] = {}  # key -> _PENDING, None (logged in) or error

    def login(self, key: tuple, wait_s: float, attempt: Callable[[], T]) -> T:
        """``attempt()``, unless an earlier login to ``key`` failed in this run: then its
        error again, without connecting. Waits up to ``wait_s`` for a login under way."""
        earlier = self._turn(key, time.monotonic() + wait_s)
        if isinstance(earlier, CollectorError):
            raise CollectorError(earlier.kind, earlier.message, _(
                "not tried again: the first login to this account in this run failed ({detail})"
            ).format(detail=earlier.detail or earlier.message))
        if earlier is not _PENDING:
            return attempt()  # it worked before, or the first one has not finished in time
        try:
            result = attempt()
        except CollectorError as exc:
            self._settle(key, exc)
            raise
        except BaseException:
            self._settle(key, None, forget=True)  # not a verdict on the account
            raise
        self._settle(key, None)
        return result

    def _turn(self, key: tuple, deadline: float) -> object:
        """_PENDING when this caller makes the first attempt; else the earlier outcome (None
        once it worked or when waiting for it ran out of time)."""
        with self._cond:
            if key not in self._outcome:
                self._outcome[key] = _PENDING
                return _PENDING
            while self._outcome.get(key, None) is _PENDING:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
            return self._outcome.get(key)

    def _settle(self, key: tuple, outcome: CollectorError | None, forget: bool = False) -> None:
        with self._cond:
            if forget:
                self._outcome.pop(key, None)
            else:
                self._outcome[key] = outcome
            self._cond.notify_all()
