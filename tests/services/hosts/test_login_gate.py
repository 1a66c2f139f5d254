"""The login gate of one inspect run: a failed first login is not repeated by the others."""

from __future__ import annotations

import threading

import pytest

from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts.login_gate import LoginGate
from erpconsole.services.models import Health

REFUSED = CollectorError(Health.AUTH_FAILED, "login refused for root@h", "key k: refused")


def refuse():
    raise REFUSED


def test_a_reader_arriving_while_the_first_login_fails_gets_its_refusal_without_trying():
    gate, tried, seen = LoginGate(), [], []

    def second() -> None:
        try:
            gate.login("acct", 5.0, lambda: tried.append("second"))
        except CollectorError as exc:
            seen.append(exc)

    other = threading.Thread(target=second)

    def first():
        other.start()  # it asks while this login is under way, or just after it failed
        tried.append("first")
        refuse()

    with pytest.raises(CollectorError):
        gate.login("acct", 5.0, first)
    other.join(5.0)
    assert tried == ["first"]
    (exc,) = seen
    assert exc.kind is Health.AUTH_FAILED and exc.message == REFUSED.message
    assert "not tried again" in exc.detail and "key k: refused" in exc.detail


def test_after_a_login_that_worked_the_others_log_in_and_other_accounts_are_their_own():
    gate = LoginGate()
    assert gate.login("acct", 1.0, lambda: "t1") == "t1"
    assert gate.login("acct", 1.0, lambda: "t2") == "t2"
    with pytest.raises(CollectorError):
        gate.login("other", 1.0, refuse)
    assert gate.login("third", 1.0, lambda: "t3") == "t3"


def test_a_bug_in_a_login_is_no_verdict_on_the_account():
    gate = LoginGate()

    def broken():
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        gate.login("acct", 1.0, broken)
    assert gate.login("acct", 1.0, lambda: "t") == "t"
