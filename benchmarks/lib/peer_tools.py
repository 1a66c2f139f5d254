"""The tools ssh_peers.py runs a fleet round with, each behind the same small interface:

``start()``, ``round(i) -> hosts that answered whole``, ``cpu_s()`` (client CPU so far, every
process of the tool), ``procs()`` (its live processes, for memory), ``stop()``.

- ``RunnerTool``: the console's collector or Fabric, in a peer_runner.py process of its own.
- ``AnsibleTool``: one ``ansible all -m raw`` per round, as its users run an ad-hoc command,
  with ControlPersist on (Ansible's default ssh_args) or off. Its ssh ControlMaster processes
  leave the tree into the background; this process is made their subreaper so they stay ours
  to count, measure and end.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psutil

RUNNER = Path(__file__).with_name("peer_runner.py")
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def _tree_cpu(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


class RunnerTool:
    def __init__(self, name: str, python: str, spec: Path, timeout: float) -> None:
        self.name, self.python, self.spec, self.timeout = name, python, spec, timeout
        self.proc: subprocess.Popen | None = None
        self.versions: dict = {}
        self.errors: dict[str, int] = {}  # why a host did not answer: how often
        self._cpu = 0.0

    def _line(self) -> dict:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.name}: no answer within {self.timeout:g} s")
            ready, _w, _x = select.select([self.proc.stdout], [], [], left)
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"{self.name}: the runner exited ({self.proc.wait()})")
                return json.loads(line)

    def start(self) -> None:
        self.proc = subprocess.Popen([self.python, str(RUNNER), self.name, str(self.spec)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     bufsize=1)
        ready = self._line()
        self.versions, self._cpu = ready["versions"], ready["cpu_s"]

    def notes(self) -> dict:
        return {"errors": self.errors} if self.errors else {}

    def round(self, i: int) -> int:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(f"go {i}\n")
        self.proc.stdin.flush()
        answer = self._line()
        self._cpu = answer["cpu_s"]
        for e in answer["errors"]:
            self.errors[e] = self.errors.get(e, 0) + 1
        return int(answer["ok"])

    def cpu_s(self) -> float:
        """As the runner last said (its getrusage, read when it answered)."""
        return self._cpu

    def procs(self) -> list[psutil.Process]:
        return [psutil.Process(self.proc.pid)] if self.proc is not None else []

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            self.proc.wait(self.timeout)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self.proc = None


class AnsibleTool:
    """``persist``: Ansible's default ssh_args (-C -o ControlMaster=auto -o ControlPersist=60s);
    off: -C -o ControlMaster=no, a new SSH connection per host per round."""

    def __init__(self, name: str, venv: Path, tmp: Path, spec: dict, persist: bool,
                 timeout: float, sshd_pids: list[int]) -> None:
        self.name, self.persist, self.timeout = name, persist, timeout
        self.ansible = str(venv / "bin" / "ansible")
        self.spec, self.hosts = spec, len(spec["hosts"])
        self.sshd_pids = set(sshd_pids)
        self.work = tmp / name
        self.work.mkdir(exist_ok=True)
        # A short folder: a ControlPath is a Unix socket (108 bytes at most).
        self.cp_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"cp{os.getpid()}{int(persist)}"
        self.cp_dir.mkdir(exist_ok=True)
        self.inventory = self.work / "inventory.ini"
        self.inventory.write_text("[fleet]\n" + "".join(
            f"{h['name']} ansible_host=127.0.0.1 ansible_port={h['port']}\n"
            for h in spec["hosts"]))
        (self.work / "ansible.cfg").write_text("[defaults]\n")
        self.env = dict(os.environ)
        self.env.update({
            "ANSIBLE_CONFIG": str(self.work / "ansible.cfg"),
            "ANSIBLE_HOME": str(self.work / "home"),
            "ANSIBLE_LOCAL_TEMP": str(self.work / "tmp"),
            "ANSIBLE_REMOTE_USER": spec["user"],
            "ANSIBLE_PRIVATE_KEY_FILE": spec["key"],
            "ANSIBLE_TIMEOUT": "10",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_SSH_CONTROL_PATH_DIR": str(self.cp_dir),
            # The client's own config and known_hosts would be root's real ones (OpenSSH reads
            # the passwd entry's home, not $HOME): this run's, strictly checked.
            "ANSIBLE_SSH_COMMON_ARGS": (f"-F none -o UserKnownHostsFile={spec['known_hosts']} "
                                        "-o StrictHostKeyChecking=yes -o IdentitiesOnly=yes "
                                        "-o BatchMode=yes"),
            "LC_ALL": "C.UTF-8",
        })
        if not persist:
            self.env["ANSIBLE_SSH_ARGS"] = "-C -o ControlMaster=no"
        self.proc: psutil.Popen | None = None
        self.versions: dict = {}
        self.masters_seen = 0  # ControlMaster processes alive between rounds, at most
        self.errors: dict[str, int] = {}

    def start(self) -> None:
        out = subprocess.run([self.ansible, "--version"], capture_output=True, text=True,
                             env=self.env, timeout=self.timeout, check=True).stdout
        first = out.splitlines()[0] if out else ""
        self.versions = {"ansible": first.replace("[", "").replace("]", "")}
        ssh = subprocess.run(["ssh", "-V"], capture_output=True, text=True, timeout=10)
        self.versions["openssh_client"] = ssh.stderr.strip()

    def _masters(self) -> list[psutil.Process]:
        """The ControlMaster processes, children of this process (its subreaper)."""
        found = []
        for p in psutil.Process().children():
            if p.pid in self.sshd_pids or (self.proc is not None and p.pid == self.proc.pid):
                continue
            try:
                if p.name() == "ssh" and str(self.cp_dir) in " ".join(p.cmdline()):
                    found.append(p)
            except psutil.NoSuchProcess:
                continue
        return found

    def cpu_s(self) -> float:
        """Reaped processes (each round's ansible, its workers, the ssh clients) plus the
        live ControlMasters. Read between rounds, when only the masters are alive."""
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        total = ru.ru_utime + ru.ru_stime
        masters = self._masters()
        self.masters_seen = max(self.masters_seen, len(masters))
        for p in masters:
            try:
                total += _tree_cpu(p)
            except psutil.NoSuchProcess:
                continue
        return total

    def procs(self) -> list[psutil.Process]:
        live = list(self._masters())
        proc = self.proc
        if proc is not None:
            try:
                live += [proc, *proc.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        return live

    def notes(self) -> dict:
        return {"control_masters": self.masters_seen, "errors": self.errors}

    def round(self, i: int) -> int:
        r = self.spec["rounds"][i]
        cmd = [self.ansible, "all", "-i", str(self.inventory), "-m", "raw", "-a", r["exec"],
               "-f", str(self.hosts)]
        self.proc = psutil.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env=self.env, cwd=self.work, text=True)
        try:
            out, _err = self.proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self._kill_tree(self.proc)
            out, _err = self.proc.communicate()
        finally:
            self.proc = None
        lines = [line.rstrip("\r") for line in out.splitlines()]  # raw runs under a pty (-tt)
        for line in lines:
            if " | UNREACHABLE!" in line or " | FAILED" in line:
                why = line.split(" | ", 1)[1][:200]
                self.errors[why] = self.errors.get(why, 0) + 1
        return sum(1 for line in lines if line == r["end"])

    def _kill_tree(self, proc: psutil.Process) -> None:
        try:
            doomed = [proc, *proc.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for p in doomed:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass

    def stop(self) -> None:
        masters = self._masters()
        for p in masters:
            try:
                p.send_signal(signal.SIGTERM)
            except psutil.NoSuchProcess:
                pass
        for p in masters:
            try:
                os.waitpid(p.pid, 0)  # ours since the subreaper: reap them
            except ChildProcessError:
                pass
        shutil.rmtree(self.cp_dir, ignore_errors=True)
