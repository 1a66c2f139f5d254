"""Network namespaces a test makes for itself (iproute2, root): a veth link to a namespace of the
test's own, and addresses behind it that drop every packet without a word (a black hole: no
RST, no ICMP), as a host that has gone off the network looks from the console; and a lossy
link into a namespace (``lossy_link``): netem where the kernel has it, else a packet relay
between two TUN devices (tests/lossy_relay.py) that drops and delays IP packets the same way.

The names carry the test process's pid, so two runs on one machine do not meet; everything made is
removed again, also when the test fails."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

RELAY = Path(__file__).with_name("lossy_relay.py")
RELAY_MAX_S = 600  # the relay stops by itself after this long, whatever happens to the test
RELAY_START_S = 10.0  # it opens two devices and says "ready": a Python start, on a busy machine


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


@dataclass(frozen=True)
class LossyLink:
    netns: str
    near: str  # this side's address (the console's)
    far: str  # the address inside the namespace, behind the lossy link
    how: str  # "netem" or "tun relay"

    def exec_prefix(self) -> list[str]:
        """Put before a command to run it inside the namespace (a server at ``far``)."""
        return ["ip", "netns", "exec", self.netns]


@contextmanager
def lossy_link(loss: float = 20, delay_ms: float = 50, seed: int = 1) -> Iterator[LossyLink]:
    """A namespace reached over a link that drops ``loss`` % of the packets sent to it and
    delays them by ``delay_ms``: ``tc qdisc add dev ... root netem loss 20% delay 50ms`` on this
    side's veth, as on a real bad link. Where the kernel has no netem (`tc` answers "Specified
    qdisc kind is unknown"), a relay process carries the IP packets between two TUN devices and
    drops and delays them itself: below TCP, so a dropped segment must be resent, as with
    netem. The answers coming back are neither dropped nor delayed in either case."""
    tag = os.getpid() % 200 + 20
    netns, near_dev, far_dev = f"erpc-ll{os.getpid()}", f"ell{os.getpid()}a", f"ell{os.getpid()}b"
    near, far = f"10.{tag}.2.1", f"10.{tag}.2.2"
    made: list[tuple[str, ...]] = []
    relay: subprocess.Popen | None = None
    try:
        _ip("netns", "add", netns)
        made.append(("netns", "del", netns))
        _ip("link", "set", "lo", "up", netns=netns)
        how = "netem"
        _ip("link", "add", near_dev, "type", "veth", "peer", "name", far_dev)
        made.append(("link", "del", near_dev))
        if not _netem(near_dev, loss, delay_ms):
            _ip("link", "del", near_dev)
            made.pop()
            how = "tun relay"
            relay = _start_relay(near_dev, far_dev, loss, delay_ms, seed)
        _ip("link", "set", far_dev, "netns", netns)
        _address(near_dev, near, far, how, None)
        _address(far_dev, far, near, how, netns)
        yield LossyLink(netns, near, far, how)
    finally:
        if relay is not None:
            relay.stdin.close()  # type: ignore[union-attr]
            try:
                relay.wait(10)
            except subprocess.TimeoutExpired:
                relay.kill()
                relay.wait(5)
        for undo in reversed(made):
            subprocess.run(["ip", *undo], capture_output=True, timeout=10)


def _netem(dev: str, loss: float, delay_ms: float) -> bool:
    """True when the kernel's netem now drops and delays what ``dev`` sends."""
    if shutil.which("tc") is None:
        return False
    done = subprocess.run(["tc", "qdisc", "add", "dev", dev, "root", "netem", "loss", f"{loss:g}%",
                           "delay", f"{delay_ms:g}ms"], capture_output=True, text=True, timeout=10)
    return done.returncode == 0


def _address(dev: str, mine: str, other: str, how: str, netns: str | None) -> None:
    if how == "tun relay":  # point to point: the peer is reached over the device itself
        _ip("addr", "add", mine, "peer", other, "dev", dev, netns=netns)
    else:
        _ip("addr", "add", f"{mine}/30", "dev", dev, netns=netns)
    _ip("link", "set", dev, "up", netns=netns)


def _start_relay(near_dev: str, far_dev: str, loss: float, delay_ms: float, seed: int
                 ) -> subprocess.Popen:
    relay = subprocess.Popen(
        [sys.executable, str(RELAY), near_dev, far_dev, f"{loss:g}", f"{delay_ms:g}", str(seed),
         str(RELAY_MAX_S)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    # It prints "ready" in one write once both devices are open, or exits: a relay that does
    # neither within RELAY_START_S (stuck opening /dev/net/tun) is killed, not waited for.
    ready, _, _ = select.select([relay.stdout], [], [], RELAY_START_S)
    line = relay.stdout.readline() if ready else ""  # type: ignore[union-attr]
    if line.strip() != "ready":
        relay.kill()
        relay.wait(5)
        said = repr(line) if ready else f"nothing within {RELAY_START_S:g} s"
        raise RuntimeError(f"the lossy relay did not start (exit {relay.poll()}): {said}")
    return relay
