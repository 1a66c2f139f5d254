"""A lossy IP link for kernels without netem (``CONFIG_NET_SCH_NETEM`` unset, as on this test
machine): two TUN devices, and this process carrying every IP packet between them. Packets from
the near device (the console's side) to the far one are dropped with the given probability and
the rest held for the given delay, as ``tc qdisc add dev NEAR root netem loss P% delay D ms``
would do on the near side's interface; packets coming back pass at once. It works on IP
packets, below TCP: a dropped segment is really lost and TCP must resend it (a TCP relay, like
tests/relay.py, could only delay bytes, never lose them). ICMP (ping) crosses the same way.

Run by tests/netns.py: ``python lossy_relay.py NEAR FAR LOSS_PERCENT DELAY_MS SEED MAX_S``. It
opens both devices, prints ``ready``, and carries packets until its stdin closes or MAX_S
seconds have passed, whichever is first (it always stops by itself)."""

from __future__ import annotations

import fcntl
import heapq
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
MTU = 65536


def open_tun(name: str) -> int:
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def carry(near: int, far: int, loss: float, delay_s: float, rng: random.Random,
          stop_at: float) -> None:
    held: list[tuple[float, int, bytes]] = []  # (when, sequence, packet) on the way to far
    seq = 0
    while time.monotonic() < stop_at:
        now = time.monotonic()
        while held and held[0][0] <= now:
            _when, _s, packet = heapq.heappop(held)
            _write(far, packet)
        wait = min(stop_at - now, held[0][0] - now if held else 1.0)
        ready, _, _ = select.select([near, far, sys.stdin], [], [], max(0.0, wait))
        if sys.stdin in ready and not sys.stdin.buffer.read1(1):
            return  # the test is done with the link
        if near in ready:
            packet = os.read(near, MTU)
            if rng.random() >= loss:
                seq += 1
                heapq.heappush(held, (time.monotonic() + delay_s, seq, packet))
        if far in ready:
            _write(near, os.read(far, MTU))


def _write(fd: int, packet: bytes) -> None:
    try:
        os.write(fd, packet)
    except OSError:
        pass  # the device is down (being removed): the packet is lost, as on a real link


def main(argv: list[str]) -> int:
    near_name, far_name, loss_pct, delay_ms, seed, max_s = argv
    near, far = open_tun(near_name), open_tun(far_name)
    print("ready", flush=True)
    carry(near, far, float(loss_pct) / 100.0, float(delay_ms) / 1000.0,
          random.Random(int(seed)), time.monotonic() + float(max_s))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
