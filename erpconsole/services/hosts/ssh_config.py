"""``~/.ssh/config`` for the SSH collector: HostName, Port, User, IdentityFile, ProxyJump.

Inventory values win over the ssh config, and the ssh config over defaults (port 22, the local
user, the usual identity files), as with ``ssh``. The config is read again at each connect, so
an edit takes effect at the next reconnect. ``Match exec`` would run a shell command: a config
using it is not honoured for that host (logged) rather than running anything.
"""

from __future__ import annotations

import getpass
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paramiko

from erpconsole.config import HostConfig

log = logging.getLogger(__name__)

DEFAULT_IDENTITIES = ("id_ed25519", "id_ecdsa", "id_rsa")
_WILDCARD = re.compile(r"[*?!]")
_MATCH_EXEC = re.compile(r"^\s*match\b.*\bexec\b", re.IGNORECASE)
# A Match block the console must not evaluate (it would run a command) applies to no host.
_NEVER = "Match host erpconsole-never-matches.invalid"


def default_config_path() -> Path:
    return Path.home() / ".ssh" / "config"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where and as whom to log in, after the inventory and the ssh config were combined."""

    alias: str  # what was looked up (inventory address, or a jump spec's host)
    hostname: str
    port: int
    user: str
    key_files: tuple[str, ...]  # explicit (inventory or IdentityFile) first, then defaults
    explicit_keys: bool  # True when the inventory or the config named the key files

    @property
    def where(self) -> str:
        return f"{self.hostname}:{self.port}"

    @property
    def label(self) -> str:
        """The name a person gave (``bastion``) with where it leads (``10.0.0.1:22``)."""
        return self.where if self.alias == self.hostname else f"{self.alias} ({self.where})"


def load_config(path: str | Path | None) -> paramiko.SSHConfig | None:
    p = Path(path).expanduser() if path else default_config_path()
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if _MATCH_EXEC.match(line):
            log.warning("%s:%d: 'Match exec' would run a command; block ignored", p, i + 1)
            lines[i] = _NEVER
    try:
        return paramiko.SSHConfig.from_text("\n".join(lines))
    except Exception as exc:  # noqa: BLE001 - a broken config must not stop monitoring
        log.warning("cannot parse %s, ignoring it: %s", p, exc)
        return None


def lookup(cfg: paramiko.SSHConfig | None, alias: str) -> dict[str, Any]:
    if cfg is None:
        return {}
    try:
        return dict(cfg.lookup(alias))
    except Exception as exc:  # noqa: BLE001 - Match exec without invoke, bad tokens ...
        log.warning("ssh config not honoured for %s: %s", alias, exc)
        return {}


def _port(value: object, fallback: int = 22) -> int:
    try:
        port = int(str(value))
    except (TypeError, ValueError):
        return fallback
    return port if 0 < port < 65536 else fallback


def endpoint(alias: str, cfg: paramiko.SSHConfig | None, *, port: int | None = None,
             user: str | None = None, key_file: str | None = None) -> Endpoint:
    """Combine explicit values (they win) with the ssh config for ``alias``."""
    opts = lookup(cfg, alias)
    keys: list[str] = []
    if key_file:
        keys.append(key_file)
    else:
        keys.extend(opts.get("identityfile", []))
    explicit = bool(keys)
    if not explicit:
        keys.extend(str(Path.home() / ".ssh" / n) for n in DEFAULT_IDENTITIES)
    return Endpoint(
        alias=alias,
        hostname=str(opts.get("hostname") or alias),
        port=port or _port(opts.get("port"), 22),
        user=user or str(opts.get("user") or getpass.getuser()),
        key_files=tuple(str(Path(k).expanduser()) for k in keys),
        explicit_keys=explicit,
    )


def parse_jump(spec: str) -> tuple[str | None, str, int | None]:
    """``[user@]host[:port]`` or ``ssh://[user@]host[:port]`` -> (user, host, port)."""
    spec = spec.strip().removeprefix("ssh://")
    user, _sep, rest = spec.rpartition("@")
    host, port = rest, None
    if rest.startswith("["):  # [v6addr]:port
        close = rest.find("]")
        host = rest[1:close]
        tail = rest[close + 1 :]
        port = _port(tail[1:], 0) or None if tail.startswith(":") else None
    elif rest.count(":") == 1:
        host, p = rest.split(":")
        port = _port(p, 0) or None
    return (user or None), host, port


def resolve(host: HostConfig, config_path: str | Path | None = None
            ) -> tuple[Endpoint, tuple[Endpoint, ...]]:
    """(the host, the jump hosts in order). A jump host's own ProxyJump is not followed."""
    cfg = load_config(config_path)
    target = endpoint(host.address, cfg, port=host.port, user=host.user, key_file=host.key_file)
    jump_spec = host.proxy_jump or lookup(cfg, host.address).get("proxyjump")
    jumps: list[Endpoint] = []
    if jump_spec and str(jump_spec).strip().lower() != "none":
        for part in str(jump_spec).split(","):
            if not part.strip():
                continue
            juser, jhost, jport = parse_jump(part)
            jumps.append(endpoint(jhost, cfg, port=jport, user=juser))
    return target, tuple(jumps)


def _host_names_in_order(path: Path) -> list[str]:
    names: list[str] = []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return names
    for line in lines:
        parts = line.strip().split(None, 1)
        if len(parts) == 2 and parts[0].lower() == "host":
            for name in parts[1].replace("=", " ").split():
                name = name.strip('"')
                if not _WILDCARD.search(name) and name not in names:
                    names.append(name)
    return names


def import_hosts_from_ssh_config(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Inventory entries for the ``Host`` names without wildcards, in file order.

    Each dict holds ``name`` and ``address`` and, where the config sets them, ``port``,
    ``user``, ``key_file`` and ``proxy_jump``: values the UI's import can show and edit.
    """
    p = Path(path).expanduser() if path else default_config_path()
    cfg = load_config(p)
    out: list[dict[str, Any]] = []
    for name in _host_names_in_order(p):
        opts = lookup(cfg, name)
        entry: dict[str, Any] = {"name": name, "address": str(opts.get("hostname") or name)}
        if "port" in opts:
            entry["port"] = _port(opts["port"])
        if opts.get("user"):
            entry["user"] = str(opts["user"])
        if opts.get("identityfile"):
            entry["key_file"] = str(opts["identityfile"][0])
        if opts.get("proxyjump") and str(opts["proxyjump"]).lower() != "none":
            entry["proxy_jump"] = str(opts["proxyjump"])
        out.append(entry)
    return out
