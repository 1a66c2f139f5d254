"""A command run in a private mount namespace where some paths of this machine show files a
test wrote (/etc/passwd, /etc/sudoers, /var/log/lastlog, ...): the test asserts on the state it
built, whatever accounts or sudo this machine has. Needs util-linux ``unshare`` and root, or
else a user namespace (the command then runs as its root); the machine's own files are never
written. No pytest import: the benchmarks use it too.
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
from functools import cache
from pathlib import Path


def _unshare() -> list[str]:
    if os.geteuid() == 0:
        return ["unshare", "--mount"]
    return ["unshare", "--user", "--map-root-user", "--mount"]


@cache
def available() -> bool:
    if shutil.which("unshare") is None:
        return False
    try:
        return subprocess.run([*_unshare(), "true"], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def namespace_command(command: list[str], mounts: dict[str, Path], scratch: Path) -> list[str]:
    """``command`` seeing ``mounts`` ({path here: file or folder shown there}). ``scratch`` is a
    folder of the test's for the overlay layers. unshare and sh exec in turn: the pid is the
    command's own."""
    steps = overlay_steps(mounts, scratch)
    steps += [f"mount --bind {shlex.quote(str(src))} {shlex.quote(dst)}"
              for dst, src in mounts.items()]
    return [*_unshare(), "sh", "-c", f'{" && ".join(steps)} && exec "$@"', "sh", *command]


def overlay_steps(mounts: dict[str, Path], scratch: Path) -> list[str]:
    """A path this machine lacks (no /etc/sudoers where sudo is not installed) cannot be
    bound over: its folder is shown through a read-only overlay whose upper layer holds an
    empty file or folder of that name, which the bind then covers."""
    layers: dict[str, Path] = {}
    for dst, src in mounts.items():
        if os.path.lexists(dst):
            continue
        parent = Path(dst).parent
        while not parent.exists():  # a missing folder is made inside the nearest one
            parent = parent.parent
        layer = layers.setdefault(str(parent), scratch / f"layer{len(layers)}")
        placeholder = layer / Path(dst).relative_to(parent)
        placeholder.parent.mkdir(parents=True, exist_ok=True)
        if Path(src).is_dir():
            placeholder.mkdir(exist_ok=True)
        else:
            placeholder.touch()
        # The overlay's folders take the top layer's modes: a 0700 one (umask) would shut a
        # user who is not root out of /etc.
        for folder in (layer, *[p for p in placeholder.parents if layer in p.parents]):
            folder.chmod(0o755)
        layer.chmod(stat.S_IMODE(parent.stat().st_mode))
    return [f"mount -t overlay overlay -o "
            f"{shlex.quote(f'lowerdir={layer}:{parent}')} {shlex.quote(parent)}"
            for parent, layer in layers.items()]


def read_only_command(command: list[str], folder: Path) -> list[str]:
    """``command`` seeing ``folder`` as read-only media (a bind of it onto itself, remounted
    read-only): writes there fail with EROFS, for root too, which chmod does not stop."""
    where = shlex.quote(str(folder))
    steps = [f"mount --bind {where} {where}", f"mount -o remount,bind,ro {where}"]
    return [*_unshare(), "sh", "-c", f'{" && ".join(steps)} && exec "$@"', "sh", *command]
