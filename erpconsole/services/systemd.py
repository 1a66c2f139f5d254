"""``erpconsole agent`` under systemd: the unit ``--print-systemd-unit`` prints, and the
readiness and status lines of ``Type=notify`` (sd_notify's datagram, without libsystemd).

The unit runs the agent as the user who printed it, with that user's folders: the store, the
log, the console's own known_hosts and the keyring all live there. The hardening set keeps
what the agent needs: the home folder is read-only (inventory, ~/.ssh keys, a file keyring)
except the data and log folders (and the SQLite store's folder), which stay writable; AF_UNIX
stays allowed for the D-Bus session bus of the Secret Service keyring, ssh-agent and the
notify socket; no capabilities, no new privileges, no devices, private /tmp.
"""

from __future__ import annotations

import getpass
import os
import socket
import sys
from pathlib import Path

import platformdirs
from sqlalchemy.engine import make_url

from erpconsole.i18n import _

APP_NAME = "erpconsole"
# The environment the agent's folders and keyring come from: carried into the unit when set,
# so the service uses the folders of the person who printed it.
CARRIED_ENV = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME",
               "PYTHON_KEYRING_BACKEND")


def notify(state: str) -> bool:
    """Tells systemd ``state`` (READY=1, STATUS=..., STOPPING=1) when it runs us with
    Type=notify; False (and nothing done) otherwise or when the socket refuses."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.settimeout(1.0)
            sock.connect(address)
            sock.sendall(state.encode("utf-8"))
        return True
    except OSError:
        return False


def executable() -> list[str]:
    """How this agent was started, as absolute paths. Not resolved through symlinks: a virtual
    environment's python is a symlink to the system's, and the resolved one has no packages."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if argv0 and Path(argv0).name != "__main__.py" and not argv0.endswith(".py"):
        found = argv0 if os.sep in argv0 else (_which(argv0) or argv0)
        if os.path.isfile(found):
            return [os.path.abspath(found)]
    return [os.path.abspath(sys.executable), "-m", "erpconsole"]


def _which(name: str) -> str | None:
    import shutil

    return shutil.which(name)


class UnitError(ValueError):
    """What keeps a unit from being printed, said for a person."""


def unit_text(inventory: str | None, store: str | None, lease_s: float | None = None) -> str:
    """The unit file. Raises UnitError for a store URL that holds a password: a unit file is
    readable by every local user (``systemctl cat``)."""
    from erpconsole.guards.urls import url_secret

    if store and url_secret(store):
        raise UnitError(_("the store URL holds a password, and a unit file is readable by every "
                          "user of this machine: keep the password in ~/.pgpass (or PGPASSFILE) and "
                          "give the URL without it"))
    command = [*executable(), "agent"]
    if inventory:
        command += ["--inventory", os.path.abspath(os.path.expanduser(inventory))]
    if store:
        command += ["--store", store]
    if lease_s is not None:
        command += ["--lease", f"{lease_s:g}"]
    environment = [f"Environment={_quote(f'{k}={os.environ[k]}')}" for k in CARRIED_ENV
                   if os.environ.get(k)]
    lines = [
        "# erpconsole agent: polling, alert rules and notifications, without a window.",
        "# Written by `erpconsole agent --print-systemd-unit`. Install it with:",
        "#   sudo cp THIS_FILE /etc/systemd/system/erpconsole-agent.service",
        "#   sudo systemctl daemon-reload && sudo systemctl enable --now erpconsole-agent",
        "# and read what it says with: journalctl -u erpconsole-agent",
        "[Unit]",
        "Description=erpconsole agent (polling, alert rules, notifications)",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=notify",
        "NotifyAccess=main",
        f"User={_user()}",
        "ExecStart=" + " ".join(_quote(part) for part in command),
        "Restart=on-failure",
        "RestartSec=10",
        "# Exit 3 is a bad inventory or store URL: starting again would not fix it.",
        "RestartPreventExitStatus=3",
        "TimeoutStopSec=15",
        "Environment=PYTHONUNBUFFERED=1",
        *environment,
        "# Secrets stay in keyring or in variables named by the inventory (password_env ...);",
        "# such variables may come from a file only this user reads (chmod 600):",
        "EnvironmentFile=-" + str(Path(platformdirs.user_config_dir(APP_NAME)) / "agent.env"),
        "# The Secret Service keyring needs the user's D-Bus session (loginctl enable-linger USER):",
        f"# Environment=DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/{os.getuid()}/bus",
        "UMask=0077",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=",
        "ProtectSystem=strict",
        "ProtectHome=read-only",
        "ReadWritePaths=" + " ".join(_quote(p) for p in _writable(store)),
        *_private_tmp(inventory, store),
        "PrivateDevices=yes",
        "ProtectKernelTunables=yes",
        "ProtectKernelModules=yes",
        "ProtectKernelLogs=yes",
        "ProtectControlGroups=yes",
        "ProtectClock=yes",
        "ProtectHostname=yes",
        "RestrictSUIDSGID=yes",
        "RestrictRealtime=yes",
        "RestrictNamespaces=yes",
        "LockPersonality=yes",
        "SystemCallArchitectures=native",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ]
    return "\n".join(lines) + "\n"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def _writable(store: str | None) -> list[str]:
    """The data folder (default store, own known_hosts, SOP folder), the log folder, and the
    folder of a SQLite store given elsewhere (its -wal and -shm files are made beside it)."""
    paths = [platformdirs.user_data_dir(APP_NAME), platformdirs.user_log_dir(APP_NAME)]
    if store:
        url = make_url(store)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            paths.append(str(Path(url.database).expanduser().resolve().parent))
    # "-" before a path: a folder that does not exist yet does not stop the unit.
    return [f"-{p}" for p in dict.fromkeys(paths)]


def _private_tmp(inventory: str | None, store: str | None) -> list[str]:
    """PrivateTmp gives the service a /tmp of its own: not for an inventory or store kept in
    the machine's /tmp, which the agent would then not find."""
    paths = [os.path.abspath(os.path.expanduser(inventory))] if inventory else []
    if store:
        url = make_url(store)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            paths.append(str(Path(url.database).expanduser().resolve()))
    if any(Path(p).is_relative_to(tmp) for p in paths for tmp in ("/tmp", "/var/tmp")):
        return ["# No PrivateTmp: the inventory or the store is in /tmp."]
    return ["PrivateTmp=yes"]


def _quote(part: str) -> str:
    """systemd's own quoting: double quotes, with backslash and quote escaped, % (a specifier)
    and $ (a variable) doubled."""
    if part and all(c.isalnum() or c in "/-_.:@+=,^" for c in part):
        return part
    escaped = part.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("%", "%%").replace("$", "$$") + '"'
