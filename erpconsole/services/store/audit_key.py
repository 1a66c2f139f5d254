"""The key that signs the audit trail's checkpoints: HMAC-SHA256, kept in keyring (user
``audit:signing-key``) or, for scripts and headless boxes, in the environment variable
``ERPCONSOLE_AUDIT_KEY``. Generated on first use. It never enters the store, a log, a message
or an export: whoever can write the store but not read this key cannot sign a rewritten chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets as _random

from erpconsole.i18n import _

KEY_NAME = "audit:signing-key"
KEY_ENV = "ERPCONSOLE_AUDIT_KEY"


class AuditKeyError(Exception):
    """No key can be kept here; the message says what to do."""


def _message(head: str, count: int, ts: float) -> bytes:
    # repr of a float round-trips exactly, so the signature can be checked from the stored row.
    return json.dumps(["erpconsole-audit-checkpoint-1", head, int(count), repr(float(ts))],
                      separators=(",", ":")).encode("utf-8")


class AuditKey:
    """Signs and checks checkpoints; ``secrets`` is a services.secrets.SecretStore (or a fake
    with the same ``get``, ``set`` and ``available``)."""

    def __init__(self, secrets=None) -> None:
        if secrets is None:
            from erpconsole.services.secrets import SecretStore

            secrets = SecretStore()
        self._secrets = secrets
        self._key: bytes | None = None

    def _load(self) -> bytes | None:
        if self._key is None:
            value = self._secrets.get(KEY_NAME, env=KEY_ENV)
            if value:
                self._key = value.encode("utf-8")
        return self._key

    def present(self) -> bool:
        """Whether a key is here to check signatures with (none is made)."""
        return self._load() is not None

    def ensure(self) -> None:
        """A key to sign with: the one kept, else a new one stored in keyring. AuditKeyError
        when no keyring keeps it: a key for this session only would sign checkpoints that no
        later run could check."""
        if self._load() is not None:
            return
        ok, why = self._secrets.available()
        if not ok:
            raise AuditKeyError(_(
                "no key to sign the audit trail with: {why}. Set {env} (from your secret manager) "
                "or unlock a keyring, then run this again.").format(why=why, env=KEY_ENV))
        self._secrets.set(KEY_NAME, _random.token_hex(32))
        self._key = None
        if self._load() is None:  # a backend that accepts and forgets (keyring's null backend)
            raise AuditKeyError(_(
                "the keyring here did not keep the audit trail's signing key. Set {env} (from "
                "your secret manager) or use a keyring that stores secrets, then run this "
                "again.").format(env=KEY_ENV))

    def sign(self, head: str, count: int, ts: float) -> str:
        self.ensure()
        assert self._key is not None
        return hmac.new(self._key, _message(head, count, ts), hashlib.sha256).hexdigest()

    def matches(self, head: str, count: int, ts: float, signature: str) -> bool:
        """Whether ``signature`` was made with this key; False when there is no key."""
        key = self._load()
        if key is None:
            return False
        expected = hmac.new(key, _message(head, count, ts), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)
