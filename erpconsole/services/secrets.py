"""keyring, and nothing else, holds secrets (service ``erpconsole``, user ``ssh:NAME`` ...).

Where no keyring backend works (a headless box: the ``fail`` backend, or Secret Service with
no D-Bus session), secrets asked for during a session are kept in memory for that session.
"""

from __future__ import annotations

import logging
import os
import threading

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

from erpconsole.i18n import _

SERVICE = "erpconsole"
log = logging.getLogger(__name__)


class SecretStoreError(Exception):
    """Keyring refused; the message says what to do."""


class SecretStore:
    def __init__(self) -> None:
        self._session: dict[str, str] = {}
        self._lock = threading.Lock()

    def available(self) -> tuple[bool, str]:
        backend = keyring.get_keyring()
        priority = getattr(backend, "priority", 0)
        if priority < 1:
            return False, _(
                "no keyring backend works here ({backend}); secrets are kept in memory for this "
                "session only. Install and unlock a keyring (GNOME Keyring, KWallet) to keep them."
            ).format(backend=type(backend).__name__)
        return True, type(backend).__name__

    def get(self, name: str, env: str | None = None) -> str | None:
        if env and os.environ.get(env):
            return os.environ[env]
        with self._lock:
            if name in self._session:
                return self._session[name]
        try:
            return keyring.get_password(SERVICE, name)
        except (NoKeyringError, KeyringError) as exc:
            log.info("keyring unavailable for %s: %s", name, exc)
            return None

    def set(self, name: str, value: str) -> bool:
        """Store in keyring; returns False when only kept in memory for this session."""
        try:
            keyring.set_password(SERVICE, name, value)
            return True
        except (NoKeyringError, KeyringError) as exc:
            log.info("keyring refused %s: %s", name, exc)
            with self._lock:
                self._session[name] = value
            return False

    def delete(self, name: str) -> bool:
        """Remove the secret; returns False when there was none."""
        with self._lock:
            had_session = self._session.pop(name, None) is not None
        try:
            keyring.delete_password(SERVICE, name)
            return True
        except PasswordDeleteError:
            return had_session
        except (NoKeyringError, KeyringError) as exc:
            if had_session:
                return True
            raise SecretStoreError(_("keyring refused: {error}").format(error=exc)) from exc
