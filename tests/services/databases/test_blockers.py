"""The head of each lock queue, named in the lock-wait finding and in inspect's JSON: on sessions
made by hand (chains, a deadlock cycle, a prepared transaction, a wait with no blocker known).
The real blocking pairs are in tests/integration/test_lock_blockers.py."""

from __future__ import annotations

import time
from dataclasses import replace

from erpconsole.services import checks
from erpconsole.services.databases import blockers as lock_text
from erpconsole.services.models import DatabaseSnapshot, DbSession, DbThresholds, Severity, blockers

NOW = 1_765_000_000.0


def holder(pid: int = 4711) -> DbSession:
    return DbSession(pid, user="odoo", application="odoo-cron", state="idle in transaction",
                     query="UPDATE stock_quant SET quantity = quantity - 1 WHERE id = 7",
                     duration_s=0.01, xact_age_s=372.0, query_start_ts=NOW - 370.0)


def waiter(pid: int, on: tuple[int, ...], wait: float) -> DbSession:
    return DbSession(pid, user="web", state="waiting", wait_event="Lock:transactionid",
                     query="UPDATE stock_quant SET quantity = 0 WHERE id = 7", duration_s=wait,
                     blocked_by=on)


def lock_findings(s: DatabaseSnapshot, t: DbThresholds | None = None) -> list:
    return [f for f in checks.db_findings(s, t or DbThresholds()) if f.check == checks.DB_LOCK_WAIT]


def test_waiters_behind_waiters_count_for_the_head_of_the_queue() -> None:
    sessions = (holder(), waiter(10, (4711,), 12.0), waiter(11, (10,), 3.0), waiter(12, (10, 4711), 1.0),
                DbSession(13, state="active", duration_s=50.0))
    [b] = blockers(sessions)
    assert b.pid == 4711 and b.session == sessions[0]
    assert [w.pid for w in b.waiting] == [10, 11, 12] and b.longest_wait_s == 12.0


def test_two_queues_the_longer_first_and_a_cycle_still_names_a_session() -> None:
    sessions = (holder(1), waiter(2, (1,), 1.0), holder(5), waiter(6, (5,), 1.0), waiter(7, (5,), 1.0),
                waiter(20, (21,), 0.5), waiter(21, (20,), 0.5))
    found = blockers(sessions)
    # The deadlock (which the server breaks within deadlock_timeout) ends the walk, not the poll.
    assert [(b.pid, len(b.waiting)) for b in found] == [(5, 2), (1, 1), (20, 1), (21, 1)]


def test_no_waiting_session_no_queue() -> None:
    assert blockers((holder(), DbSession(2, state="active"))) == ()


def test_the_finding_names_the_blocker_its_transaction_and_its_query() -> None:
    s = DatabaseSnapshot("erp-db", NOW, "postgresql",
                         sessions=(holder(), waiter(10, (4711,), 42.0), waiter(11, (4711,), 3.0)))
    [f] = lock_findings(s)
    assert (f.check, f.severity) == ("db_lock_wait", Severity.CRITICAL)
    started = time.strftime("%H:%M:%S", time.localtime(NOW - 370.0))
    assert f.message == (
        "2 sessions waiting on a lock for up to 42 s behind session 4711 (user odoo, application "
        f"odoo-cron, idle in transaction, transaction open for 6.2 min, statement started at {started} "
        "(6.17 min ago)): UPDATE stock_quant SET quantity = quantity - 1 WHERE id = 7")


def test_short_waits_are_no_finding_and_the_limits_come_from_the_inventory() -> None:
    s = DatabaseSnapshot("erp-db", NOW, "mariadb", sessions=(holder(), waiter(10, (4711,), 4.0)))
    assert lock_findings(s) == []
    [f] = lock_findings(s, DbThresholds(lock_wait_warning_s=2.0, lock_wait_critical_s=60.0))
    assert f.severity is Severity.WARNING and f.message.startswith(
        "1 session waiting on a lock for up to 4 s behind session 4711 (user odoo, ")


def test_a_blocker_the_server_does_not_name_is_said_so() -> None:
    mdl = DbSession(13, state="waiting", wait_event="Waiting for table metadata lock",
                    query="ALTER TABLE t ADD c int", duration_s=40.0)
    [f] = lock_findings(DatabaseSnapshot("erp-db", NOW, "mariadb", sessions=(mdl,)))
    assert f.severity is Severity.CRITICAL
    assert "the server does not say which session holds it" in f.message


def test_a_prepared_transaction_and_a_background_process() -> None:
    prepared = (waiter(10, (0,), 20.0),)
    [f] = lock_findings(DatabaseSnapshot("db", NOW, "postgresql", sessions=prepared))
    assert "behind a prepared transaction" in f.message and "ROLLBACK PREPARED" in f.message
    worker = (waiter(10, (99,), 20.0),)
    [f] = lock_findings(DatabaseSnapshot("db", NOW, "postgresql", sessions=worker))
    assert "behind session 99 (not a client session" in f.message


def test_json_gives_the_fields_and_a_cut_query() -> None:
    long_query = "SELECT " + ", ".join(f"c{i}" for i in range(400)) + "\n FROM t"
    h = DbSession(4711, user="odoo", state="active", query=long_query, xact_age_s=5.0,
                  query_start_ts=NOW - 5.0)
    [b] = blockers((h, waiter(10, (4711,), 2.5)))
    doc = lock_text.to_json(b)
    assert doc["pid"] == 4711 and doc["user"] == "odoo" and doc["application"] == ""
    assert doc["query_start"] == "2025-12-06T05:46:35+00:00" and doc["xact_age_s"] == 5.0
    assert len(doc["query"]) == 1000 and doc["query"].endswith("…") and "\n" not in doc["query"]
    assert (doc["waiting"], doc["waiting_pids"], doc["longest_wait_s"]) == (1, [10], 2.5)



def test_a_secret_in_the_blockers_query_reaches_neither_the_finding_nor_the_json() -> None:
    # The finding goes on to the event log in the store and to the notifications.
    setting = replace(holder(), query="ALTER ROLE odoo_cron PASSWORD 'hunter22'")
    snap = DatabaseSnapshot("erp-db", NOW, "postgresql", sessions=(setting, waiter(10, (4711,), 40.0)))
    [finding] = lock_findings(snap)
    assert finding.message.endswith("): ALTER ROLE odoo_cron PASSWORD '***'"), finding.message
    [b] = blockers(snap.sessions)
    assert lock_text.to_json(b)["query"] == "ALTER ROLE odoo_cron PASSWORD '***'"
