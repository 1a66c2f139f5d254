"""One tool's side of ssh_peers.py, in a process of its own (so its CPU and memory are its own).

    python peer_runner.py console|fabric SPEC.json

The console runs under the project's Python, Fabric under the peers' venv (this file imports
nothing of the console's for it). SPEC.json (written by ssh_peers.py) names the hosts, the key,
the known_hosts file and, for each round, the probe text and the end line that proves an
answer whole. Then, on standard input: ``go I`` runs round I on every host at once (a thread
per host) and prints one JSON line ``{"ok": hosts answered, "errors": [why the others
did not], "cpu_s": CPU so far}``; ``quit`` closes and exits.
"""

from __future__ import annotations

import json
import resource
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def console_tool(spec: dict):
    sys.path.insert(0, spec["repo"])
    from erpconsole.config import HostConfig
    from erpconsole.services.errors import CollectorError
    from erpconsole.services.hosts.known_hosts import KnownHosts
    from erpconsole.services.hosts.ssh_collector import SSHCollector
    from erpconsole.services.secrets import SecretStore

    known = KnownHosts(Path(spec["tmp"]) / "console_known_hosts", [Path(spec["known_hosts"])])
    secrets = SecretStore()
    collectors = [SSHCollector(HostConfig(name=h["name"], address="127.0.0.1", port=h["port"],
                                          user=spec["user"], key_file=spec["key"]),
                               secrets, known) for h in spec["hosts"]]
    # A thread per host, kept from round to round, as the Monitor's lanes grow with the fleet.
    pool = ThreadPoolExecutor(max_workers=len(collectors))

    def poll(c) -> str | None:
        try:
            c.collect()  # the probe, its parsing, the latency keepalive (and facts, round 1)
            return None
        except CollectorError as exc:
            return f"{exc.kind.value}: {exc.message}"

    def round_(_i: int) -> list[str | None]:
        return list(pool.map(poll, collectors))

    def close() -> None:
        for c in collectors:
            c.close()
        pool.shutdown()

    import paramiko

    return round_, close, {"paramiko": paramiko.__version__}


def fabric_tool(spec: dict):
    import fabric
    import paramiko
    from fabric import Connection, ThreadingGroup
    from fabric.exceptions import GroupException
    from invoke.runners import Result

    conns = []
    for h in spec["hosts"]:
        c = Connection("127.0.0.1", user=spec["user"], port=h["port"], connect_timeout=10,
                       connect_kwargs={"key_filename": spec["key"], "look_for_keys": False,
                                       "allow_agent": False})
        # Fabric adds unknown keys by default; load the same known_hosts so a key is checked
        # as the console checks it.
        c.client.load_host_keys(spec["known_hosts"])
        conns.append(c)
    group = ThreadingGroup.from_connections(conns)

    def round_(i: int) -> list[str | None]:
        command, end = spec["rounds"][i]["exec"], spec["rounds"][i]["end"]
        try:
            results = group.run(command, hide=True, warn=True, in_stream=False)
        except GroupException as exc:
            results = exc.result
        return [None if isinstance(r, Result) and end in r.stdout.splitlines()
                else f"{type(r).__name__}: {r}"[:200] for r in results.values()]

    def close() -> None:
        group.close()

    return round_, close, {"fabric": fabric.__version__, "paramiko": paramiko.__version__}


def cpu_s() -> float:
    """This process's CPU so far, every thread (getrusage: finer than /proc's clock ticks)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        ru = resource.getrusage(who)
        total += ru.ru_utime + ru.ru_stime
    return total


def main() -> int:
    tool, spec_path = sys.argv[1], sys.argv[2]
    spec = json.loads(Path(spec_path).read_text())
    round_, close, versions = {"console": console_tool, "fabric": fabric_tool}[tool](spec)
    print(json.dumps({"ready": True, "versions": versions, "cpu_s": cpu_s()}), flush=True)
    try:
        for line in sys.stdin:
            word, *rest = line.split()
            if word == "quit":
                break
            failed = [e for e in round_(int(rest[0])) if e is not None]
            print(json.dumps({"ok": len(spec["hosts"]) - len(failed), "errors": failed,
                              "cpu_s": cpu_s()}), flush=True)
    finally:
        close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
