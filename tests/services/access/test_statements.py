"""Statements for revoke and change: right for each system, and quoted so an odd name
cannot turn into a second statement."""

from __future__ import annotations

from erpconsole.services.access.models import AccessFinding, AccessPolicy
from erpconsole.services.access.rules import account_findings
from erpconsole.services.access.statements import statements_for
from erpconsole.services.models import Severity
from tests.services.access.access_samples import TODAY, account


def texts(a, decision, findings=(), max_age=None):
    return [s.text for s in statements_for(a, decision, list(findings), TODAY, max_age)]


def test_keep_writes_nothing():
    assert texts(account("alice"), "keep") == []


def test_postgres_revoke_disables_then_drops_with_quoted_name():
    assert texts(account('we"ird; DROP'), "revoke") == [
        'ALTER ROLE "we""ird; DROP" NOLOGIN', 'DROP ROLE "we""ird; DROP"']


def test_mysql_revoke_locks_then_drops_with_quoted_account():
    a = account("o'neil@%", kind="mariadb", host_pattern="%")
    assert texts(a, "revoke") == ["ALTER USER 'o''neil'@'%' ACCOUNT LOCK", "DROP USER 'o''neil'@'%'"]


def test_os_revoke_locks_and_leaves_admin_groups_shell_quoted():
    a = account("bad name", "os", "app1", "linux", privileges=("GROUP sudo", "GROUP users"))
    assert texts(a, "revoke") == ["usermod -L -e 1 'bad name'", "gpasswd -d 'bad name' sudo"]


def test_erp_revoke_per_profile():
    assert texts(account("o'k", "erp", "erp-db", "odoo"), "revoke") == [
        "UPDATE res_users SET active = false WHERE login = 'o''k'"]
    assert texts(account("a@x.com", "erp", "erp-db", "erpnext"), "revoke") == [
        "UPDATE `tabUser` SET enabled = 0 WHERE name = 'a@x.com'"]
    (custom,) = statements_for(account("a", "erp", "erp-db", "custom"), "revoke", [], TODAY)
    assert not custom.runnable


def test_change_answers_each_finding():
    a = account("rep", superuser=True, password_never_expires=True)
    found = account_findings(a, None, AccessPolicy(password_max_age_days=90), TODAY, False)
    assert texts(a, "change", found, 90) == ['ALTER ROLE "rep" NOSUPERUSER',
                                             "ALTER ROLE \"rep\" VALID UNTIL '2027-02-21'"]


def test_change_of_drift_revokes_the_extra_privileges():
    a = account("rep", privileges=("MEMBER OF pg_write_all_data", "SELECT ON TABLE public.pay"))
    drift = AccessFinding(a.key, "drift_privileges", Severity.WARNING, "m",
                          extra=("MEMBER OF pg_write_all_data", "SELECT ON TABLE public.pay"))
    assert texts(a, "change", [drift]) == ['REVOKE "pg_write_all_data" FROM "rep"',
                                           'REVOKE SELECT ON TABLE public.pay FROM "rep"']


def test_public_grants_are_taken_back_from_public():
    a = account("PUBLIC", can_login=False, privileges=("SELECT ON TABLE public.pay",))
    assert texts(a, "revoke") == ["REVOKE SELECT ON TABLE public.pay FROM PUBLIC"]


def test_open_host_change_is_a_template_to_edit_first():
    a = account("app@%", kind="mariadb", host_pattern="%")
    found = account_findings(a, None, AccessPolicy(), TODAY, False)
    (rename,) = statements_for(a, "change", found, TODAY)
    assert rename.text.startswith("RENAME USER 'app'@'%' TO") and not rename.runnable


def test_change_with_no_finding_says_so_instead_of_inventing():
    (s,) = statements_for(account("alice", "os", "h", "linux"), "change", [], TODAY)
    assert s.text.startswith("#") and not s.runnable


def test_mysql_role_membership_and_roles():
    a = account("app@%", kind="mariadb", host_pattern="%", privileges=("MEMBER OF `reporting`",))
    drift = AccessFinding(a.key, "drift_privileges", Severity.WARNING, "m", extra=("MEMBER OF `reporting`",))
    assert texts(a, "change", [drift]) == ["REVOKE `reporting` FROM 'app'@'%'"]
    assert texts(account("reporting", kind="mariadb", can_login=False), "revoke") == ["DROP ROLE 'reporting'"]
