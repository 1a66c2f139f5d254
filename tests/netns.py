"""Network namespaces a test makes for itself (iproute2, root): a veth link to a namespace of the
test's own, and addresses behind it that drop every packet without a word (a black hole: no
RST, no ICMP), as a host that has gone off the network looks from the console.

The names carry the test process's pid, so two runs on one machine do not meet; everything made is
removed again, also when the test fails."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


def _ip(*args: str, netns: str | None = None) -> None:
    command = ["ip", *(("-n", netns) if netns else ()), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {done.stderr.strip()}")


def available() -> str | None:
    """None when namespaces can be made here, else why not."""
    if shutil.which("ip") is None:
        return "iproute2's ip is not installed"
    if os.geteuid() != 0:
        return "making network namespaces needs root"
    return None


@dataclass(frozen=True)
class BlackHole:
    netns: str
    addresses: tuple[str, ...]


@contextmanager
def black_hole(count: int = 8) -> Iterator[BlackHole]:
    """``count`` addresses routed into a namespace that discards what reaches them (a blackhole
    route there, forwarding on): a connect to any port of them waits for its own deadline."""
    tag = os.getpid() % 200 + 20
    netns, outer, inner = f"erpc-bh{os.getpid()}", f"ebh{os.getpid()}a", f"ebh{os.getpid()}b"
    subnet = f"10.{tag}.1.0/24"
    made: list[tuple[str, ...]] = []
    try:
        _ip("netns", "add", netns)
        made.append(("netns", "del", netns))
        _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
        made.append(("link", "del", outer))
        _ip("link", "set", inner, "netns", netns)
        _ip("addr", "add", f"10.{tag}.0.1/30", "dev", outer)
        _ip("link", "set", outer, "up")
        _ip("addr", "add", f"10.{tag}.0.2/30", "dev", inner, netns=netns)
        _ip("link", "set", inner, "up", netns=netns)
        subprocess.run(["ip", "netns", "exec", netns, "sysctl", "-qw", "net.ipv4.ip_forward=1"],
                       check=True, capture_output=True, timeout=10)
        _ip("route", "add", "blackhole", subnet, netns=netns)
        _ip("route", "add", subnet, "via", f"10.{tag}.0.2")
        made.append(("route", "del", subnet))
        yield BlackHole(netns, tuple(f"10.{tag}.1.{i + 1}" for i in range(count)))
    finally:
        for undo in reversed(made):
            subprocess.run(["ip", *undo], capture_output=True, timeout=10)
