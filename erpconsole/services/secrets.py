"""keyring, and nothing else, holds secrets (service ``erpconsole``, user ``ssh:NAME`` ...).

Where no keyring backend works (a headless box: the ``fail`` backend, or Secret Service with
no D-Bus session), secrets asked for during a session are kept in memory for that session.
"""

from __future__ import annotations

import logging
import os
import threading

from erpconsole.i18n import _

SERVICE = "erpconsole"
log = logging.getLogger(__name__)


class SecretStoreError(Exception):
    """Keyring refused; the message says what to do."""


def _keyring():
    """keyring, loaded with the first secret asked for (its backends take 0.1 to 0.2 s to
    load and find): not on the way to the first painted window."""
    import keyring

    return keyring


def _errors():
    from keyring import errors

    return errors


class SecretStore:
    def __init__(self) -> None:
        self._session: dict[str, str] = {}
        self._lock = threading.Lock()

    def available(self) -> tuple[bool, str]:
        backend = _keyring().get_keyring()
        priority = getattr(backend, "priority", 0)
        shown = f"{type(backend).__module__}.{type(backend).__qualname__}"  # "Keyring" alone says little
        if priority < 1:
            # Only a running console keeps secrets in memory instead; each caller says
            # what that means for it (a command that ends keeps nothing).
            return False, _("no keyring backend works here ({backend})").format(backend=shown)
        return True, shown

    def get(self, name: str, env: str | None = None) -> str | None:
        if env and os.environ.get(env):
            return os.environ[env]
        with self._lock:
            if name in self._session:
                return self._session[name]
        errors = _errors()
        try:
            return _keyring().get_password(SERVICE, name)
        except (errors.NoKeyringError, errors.KeyringError) as exc:
            log.info("keyring unavailable for %s: %s", name, exc)
            return None

    def set(self, name: str, value: str) -> bool:
        """Store in keyring; returns False when only kept in memory for this session."""
        errors = _errors()
        try:
            _keyring().set_password(SERVICE, name, value)
            return True
        except (errors.NoKeyringError, errors.KeyringError) as exc:
            log.info("keyring refused %s: %s", name, exc)
            with self._lock:
                self._session[name] = value
            return False

    def delete(self, name: str) -> bool:
        """Remove the secret; returns False when there was none."""
        with self._lock:
            had_session = self._session.pop(name, None) is not None
        errors = _errors()
        try:
            _keyring().delete_password(SERVICE, name)
            return True
        except errors.PasswordDeleteError:
            return had_session
        except (errors.NoKeyringError, errors.KeyringError) as exc:
            if had_session:
                return True
            raise SecretStoreError(_("keyring refused: {error}").format(error=exc)) from exc


def environment_for(name: str, inventory=None) -> str | None:
    """The environment variable the console reads in place of keyring entry ``name``, if any:
    ERPCONSOLE_AUDIT_KEY for the audit key, the ``password_env`` the inventory names for a
    database or a backup set, the ``password_env`` / ``token_env`` / ``secret_env`` / ``url_env``
    of a channel. SSH secrets are read from keyring only."""
    from erpconsole.services.store.audit_key import KEY_ENV, KEY_NAME

    if name == KEY_NAME:
        return KEY_ENV
    kind, _sep, target = name.partition(":")
    if kind == "channel":
        from erpconsole.config.channels import credential_env

        return credential_env(getattr(inventory, "channels", ()), target)
    entries = {"db": getattr(inventory, "databases", ()), "backup": getattr(inventory, "backups", ())}
    for entry in entries.get(kind, ()):
        if entry.name == target and entry.password_env:
            return entry.password_env
    return None


def not_saved_advice(name: str, why: str, inventory=None) -> str:
    """What `secret set` says when no keyring keeps ``name``: nothing was saved (the command
    ends, so nothing stays in memory either), and what to do instead."""
    env = environment_for(name, inventory)
    kind, _sep, target = name.partition(":")
    if env:
        other = _("or give it to the console in the environment variable {env}, which it reads "
                  "instead of keyring {name}").format(env=env, name=name)
    elif kind in ("db", "backup"):
        other = _('or give it in an environment variable: name the variable with password_env = '
                  '"..." in the {table} entry "{target}" of the inventory').format(
            table="[[databases]]" if kind == "db" else "[[backups]]", target=target)
    elif kind == "channel":
        other = _('or give it in an environment variable: name the variable in the [[channels]] entry '
                  '"{target}" of the inventory (password_env for mail, token_env for a robot, secret_env '
                  "for a signing or webhook secret, url_env for apprise)").format(target=target.partition(":")[0])
    elif kind == "ssh":
        other = _("or log in with a key file (key_file) or ssh-agent: an SSH password or key "
                  "passphrase is read from keyring only")
    else:
        other = _("the console reads {name} from keyring only").format(name=name)
    return _("{why}: nothing was saved, {name} is not stored anywhere. Install and unlock a keyring "
             "backend (GNOME Keyring or KWallet in a desktop session, or the keyrings.alt package), "
             "then run this again; {other}.").format(why=why, name=name, other=other)
