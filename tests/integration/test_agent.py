"""`erpconsole agent` as a real subprocess: it polls a loopback sshd host and the machine's
PostgreSQL into the store, stops on SIGTERM or SIGINT within 10 s with exit 0, refuses a bad
inventory with FILE:LINE and exit 3, loads no Qt, and of two agents on one store one
evaluates the rules until it is killed, then the other takes over."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

import pytest

from tests.limits import NEVER_CROSSED_TOML
from tests.services.notify.servers import HttpServer
from tests.integration.agent_proc import AgentProc, agent_env, store_rows, wait_until

pytestmark = pytest.mark.integration


def inventory(tmp_path: Path, server, client_keys, db_url: str | None = None) -> Path:
    known = tmp_path / "known_hosts"
    known.write_text(server.known_hosts_line)
    text = ("[local]\nenabled = false\n\n"
            f'[[hosts]]\nname = "app-1"\naddress = "127.0.0.1"\nport = {server.port}\nuser = "root"\n'
            f'key_file = "{client_keys.plain}"\nknown_hosts = "{known}"\ninterval_s = 1\n'
            f"[hosts.thresholds]\n{NEVER_CROSSED_TOML}\n")  # a busy test machine fires no load alert
    if db_url:
        text += f'[[databases]]\nname = "erp-db"\nurl = "{db_url}"\ninterval_s = 1\n'
    path = tmp_path / "inventory.toml"
    path.write_text(text)
    return path


def samples_of(store: str) -> set[str]:
    return {t for (t,) in store_rows(store, "SELECT DISTINCT s.target FROM samples x "
                                            "JOIN series s ON s.id = x.series_id")}


def notify_socket(tmp_path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify.sock"))
    sock.settimeout(30)
    return sock


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_agent_polls_into_the_store_and_stops_on_a_signal(tmp_path, sshd, client_keys,
                                                              pg_database, signum):
    server = sshd()
    store = pg_database()
    inv = inventory(tmp_path, server, client_keys, pg_database())
    sock = notify_socket(tmp_path)
    agent = AgentProc(["--inventory", str(inv), "--store", store],
                      agent_env(tmp_path, NOTIFY_SOCKET=str(tmp_path / "notify.sock")))
    try:
        assert sock.recv(4096) == b"READY=1"
        agent.wait_line("evaluates the alert rules and sends the notifications", 60)
        assert sock.recv(4096).startswith(b"STATUS=this agent")
        wait_until(lambda: samples_of(store) == {"app-1", "erp-db"}, 60,
                   "samples of the sshd host and the database in the store")
        maps = agent.loaded_libraries()
        assert "PySide6" not in maps and "libQt6" not in maps

        code, elapsed = agent.stop(signum)
        assert code == 0, agent.lines
        assert elapsed < 10, elapsed
        assert sock.recv(4096) == b"STOPPING=1"
    finally:
        agent.kill()
        sock.close()
    assert agent.said("agent stopped")
    events = [m for (m,) in store_rows(store, "SELECT message FROM events WHERE kind = 'agent' ORDER BY id")]
    assert events[0].startswith("agent started") and events[-1].startswith("agent stopped"), events
    assert store_rows(store, "SELECT holder FROM alert_lock") == []  # given up at the stop


BAD_INVENTORIES = {
    "a port that is not a number": '[[hosts]]\nname = "app-1"\naddress = "127.0.0.1"\nport = "twenty-two"\n',
    "a rule on a metric that does not exist": '[[hosts]]\nname = "app-1"\naddress = "127.0.0.1"\n\n'
                                               '[[rules]]\nname = "hot"\nmetric = "no_such_metric"\nthreshold = 1\n',
}


@pytest.mark.parametrize("case", list(BAD_INVENTORIES))
def test_a_bad_inventory_is_refused_with_its_line_and_exit_3(tmp_path, case):
    inv = tmp_path / "inventory.toml"
    inv.write_text(BAD_INVENTORIES[case])
    agent = AgentProc(["--inventory", str(inv), "--store", f"sqlite:///{tmp_path / 's.sqlite3'}"],
                      agent_env(tmp_path))
    try:
        code = agent.proc.wait(60)
    finally:
        agent.kill()
    assert code == 3
    assert any(f"{inv}:" in line for line in agent.lines), agent.lines
    assert not (tmp_path / "s.sqlite3").exists()  # refused before anything started


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_of_two_agents_on_one_store_the_second_takes_over_when_the_first_is_killed(
        tmp_path, sshd, client_keys, pg_database, backend):
    server = sshd()
    store = pg_database() if backend == "postgresql" else f"sqlite:///{tmp_path / 'store.sqlite3'}"
    inv = inventory(tmp_path, server, client_keys)
    args = ["--inventory", str(inv), "--store", store, "--lease", "3"]
    first = AgentProc(args, agent_env(tmp_path))
    second = None
    try:
        first.wait_line("evaluates the alert rules", 60)
        second = AgentProc(args, agent_env(tmp_path))
        line = second.wait_line("runs the collectors only", 60)
        assert f":{first.pid} evaluates the alert rules" in line, line
        assert [h for (h,) in store_rows(store, "SELECT holder FROM alert_lock")][0].endswith(f":{first.pid}")

        first.proc.send_signal(signal.SIGKILL)  # no clean stop: the lease is left to lapse
        first.proc.wait(10)
        line = second.wait_line(f":{second.pid}) evaluates the alert rules and sends", 30)
        assert line.startswith("erpconsole: this agent ("), line
        assert [h for (h,) in store_rows(store, "SELECT holder FROM alert_lock")][0].endswith(f":{second.pid}")
        code, elapsed = second.stop(signal.SIGTERM)
        assert code == 0 and elapsed < 10
    finally:
        first.kill()
        if second is not None:
            second.kill()
    assert "app-1" in samples_of(store)  # both polled all along


def test_the_lease_holder_fires_one_alert_for_a_dead_host_and_sends_it_once(tmp_path, sshd, client_keys):
    server = sshd()
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    with HttpServer() as hook:
        inv = inventory(tmp_path, server, client_keys)
        inv.write_text("[alerts]\nfor_s = 2\nclear_s = 2\n\n" + inv.read_text() +
                       f'\n[[channels]]\nname = "hook"\nkind = "webhook"\nurl = "{hook.url}/alerts"\n'
                       '\n[[routes]]\nseverity = "critical"\nchannels = ["hook"]\n')
        args = ["--inventory", str(inv), "--store", store, "--lease", "3"]
        first = AgentProc(args, agent_env(tmp_path))
        second = None
        try:
            first.wait_line("evaluates the alert rules", 60)
            second = AgentProc(args, agent_env(tmp_path))
            second.wait_line("runs the collectors only", 60)
            wait_until(lambda: "app-1" in samples_of(store), 60, "samples of app-1")

            server.kill()  # both agents see app-1 unreachable; one judges it and sends
            wait_until(lambda: [r.json()["transition"] for r in hook.requests] == ["firing"], 60,
                       "the webhook told of the firing alert")
            wait_until(lambda: store_rows(store, "SELECT COUNT(*) FROM events WHERE target = 'app-1' "
                                                 "AND state = 'unreachable'") == [(1,)], 30,
                       "the holder's line for app-1 in the event log")
            body = hook.requests[0].json()
            assert (body["rule"], body["target"], body["severity"], body["state"]) == (
                "target_down", "app-1", "critical", "firing")
            server.start()
            wait_until(lambda: [r.json()["transition"] for r in hook.requests] == ["firing", "resolved"],
                       90, "the webhook told of the resolution once app-1 answers")
            assert store_rows(store, "SELECT rule, state FROM alerts") == [("target_down", "resolved")]
            assert store_rows(store, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == [(0,)]
            # Both agents saw it go down and come back; the event log has it once, the holder's.
            assert store_rows(store, "SELECT state, COUNT(*) FROM events WHERE target = 'app-1' "
                                     "AND kind = 'health' GROUP BY state ORDER BY state") == [
                ("ok", 2), ("unreachable", 1)]
        finally:
            first.kill()
            if second is not None:
                second.kill()
    assert len(hook.requests) == 2  # one agent judged and sent: not one alert or mail per agent


def test_the_agent_reads_the_backup_sets_and_logs_what_it_found(tmp_path):
    missing = tmp_path / "no-such-dumps"
    inv = tmp_path / "inventory.toml"
    inv.write_text('[local]\nenabled = false\n\n[[backups]]\nname = "erp dumps"\ntool = "dumpdir"\n'
                   f'repo = "{missing}"\npattern = "*.dump"\n')
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    agent = AgentProc(["--inventory", str(inv), "--store", store], agent_env(tmp_path))
    try:
        wait_until(lambda: store_rows(store, "SELECT level FROM events WHERE kind = 'backup' "
                                             "AND target = 'erp dumps'") == [("critical",)], 60,
                   "the set read and its state in the event log")
        line = agent.wait_line("backup set erp dumps", 10)  # a warning on stderr, one line
        assert str(missing) in line or "erp dumps" in line
        code, _elapsed = agent.stop()
        assert code == 0
    finally:
        agent.kill()


def test_a_poll_hung_on_a_frozen_host_does_not_hold_the_stop(tmp_path, sshd, client_keys):
    import psutil

    server = sshd()
    inv = inventory(tmp_path, server, client_keys)
    inv.write_text(inv.read_text().replace("interval_s = 1\n", "interval_s = 1\ntimeout_s = 120\n"))
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    agent = AgentProc(["--inventory", str(inv), "--store", store], agent_env(tmp_path))
    frozen = []
    try:
        wait_until(lambda: "app-1" in samples_of(store), 60, "samples of app-1")
        root = psutil.Process(server.proc.pid)
        frozen = [root, *root.children(recursive=True)]
        for p in frozen:  # the kernel still answers TCP; sshd says nothing more
            p.send_signal(signal.SIGSTOP)
        # No sample for 2 s at a 1 s interval: a poll waits on the frozen host (its deadline
        # is 120 s), and the stop must not wait for it.
        wait_until(lambda: store_rows(store, "SELECT MAX(ts) FROM samples")[0][0] < time.time() - 2, 30,
                   "app-1 answering no more")
        code, elapsed = agent.stop(signal.SIGTERM)
        assert code == 0, agent.lines
        assert elapsed < 10, elapsed
    finally:
        agent.kill()
        for p in frozen:
            try:
                p.send_signal(signal.SIGCONT)
            except psutil.NoSuchProcess:
                pass


def test_a_store_that_is_not_there_yet_is_waited_for_and_what_was_polled_meanwhile_is_kept(
        tmp_path, sshd, client_keys, pg_admin):
    from sqlalchemy import text

    from tests.dbservers import unique

    server = sshd()
    name = unique("erpc_test_later")
    store = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    agent = AgentProc(["--inventory", str(inventory(tmp_path, server, client_keys)), "--store", store],
                      agent_env(tmp_path))
    try:
        agent.wait_line("could not open", 60)
        agent.wait_line("polling meanwhile", 1)
        with pg_admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        agent.wait_line("evaluates the alert rules", 60)  # the retry 5 s later opened it
        opened = time.time()
        wait_until(lambda: "app-1" in samples_of(store), 30, "samples in the store once it opened")
        first = store_rows(store, "SELECT MIN(x.ts) FROM samples x")[0][0]
        assert first < opened - 1  # polled while the store was away, written once it opened
        code, _elapsed = agent.stop()
        assert code == 0
    finally:
        agent.kill()
        with pg_admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_a_notification_not_delivered_when_the_agent_is_killed_is_sent_by_the_next_one(
        tmp_path, sshd, client_keys):
    server = sshd()
    store = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    with HttpServer(answer=lambda _request: (500, b"gateway down")) as hook:
        inv = inventory(tmp_path, server, client_keys)
        inv.write_text("[alerts]\nfor_s = 2\n\n" + inv.read_text() +
                       f'\n[[channels]]\nname = "hook"\nkind = "webhook"\nurl = "{hook.url}/alerts"\n'
                       '\n[[routes]]\nseverity = "critical"\nchannels = ["hook"]\n')
        args = ["--inventory", str(inv), "--store", store, "--lease", "3"]
        first = AgentProc(args, agent_env(tmp_path))
        second = None
        try:
            first.wait_line("evaluates the alert rules", 60)
            wait_until(lambda: "app-1" in samples_of(store), 60, "samples of app-1")
            server.kill()
            wait_until(lambda: store_rows(store, "SELECT last_error FROM outbox WHERE sent_at IS NULL "
                                                 "AND last_error IS NOT NULL"), 60,
                       "the firing row tried once and kept with why it was not delivered")
            first.proc.send_signal(signal.SIGKILL)
            first.proc.wait(10)
            hook.answer = None  # the gateway answers again

            second = AgentProc(args, agent_env(tmp_path))
            second.wait_line(f":{second.pid}) evaluates the alert rules", 60)
            wait_until(lambda: store_rows(store, "SELECT COUNT(*) FROM outbox WHERE transition = 'firing' "
                                                 "AND sent_at IS NOT NULL") == [(1,)], 90,
                       "the firing row delivered by the agent that took over")
        finally:
            first.kill()
            if second is not None:
                second.kill()
    firing = [r for r in hook.requests if r.json()["transition"] == "firing"]
    assert len({r.headers["idempotency-key"] for r in firing}) == 1  # one notification, retried
    assert firing[-1].json()["target"] == "app-1"


@pytest.mark.parametrize("args, said", [
    (["--store", "nonsense://nowhere"], "is not a store URL this console can open"),
    (["--lease", "0"], "--lease takes seconds from 1 to 3600"),
])
def test_a_bad_store_url_or_lease_is_refused_with_exit_3(tmp_path, args, said):
    inv = tmp_path / "inventory.toml"
    inv.write_text("[local]\nenabled = false\n")
    agent = AgentProc(["--inventory", str(inv), *args], agent_env(tmp_path))
    try:
        code = agent.proc.wait(60)
    finally:
        agent.kill()
    assert code == 3
    assert any(said in line for line in agent.lines), agent.lines


def test_everything_the_agent_writes_is_inside_the_units_writable_paths(tmp_path, sshd, client_keys):
    """ProtectSystem=strict and ProtectHome=read-only leave only ReadWritePaths writable: an
    agent that wrote anywhere else would fail under the printed unit."""
    import os
    import subprocess
    import sys

    server = sshd()
    stores = tmp_path / "stores"
    stores.mkdir()
    store = f"sqlite:///{stores / 'store.sqlite3'}"
    inv = inventory(tmp_path, server, client_keys)
    env = agent_env(tmp_path)
    unit = subprocess.run([sys.executable, "-m", "erpconsole", "agent", "--print-systemd-unit",
                           "--inventory", str(inv), "--store", store],
                          capture_output=True, text=True, timeout=60, env=env, check=True).stdout
    [paths] = [line.split("=", 1)[1] for line in unit.splitlines() if line.startswith("ReadWritePaths=")]
    writable = [Path(p.lstrip("-")) for p in paths.split()]
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    started = time.time()

    agent = AgentProc(["--inventory", str(inv), "--store", store], env)
    try:
        wait_until(lambda: "app-1" in samples_of(store), 60, "samples of app-1")
        code, _elapsed = agent.stop()
        assert code == 0
    finally:
        agent.kill()
    home = Path(os.environ["HOME"])
    watched = [home, stores, *(tmp_path / v for v in ("xdg_config_home", "xdg_data_home",
                                                      "xdg_state_home", "xdg_cache_home"))]
    written = [p for root in watched if root.exists() for p in root.rglob("*")
               if p.is_file() and (p not in before or p.stat().st_mtime >= started)]
    assert any(p.name == "store.sqlite3" for p in written) and any(p.suffix == ".log" for p in written)
    outside = [str(p) for p in written if not any(p.is_relative_to(w) for w in writable)]
    assert outside == [], (outside, writable)
