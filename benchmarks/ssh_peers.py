"""One fleet round by the console's collector, Fabric and Ansible: same hosts, same probe text.

N loopback sshd hosts, each its own sshd, whose sessions start an ordinary login shell (the
account's shell with a HOME holding Debian's /etc/skel files; the output says which). Each
round runs the probe the console sends (``probe.probe_command``, for the peers as the console's
own exec form ``sh -c '...'``) on every host at once, by:

- console: ``SSHCollector.collect()`` a thread per host (probe, parsing, latency keepalive;
  round 1 connects and reads the slow facts too), connections kept;
- fabric: ``ThreadingGroup.run`` (a fresh channel per host per round, connections kept);
- ansible-cp / ansible-nocp: ``ansible all -m raw -f N`` per round, ControlPersist on (its
  default ssh_args) and off.

Per tool: wall time of round 1 (with connects) and of the later rounds, client CPU per
host-poll (every process of the tool), peak memory of its processes, the hosts' CPU per poll;
a table with ratios against the console on stderr, one JSON line on stdout. Fabric and Ansible
come from a venv of their own, never the project's dependencies:

    make peers-venv      # python3 -m venv /tmp/peers-venv; pip install fabric ansible-core
    .venv/bin/python benchmarks/ssh_peers.py [--hosts 50] [--rounds 4]

(ERPCONSOLE_PEERS_VENV names another venv.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks" / "lib"))

import psutil  # noqa: E402
import sshd_fleet  # noqa: E402
from peer_tools import AnsibleTool, RunnerTool, become_subreaper  # noqa: E402

from erpconsole.services.hosts import probe  # noqa: E402

PEERS_VENV = Path(os.environ.get("ERPCONSOLE_PEERS_VENV", "/tmp/peers-venv"))
INSTALL = (f"make peers-venv (or: python3 -m venv {PEERS_VENV} && "
           f"{PEERS_VENV}/bin/pip install fabric ansible-core)")
TOOLS = ("console", "fabric", "ansible-cp", "ansible-nocp")


def peers_missing(venv: Path) -> str | None:
    py = venv / "bin" / "python"
    if not py.exists():
        return f"no venv at {venv}"
    if subprocess.run([str(py), "-c", "import fabric"], capture_output=True).returncode != 0:
        return f"fabric is not installed in {venv}"
    if not (venv / "bin" / "ansible").exists():
        return f"ansible is not installed in {venv}"
    return None


class MemorySampler:
    """Peak RSS and PSS (shared pages split between the processes) of a tool's processes."""

    def __init__(self, period: float = 0.2) -> None:
        self.period, self.tool = period, None
        self.rss = self.pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def watch(self, tool) -> None:
        self.tool, self.rss, self.pss = tool, 0, 0

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            tool = self.tool
            if tool is not None:
                self.sample(tool)

    def sample(self, tool) -> None:
        rss = pss = 0
        for p in tool.procs():
            try:
                m = p.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            rss, pss = rss + m.rss, pss + m.pss
        self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def run_tool(tool, fleet, sampler: MemorySampler, rounds: int, gap: float, hosts: int) -> dict:
    tool.start()
    sampler.watch(tool)
    walls, cpus, server, oks, busy = [], [], [], [], []
    try:
        for i in range(rounds):
            machine0, cpu0, srv0 = psutil.cpu_times(), tool.cpu_s(), fleet.server_cpu_s()
            t0 = time.perf_counter()
            oks.append(tool.round(i))
            walls.append(time.perf_counter() - t0)
            sampler.sample(tool)
            cpus.append(tool.cpu_s() - cpu0)
            server.append(fleet.server_cpu_s() - srv0)
            busy.append(sshd_fleet.machine_busy(machine0, psutil.cpu_times()))
            time.sleep(gap)  # the hosts' shells of this round finish, the machine settles
    finally:
        rss, pss = sampler.rss, sampler.pss
        sampler.watch(None)
        tool.stop()
    later = slice(1, None) if rounds > 1 else slice(0, None)

    def per_poll_ms(values: list[float]) -> float:
        return round(1000.0 * statistics.mean(values) / hosts, 3)

    return {
        "versions": tool.versions, "ok": oks, **tool.notes(),
        "round1_s": round(walls[0], 3),
        "later_s": round(statistics.median(walls[later]), 3),
        "later_rounds_s": [round(w, 3) for w in walls[1:]],
        "round1_cpu_ms_per_poll": per_poll_ms(cpus[:1]),
        "later_cpu_ms_per_poll": per_poll_ms(cpus[later]),
        "host_cpu_ms_per_poll": per_poll_ms(server[later]),
        "rss_mb": round(rss / 2**20, 1), "pss_mb": round(pss / 2**20, 1),
        "machine_busy_percent": busy,
    }


def ratios(results: dict) -> None:
    base = results.get("console")
    if base is None:
        return
    for name, r in results.items():
        r["ratio"] = {k: (round(r[k] / base[k], 1) if base[k] else None) for k in
                      ("round1_s", "later_s", "round1_cpu_ms_per_poll", "later_cpu_ms_per_poll",
                       "host_cpu_ms_per_poll", "pss_mb")}


def table(out: dict) -> str:
    shell = out["login_shell"]
    lines = [f"{out['hosts']} loopback sshd hosts, {out['rounds']} rounds; sessions: "
             f"{shell['shell']} as {shell['user']}, HOME {shell['home']} "
             f"(bash reads {shell['reads']}); load {out['load_before']} -> "
             f"{out['load_after']} on {out['cpus']} cores; (x): against the console",
             "| tool | hosts ok | round 1 s | later rounds s | client CPU ms/host-poll, round 1 "
             "| later rounds | memory PSS MB | RSS MB | host CPU ms/poll |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, r in out["tools"].items():
        x = r.get("ratio", {})

        def f(key: str) -> str:
            if name == "console" or x.get(key) is None:
                return f"{r[key]:g}"
            return f"{r[key]:g} ({x[key]:g}x)"
        cells = [name, f"{min(r['ok'])}/{out['hosts']}", f("round1_s"), f("later_s"),
                 f("round1_cpu_ms_per_poll"), f("later_cpu_ms_per_poll"), f("pss_mb"),
                 f"{r['rss_mb']:g}", f("host_cpu_ms_per_poll")]
        lines.append("| " + " | ".join(cells) + " |")
    for name, r in out["tools"].items():
        for why, n in (r.get("errors") or {}).items():
            lines.append(f"{name}: {n} x {why}")
    return "\n".join(lines)


def write_spec(tmp: Path, fleet, rounds: int) -> tuple[Path, dict]:
    rows = []
    for _ in range(rounds):
        token = probe.new_token()
        kept = probe.probe_command(token)  # what the console writes to its kept sh
        rows.append({"exec": probe.exec_line(kept), "end": f"{probe.MARKER}{probe.END} {token}"})
    spec = {"repo": str(REPO), "tmp": str(tmp), "user": sshd_fleet.login_shell(None)["user"],
            "key": str(fleet.keys.plain), "known_hosts": str(fleet.known_file),
            "hosts": [{"name": f"h{i:03d}", "port": s.port} for i, s in enumerate(fleet.servers)],
            "rounds": rows}
    path = tmp / "spec.json"
    path.write_text(json.dumps(spec))
    return path, spec


def make_tool(name: str, tmp: Path, spec_path: Path, spec: dict, fleet, timeout: float):
    if name == "console":
        return RunnerTool("console", sys.executable, spec_path, timeout)
    if name == "fabric":
        return RunnerTool("fabric", str(PEERS_VENV / "bin" / "python"), spec_path, timeout)
    return AnsibleTool(name, PEERS_VENV, tmp, spec, name == "ansible-cp", timeout,
                       fleet.listener_pids())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=4, help="round 1 connects; the rest reuse")
    ap.add_argument("--gap", type=float, default=1.0, help="seconds between rounds")
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--empty-home", action="store_true",
                    help="sessions with an empty HOME (as ssh_poll.py) instead of /etc/skel's")
    args = ap.parse_args()
    names = [t for t in args.tools.split(",") if t]
    unknown = [t for t in names if t not in TOOLS]
    if unknown:
        print(f"--tools: unknown {', '.join(unknown)}; known: {', '.join(TOOLS)}", file=sys.stderr)
        return 3
    if not sshd_fleet.sshd_mod.available():
        print(json.dumps({"benchmark": "ssh_peers", "error": "sshd or ssh-keygen missing"}))
        return 3
    missing = peers_missing(PEERS_VENV) if set(names) - {"console"} else None
    if missing:
        print(json.dumps({"benchmark": "ssh_peers", "error": missing, "install": INSTALL}))
        return 3
    become_subreaper()
    tmp = Path(tempfile.mkdtemp(prefix="erpconsole-peers-"))
    sshd_fleet.isolate(tmp)
    skel = None if args.empty_home else sshd_fleet.SKEL
    fleet = sshd_fleet.start_fleet(tmp, args.hosts, skel=skel)
    sampler = MemorySampler()
    sampler.start()
    out = {"benchmark": "ssh_peers", "hosts": args.hosts, "rounds": args.rounds,
           "cpus": os.cpu_count(), "login_shell": sshd_fleet.login_shell(skel),
           "load_before": [round(v, 2) for v in os.getloadavg()], "tools": {}}
    try:
        spec_path, spec = write_spec(tmp, fleet, args.rounds)
        timeout = 60.0 + args.hosts
        for name in names:
            tool = make_tool(name, tmp, spec_path, spec, fleet, timeout)
            out["tools"][name] = run_tool(tool, fleet, sampler, args.rounds, args.gap,
                                          args.hosts)
            if not fleet.wait_idle():
                out["tools"][name]["note"] = "sessions still open 30 s after the tool stopped"
    finally:
        sampler.stop()
        fleet.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    out["load_after"] = [round(v, 2) for v in os.getloadavg()]
    ratios(out["tools"])
    print(table(out), file=sys.stderr)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
