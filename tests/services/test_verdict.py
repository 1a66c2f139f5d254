"""One word per target: the worst finding decides it, a failed poll names its state, and the
event log, the pages and the status bar read the same verdict."""

from erpconsole.services.health_events import event_from_verdict
from erpconsole.services.models import Finding, Health, Severity, TargetStatus, verdict


def _f(severity: Severity, message: str) -> Finding:
    return Finding(severity, "erp-app", "load", message)


def test_a_load_warning_makes_the_word_warning_not_ok():
    v = verdict(Health.OK, "", (_f(Severity.INFO, "cache warming"), _f(Severity.WARNING, "load 2.13 per core")))
    assert (v.level, v.state, v.cause, v.severity) == ("warning", "warning", "load 2.13 per core", Severity.WARNING)


def test_the_worst_finding_decides_and_the_first_of_equals_is_the_cause():
    findings = (_f(Severity.WARNING, "memory 88%"), _f(Severity.CRITICAL, "disk / 97%"),
                _f(Severity.CRITICAL, "disk /var 96%"))
    v = verdict(Health.OK, "", findings)
    assert (v.level, v.cause) == ("critical", "disk / 97%")


def test_a_failed_poll_is_critical_and_names_its_state_whatever_the_old_findings():
    v = verdict(Health.TIMEOUT, "no answer within 10 s", (_f(Severity.WARNING, "load"),))
    assert (v.level, v.state, v.cause, v.severity) == ("critical", "timeout", "no answer within 10 s",
                                                       Severity.CRITICAL)


def test_info_findings_and_no_findings_are_ok_and_pending_is_pending():
    assert verdict(Health.OK, "", (_f(Severity.INFO, "fine"),)).level == "ok"
    assert verdict(Health.OK).state == "ok"
    assert verdict(Health.PENDING, "waiting").level == "pending"


def test_target_status_level_is_the_verdicts():
    s = TargetStatus("erp-app", "host", Health.OK, "", 5.0, findings=(_f(Severity.WARNING, "load"),))
    assert s.level == s.verdict.level == "warning"


def test_the_event_for_a_word_carries_its_grade_and_cause():
    warn = verdict(Health.OK, "", (_f(Severity.WARNING, "load 2.13 per core"),))
    e = event_from_verdict("erp-app", warn, "ok", 100.0)
    assert (e.level, e.message, e.state, e.kind) == (Severity.WARNING, "erp-app: warning: load 2.13 per core",
                                                     "warning", "health")
    # A timeout is as critical in the log as it is red on the page.
    e = event_from_verdict("erp-app", verdict(Health.TIMEOUT, "no answer within 10 s"), "warning", 101.0)
    assert (e.level, e.message) == (Severity.CRITICAL, "erp-app: timeout: no answer within 10 s")
    ok = event_from_verdict("erp-app", verdict(Health.OK), "timeout", 102.0)
    assert (ok.level, ok.message) == (Severity.INFO, "erp-app is ok again (was timeout)")
    assert event_from_verdict("erp-app", verdict(Health.OK), "", 103.0).message == "erp-app is ok"


def test_inspect_and_the_report_say_the_window_s_word():
    """`inspect` keeps the health state in "status" (the contract) and adds the severity; its
    table and the daily report's host table show the same word the window does."""
    import json
    from datetime import datetime, timezone

    from erpconsole.services.inspect import HostReport, InspectionReport, to_json, to_table
    from erpconsole.services.report.daily import build_report

    load = Finding(Severity.WARNING, "erp-app", "load", "load 2.13 per core")
    access = Finding(Severity.CRITICAL, "erp-app", "access.orphan", "an account with no owner")
    report = InspectionReport(datetime.now(timezone.utc), "critical",
                              (HostReport("erp-app", Health.OK, "", None),
                               HostReport("erp-db", Health.TIMEOUT, "no answer within 10 s", None)),
                              findings=(load, access))
    hosts = {h["name"]: h for h in json.loads(to_json(report))["hosts"]}
    assert (hosts["erp-app"]["status"], hosts["erp-app"]["severity"]) == ("ok", "warning")
    assert (hosts["erp-db"]["status"], hosts["erp-db"]["severity"]) == ("timeout", "critical")
    rows = {line.split()[0]: line.split(None, 2)[1] for line in to_table(report).splitlines()[1:3]}
    assert rows == {"erp-app": "warning", "erp-db": "timeout"}
    daily = {h.name: (h.status, h.level, h.message) for h in build_report(report).hosts}
    assert daily == {"erp-app": ("warning", "warning", "load 2.13 per core"),
                     "erp-db": ("timeout", "critical", "no answer within 10 s")}
