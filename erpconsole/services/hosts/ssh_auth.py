"""Logging in on an SSH transport: key files, then ssh-agent keys, then a stored password.

Key passphrases and passwords come from keyring only (``ssh:NAME``). A refused login raises
``CollectorError(AUTH_FAILED)`` at once: the scheduler stops polling the host until a person
acts, because retrying in a loop locks accounts. The same secret serves as the passphrase
of an encrypted key and as the login password; once it opened a key it is not also sent as a
password (a second failed try per poll would count against the account).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import paramiko
from paramiko.ssh_exception import (
    AuthenticationException,
    BadAuthenticationType,
    PasswordRequiredException,
    SSHException,
)

from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts.ssh_config import Endpoint
from erpconsole.i18n import _
from erpconsole.services.models import Health
from erpconsole.services.secrets import SecretStore

log = logging.getLogger(__name__)


def secret_name(name: str) -> str:
    return f"ssh:{name}"


@dataclass
class _Attempts:
    notes: list[str] = field(default_factory=list)
    allowed: list[str] | None = None
    secret_used_as_passphrase: bool = False

    def allows(self, method: str) -> bool:
        return self.allowed is None or method in self.allowed


def load_key(path: str, name: str, secrets: SecretStore, explicit: bool, tried: _Attempts
             ) -> paramiko.PKey | None:
    """The private key at ``path``, decrypted with the stored passphrase where needed."""
    if not os.path.exists(path):
        if explicit:
            tried.notes.append(_("key file {path} does not exist").format(path=path))
        return None
    try:
        return paramiko.PKey.from_path(path)
    except (TypeError, PasswordRequiredException):
        pass  # encrypted: try the stored passphrase below
    except (ValueError, SSHException, OSError) as exc:
        tried.notes.append(_("key file {path} cannot be read: {error}").format(path=path, error=exc))
        return None
    passphrase = secrets.get(secret_name(name))
    if not passphrase:
        tried.notes.append(
            _("key file {path} is encrypted and no passphrase is stored in {secret}").format(
                path=path, secret=secret_name(name)))
        return None
    try:
        key = paramiko.PKey.from_path(path, passphrase.encode("utf-8"))
    except (TypeError, ValueError, SSHException, OSError):
        tried.notes.append(
            _("the passphrase stored in {secret} does not open key file {path}").format(
                path=path, secret=secret_name(name)))
        return None
    tried.secret_used_as_passphrase = True
    return key


def _try(transport: paramiko.Transport, ep: Endpoint, tried: _Attempts, what: str, call
         ) -> bool:
    try:
        call()
    except BadAuthenticationType as exc:
        tried.allowed = list(exc.allowed_types)
        tried.notes.append(_("{what}: the server accepts only {methods}").format(
            what=what, methods=", ".join(exc.allowed_types)))
        return False
    except AuthenticationException as exc:
        if "timeout" in str(exc).lower():
            raise CollectorError(
                Health.TIMEOUT,
                _("{user}@{where} did not answer the login within the time allowed").format(
                    user=ep.user, where=ep.where), str(exc)) from exc
        tried.notes.append(_("{what}: refused").format(what=what))
        return False
    return transport.is_authenticated()


def _agent_keys() -> list[paramiko.PKey]:
    if not os.environ.get("SSH_AUTH_SOCK"):
        return []
    try:
        agent = paramiko.Agent()
        return list(agent.get_keys())
    except (SSHException, OSError) as exc:
        log.info("ssh-agent not usable: %s", exc)
        return []


def authenticate(transport: paramiko.Transport, ep: Endpoint, name: str, secrets: SecretStore
                 ) -> None:
    """Log in as ``ep.user`` or raise CollectorError (AUTH_FAILED, TIMEOUT)."""
    tried = _Attempts()
    for path in ep.key_files:
        if not tried.allows("publickey"):
            break
        key = load_key(path, name, secrets, ep.explicit_keys, tried)
        if key is not None and _try(transport, ep, tried, _("key {path}").format(path=path),
                                    lambda k=key: transport.auth_publickey(ep.user, k)):
            return
    for key in _agent_keys():
        if not tried.allows("publickey"):
            break
        if _try(transport, ep, tried, _("agent key {fp}").format(fp=key.fingerprint),
                lambda k=key: transport.auth_publickey(ep.user, k)):
            return
    password = None if tried.secret_used_as_passphrase else secrets.get(secret_name(name))
    if password and tried.allows("password"):
        if _try(transport, ep, tried, _("stored password"),
                lambda: transport.auth_password(ep.user, password)):
            return
    if not tried.notes:
        tried.notes.append(_("no key file, agent key or stored password to try"))
    raise CollectorError(
        Health.AUTH_FAILED,
        _("login refused for {user}@{host}: check the key or store a password with "
          "`erpconsole secret set {secret}`").format(
            user=ep.user, host=ep.hostname, secret=secret_name(name)),
        "\n".join(tried.notes),
    )
