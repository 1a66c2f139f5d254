"""Every rule finds its case and stays quiet on a clean account."""

from __future__ import annotations

from datetime import date

import pytest

from erpconsole.services.access.models import AccessPolicy, Person, rules
from erpconsole.services.access.rules import (
    Baseline, account_findings, drift_findings, gone_findings,
)
from tests.services.access.access_samples import DAY, NOW, TODAY, account, people

POLICY = AccessPolicy(password_max_age_days=90)
ALICE, BOB, _CAROL = people()


def found(a, owner=None, policy=POLICY, roster=True) -> dict[str, str]:
    return {f.rule: f.severity.value for f in account_findings(a, owner, policy, TODAY, roster)}


def test_clean_account_has_no_findings():
    a = account("alice", "erp", "erp-db", "odoo", login_tracked=True, last_login=NOW - 3 * DAY,
                password_never_expires=False, password_changed=NOW - 10 * DAY)
    assert found(a, ALICE) == {}


def test_departed_owner_with_active_account_is_critical():
    a = account("bob", "os", "app1", "linux")
    assert found(a, BOB)["departed"] == "critical"
    assert "departed" not in found(account("bob", "os", "app1", "linux", locked=True), BOB)
    assert "departed" not in found(a, ALICE)


def test_end_date_in_the_past_counts_as_departed_even_if_status_says_active():
    gone = Person("E9", "Dee", ("dee",), status="active", end_date=date(2026, 11, 1))
    assert found(account("dee"), gone)["departed"] == "critical"
    later = Person("E9", "Dee", ("dee",), status="active", end_date=date(2026, 12, 1))
    assert "departed" not in found(account("dee"), later)


@pytest.mark.parametrize("days,rule", [(91, "stale"), (89, None)])
def test_stale_after_policy_days(days, rule):
    a = account("alice", "os", "app1", "linux", login_tracked=True, last_login=NOW - days * DAY)
    assert ("stale" in found(a, ALICE)) is (rule == "stale")


def test_stale_days_is_configurable_and_untracked_logins_are_not_stale():
    a = account("alice", "os", "app1", "linux", login_tracked=True, last_login=NOW - 40 * DAY)
    assert "stale" in found(a, ALICE, AccessPolicy(stale_days=30))
    untracked = account("alice", last_login=None, login_tracked=False)
    assert found(untracked, ALICE) == {}


def test_never_logged_in_is_info_only_where_logins_are_tracked():
    assert found(account("alice", "erp", "e", "odoo", login_tracked=True), ALICE) == {"never_logged_in": "info"}


def test_uid0_besides_root():
    assert found(account("toor", "os", "app1", "linux", superuser=True, privileges=("UID 0",)), ALICE)["uid0"] \
        == "critical"
    assert "uid0" not in found(account("root", "os", "app1", "linux", superuser=True, privileges=("UID 0",)))


def test_superuser_and_sudo_need_approval():
    assert found(account("alice", superuser=True), ALICE)["privileged"] == "warning"
    assert "privileged" not in found(account("postgres", superuser=True), ALICE)
    sudo = account("alice", "os", "app1", "linux", privileges=("GROUP sudo",))
    assert found(sudo, ALICE)["privileged"] == "warning"
    assert "privileged" not in found(account("alice", "os", "app1", "linux", privileges=("GROUP users",)), ALICE)
    assert "privileged" not in found(sudo, ALICE, AccessPolicy(approved_superusers=("alice",)))
    mysql_root = account("root@localhost", kind="mariadb", host_pattern="localhost", superuser=True)
    assert "privileged" not in found(mysql_root, ALICE)


def test_shared_generic_name_that_can_log_in():
    assert found(account("admin"), ALICE)["shared_name"] == "warning"
    assert found(account("test@%", kind="mariadb", host_pattern="%"))["shared_name"] == "warning"
    assert "shared_name" not in found(account("admin", can_login=False))
    assert "shared_name" not in found(account("alice"), ALICE)


def test_mysql_open_to_any_host():
    assert found(account("app@%", kind="mariadb", host_pattern="%"), ALICE)["open_host"] == "warning"
    assert "open_host" not in found(account("app@10.0.0.%", kind="mariadb", host_pattern="10.0.0.%"), ALICE)


def test_password_policy():
    never = account("alice", password_never_expires=True)
    assert found(never, ALICE)["no_expiry"] == "warning"
    assert "no_expiry" not in found(never, ALICE, AccessPolicy())  # no policy: not a finding
    old = account("alice", password_never_expires=False, password_changed=NOW - 120 * DAY)
    assert "120 days old" in next(f.message for f in account_findings(old, ALICE, POLICY, TODAY, True))
    assert "no_expiry" not in found(account("alice", password_changed=NOW - 10 * DAY), ALICE)


def test_expired_password_is_info():
    a = account("alice", password_expired=True, locked=True, password_expires=NOW - DAY)
    assert found(a, ALICE) == {"password_expired": "info"}


def test_grants_to_public():
    assert found(account("PUBLIC", can_login=False, privileges=("SELECT ON TABLE public.pay",)))["public_grant"] \
        == "warning"
    assert found(account("PUBLIC", can_login=False)) == {}


def test_no_owner_only_with_a_roster():
    assert found(account("zed"))["no_owner"] == "warning"
    assert "no_owner" not in found(account("zed"), roster=False)
    assert "no_owner" not in found(account("zed", can_login=False))


def test_drift_added_changed_removed_and_not_revoked():
    base = Baseline("2026 Q3", {"database/erp-db/alice": ("CREATEDB", "LOGIN"),
                                "database/erp-db/gone": ("LOGIN",)}, frozenset({"database/erp-db/bob"}))
    alice = account("alice", privileges=("LOGIN", "SUPERUSER"))
    (d,) = drift_findings(alice, base)
    assert (d.rule, d.extra, d.missing) == ("drift_privileges", ("SUPERUSER",), ("CREATEDB",))
    assert drift_findings(account("alice", privileges=("CREATEDB", "LOGIN")), base) == []
    assert drift_findings(account("new"), base)[0].rule == "drift_added"
    assert drift_findings(account("bob"), base)[0].rule == "not_revoked"
    assert drift_findings(account("bob", locked=True), base) == []
    gone = gone_findings([alice], base)
    assert [(g.key, g.rule) for g in gone] == [("database/erp-db/gone", "drift_removed")]


def test_every_rule_has_a_title_and_an_explanation():
    for rule, (title, text) in rules().items():
        assert title and len(text) > 40, rule
