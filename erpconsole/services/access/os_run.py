"""One confirmed shell command of the review (usermod -L, gpasswd -d ...) on a host over SSH,
or on this workstation: its output and exit status become the answer the reviewer sees."""

from __future__ import annotations

import re
from pathlib import Path

from erpconsole.services.access.os_exec import run_local, run_ssh
from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts.probe import END, MARKER, new_token, wrap_command
from erpconsole.i18n import _
from erpconsole.services.secrets import SecretStore

_EXIT = "erpconsole-exit"
_EXIT_RE = re.compile(rf"^{_EXIT} (\d+)\s*$", re.MULTILINE)


def _script(command: str) -> str:
    # Its own stderr is kept (the reason a usermod failed); the probe's wrapper drops stderr.
    return f"(\n{command}\n) 2>&1\nprintf '\\n{_EXIT} %s\\n' \"$?\"\n"


def run_command(host, command: str, secrets: SecretStore | None = None,
                known_hosts_path: str | Path | None = None, timeout_s: float = 30.0) -> tuple[bool, str]:
    """(ok, what happened); ``host`` None is this workstation. Never raises for a failure."""
    token = new_token()
    text = wrap_command(_script(command), token)
    try:
        out = run_local(text, timeout_s, listing=False) if host is None else \
            run_ssh(host, text, token, secrets, known_hosts_path, timeout_s, listing=False)
    except CollectorError as exc:
        return False, exc.message
    found = _EXIT_RE.search(out)
    output = _EXIT_RE.sub("", out.split(f"\n{MARKER}{END}", 1)[0]).strip()
    if found is None:
        return False, _("the command's end was not seen (the connection closed first); check on "
                        "the host whether it ran: {output}").format(output=output[-300:] or "-")
    code = int(found.group(1))
    if code != 0:
        return False, _("exit status {code}: {output}").format(code=code, output=output[-300:] or "-")
    return True, _("done: {output}").format(output=output[-300:]) if output else _("done")
