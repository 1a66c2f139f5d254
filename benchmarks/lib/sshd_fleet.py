"""The loopback sshd "hosts" the SSH benchmarks share (ssh_poll.py, ssh_peers.py).

Not a benchmark itself (``make bench`` runs only ``benchmarks/*.py``). No erpconsole import:
the peers' runner loads nothing of the console's.
"""

from __future__ import annotations

import os
import pwd
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import psutil  # noqa: E402
import sshd as sshd_mod  # noqa: E402

SKEL = Path("/etc/skel")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def machine_busy(before, after) -> float:
    """Busy share of all cores between two psutil.cpu_times() readings, in percent."""
    idle = (after.idle - before.idle) + (getattr(after, "iowait", 0) - getattr(before, "iowait", 0))
    total = sum(after) - sum(before)
    return round(100.0 * (1.0 - idle / total), 1) if total > 0 else float("nan")


def isolate(tmp: Path) -> Path:
    """This process and its children: a HOME of their own (never the real ~/.ssh), no agent,
    no keyring. Returns that HOME."""
    home = tmp / "home"
    (home / ".ssh").mkdir(parents=True, exist_ok=True)
    os.environ["HOME"] = str(home)
    os.environ.pop("SSH_AUTH_SOCK", None)
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    return home


def login_shell(skel: Path | None) -> dict:
    """What the hosts' sessions start: the account's shell and what its HOME holds."""
    files = sorted(f.name for f in skel.iterdir() if f.is_file()) if skel is not None else []
    return {
        "user": pwd.getpwuid(os.getuid()).pw_name,
        "shell": pwd.getpwuid(os.getuid()).pw_shell,
        "home": f"copy of {skel}: {' '.join(files)}" if skel is not None else "empty",
        # Checked: Debian's bash reads ~/.bashrc for every command sshd starts (bash -c, with
        # or without a pty); the skel one returns at once when not interactive. .profile is
        # for login shells, which none of the tools asks for.
        "reads": ".bashrc for each command sshd starts" if skel is not None else "nothing",
        "skel_files": files,
    }


@dataclass
class Fleet:
    servers: list
    keys: object  # sshd_mod.ClientKeys
    known_file: Path  # every server's host key, known_hosts format
    skel: Path | None

    def kill(self) -> None:
        for s in self.servers:
            s.kill()

    def listener_pids(self) -> list[int]:
        return [s.proc.pid for s in self.servers if s.proc is not None]

    def server_cpu_s(self) -> float:
        """CPU used so far by every sshd and what it started (sessions, shells, probes):
        each live process's own time plus that of the children it has reaped."""
        kids: dict[int, list[int]] = {}
        times: dict[int, float] = {}
        for p in psutil.process_iter(["ppid", "cpu_times"]):
            t = p.info["cpu_times"]
            if t is None:
                continue
            kids.setdefault(p.info["ppid"], []).append(p.pid)
            times[p.pid] = t.user + t.system + t.children_user + t.children_system
        total, todo = 0.0, list(self.listener_pids())
        while todo:
            pid = todo.pop()
            total += times.get(pid, 0.0)
            todo.extend(kids.get(pid, ()))
        return total

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Until no sshd has a session left (the last tool's connections are gone)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = False
            for pid in self.listener_pids():
                try:
                    if psutil.Process(pid).children():
                        busy = True
                        break
                except psutil.NoSuchProcess:
                    continue
            if not busy:
                return True
            time.sleep(0.1)
        return False


def start_fleet(tmp: Path, count: int, *, skel: Path | None = None, max_sessions: int = 10,
                max_startups: str = "10:30:100") -> Fleet:
    """``count`` sshd instances on 127.0.0.1, one key pair authorized on all of them."""
    keys = sshd_mod.ClientKeys.create(tmp / "keys")
    servers = [sshd_mod.Sshd(tmp / f"sshd{i}", keys, max_sessions=max_sessions,
                             max_startups=max_startups, skel=skel) for i in range(count)]
    known_file = tmp / "known_hosts"
    known_file.write_text("".join(s.known_hosts_line for s in servers))
    fleet = Fleet(servers, keys, known_file, skel)
    try:
        for s in servers:
            s.start()
    except BaseException:
        fleet.kill()
        raise
    return fleet
