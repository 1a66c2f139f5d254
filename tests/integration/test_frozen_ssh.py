"""A host whose sshd session is frozen mid-poll (SIGSTOP: the kernel still acknowledges, so TCP
never gives up) costs one poll its deadline: the scheduler aborts the kept connection, the thread
comes back at once, and the next poll connects again (a new session process answers)."""

from __future__ import annotations

import signal
import threading

import psutil

from erpconsole.services.hosts.ssh_session import Timeouts
from erpconsole.services.models import Health
from erpconsole.services.scheduler import Scheduler

SLOW_COMMAND = Timeouts(connect_s=5.0, banner_s=5.0, auth_s=5.0, command_s=120.0)


def session_processes(server) -> list[psutil.Process]:
    """The sshd processes serving connections (the listener's children), not the listener."""
    return psutil.Process(server.proc.pid).children(recursive=True)


def test_a_frozen_host_times_out_and_the_poll_thread_comes_back(sshd, make_collector) -> None:
    server = sshd()
    collector = make_collector(server, timeouts=SLOW_COMMAND)
    collector.collect()  # the kept connection and its session are open
    frozen = session_processes(server)
    assert frozen
    s = Scheduler(jitter=0.0)
    heard: list = []
    cond = threading.Condition()

    def on_outcome(o) -> None:
        with cond:
            heard.append(o)
            cond.notify_all()

    s.subscribe(on_outcome)
    for p in frozen:
        p.send_signal(signal.SIGSTOP)
    try:
        s.add_target("frozen", collector, interval_s=1.0, timeout_s=2.0)
        s.start()
        with cond:
            assert cond.wait_for(lambda: any(o.health is Health.TIMEOUT for o in heard), 30)
            # The frozen session stays frozen; the aborted poll returned long before its own
            # 120 s read deadline, so the next one runs, on a new connection, and answers.
            assert cond.wait_for(lambda: heard[-1].health is Health.OK, 30), [(o.health, o.error) for o in heard]
        assert all(p.status() == psutil.STATUS_STOPPED for p in frozen)
    finally:
        s.stop()
        for p in frozen:
            try:
                p.send_signal(signal.SIGCONT)
            except psutil.NoSuchProcess:
                pass
