"""The access review end to end on real parts: PostgreSQL with an Odoo-shaped schema and roles
in several states, MariaDB with an account open to '%', a real sshd host whose accounts the
fixture controls, and an HR roster file. Collect, judge, decide, run a revoke on the real
server, sign, export, and the next campaign's drift."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from erpconsole.config import DatabaseConfig, Inventory, LocalConfig
from erpconsole.services.access.models import AccessPolicy
from erpconsole.services.access.os_run import run_command
from erpconsole.services.access.service import AccessReviewService
from erpconsole.services.secrets import SecretStore
from erpconsole.services.store import Store
from tests.dbservers import unique
from tests.integration.test_os_accounts_ssh import host_files, os_host, public_dir  # noqa: F401
from tests.erp_schemas import ODOO_SCHEMA, odoo_data, run_sql

pytestmark = pytest.mark.integration

ROSTER = ("employee_id,name,usernames,email,status,end_date\n"
          "E1,Alice Admin,alice,alice@example.com,active,\n"
          "E2,Bob Normal,bob,bob@example.com,left,2026-09-30\n")


@pytest.fixture
def estate(pg_database, my_admin, pg_admin, os_host, tmp_path):
    """(inventory, names): one of each source, with cleanup of the server-wide roles."""
    pg_url = pg_database()
    run_sql(pg_url, ODOO_SCHEMA + ";\n" + odoo_data())
    p = unique("rv")
    run_sql(pg_url, f'CREATE ROLE {p}_old LOGIN VALID UNTIL \'2020-01-01\';\n'
                    f"CREATE ROLE {p}_app LOGIN;\nCREATE TABLE pay (id int);\n"
                    f"GRANT SELECT ON pay TO {p}_app;\nGRANT SELECT ON pay TO PUBLIC")
    with my_admin.connect() as conn:
        conn.execute(text(f"CREATE USER '{p}_any'@'%' IDENTIFIED BY 'x1Y2z3!!'"))
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    host = os_host()
    inv = Inventory(local=LocalConfig(enabled=False), hosts=(host,), databases=(
        DatabaseConfig("erp-pg", pg_url, erp="odoo"),
        DatabaseConfig("erp-my", "mysql+pymysql://root@127.0.0.1:3306/mysql")),
        access=AccessPolicy(roster=str(roster)))
    yield inv, p, pg_url
    with my_admin.connect() as conn:
        conn.execute(text(f"DROP USER IF EXISTS '{p}_any'@'%'"))
    run_sql(pg_url, f"DROP TABLE pay;\nDROP ROLE {p}_old;\nDROP ROLE {p}_app")


def _service(tmp_path, inv):
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    service = AccessReviewService(store.engine, inv, SecretStore(), tmp_path / "own_known_hosts",
                                  store.audit, today=date.today)
    return store, service


def _rules(review) -> dict[str, set[str]]:
    return {r.account.key: {f.rule for f in r.findings} for r in review.rows}


def test_collect_judge_decide_run_sign_export_and_drift(estate, tmp_path):
    inv, p, pg_url = estate
    store, service = _service(tmp_path, inv)
    progress: list[tuple[str, int, int]] = []
    campaign = service.create_campaign("2026 Q4")
    review = service.collect(campaign.id, progress=lambda *a: progress.append(a))
    sources = {(s.source, s.system): s for s in review.extraction.sources}
    assert set(sources) == {("database", "erp-pg"), ("erp", "erp-pg"), ("database", "erp-my"),
                            ("os", "erp-app-1"), ("roster", "HR roster")}
    assert all(s.ok for s in sources.values()), [s.error for s in sources.values()]
    assert [n for _label, n, _total in progress] == [1, 2, 3, 4, 5]
    found = _rules(review)
    # Each source shows up with the findings a reviewer needs.
    assert "uid0" in found["os/erp-app-1/toor"]
    assert "departed" in found["os/erp-app-1/bob"]  # the roster says Bob left in September
    assert "privileged" in found["os/erp-app-1/alice"]  # sudo, not approved
    assert "open_host" in found[f"database/erp-my/{p}_any@%"]
    assert "public_grant" in found["database/erp-pg/PUBLIC"]
    assert "password_expired" in found[f"database/erp-pg/{p}_old"]
    assert "stale" in found["erp/erp-pg/bob"] and "departed" in found["erp/erp-pg/bob"]
    assert "no_owner" in found["erp/erp-pg/carol"]
    owners = {r.account.key: r.owner.name for r in review.rows if r.owner}
    assert owners["os/erp-app-1/alice"] == "Alice Admin"

    # A revoke, run on the real server from the review, confirmed and audited.
    key = f"database/erp-pg/{p}_old"
    row = service.decide(campaign.id, key, "revoke", "expired in 2020, nobody missed it")
    nologin = row.statements[0]
    assert nologin.text == f'ALTER ROLE "{p}_old" NOLOGIN'
    ok, message = service.run_statement(campaign.id, key, nologin)
    assert ok, message
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT rolcanlogin FROM pg_roles WHERE rolname = '{p}_old'")).scalar() is False
    engine.dispose()
    runs = [json.loads(e.details) for e in store.audit.entries(3) if e.action == "access.run"]
    assert [r["phase"] for r in runs] == ["result", "requested"] and runs[0]["ok"] is True

    for r in service.review(campaign.id).rows:
        if r.decision is None:
            service.decide(campaign.id, r.account.key, "keep", "reviewed")
    service.sign(campaign.id, "Dana Auditor")
    result = service.export(campaign.id, str(tmp_path / "evidence.zip"))
    with zipfile.ZipFile(result.path) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("sources.csv").decode("utf-8-sig"))))
        accounts = list(csv.DictReader(io.StringIO(zf.read("accounts.csv").decode("utf-8-sig"))))
    per_source = {(r["source"], r["system"]): int(r["rows"]) for r in rows}
    for (source, system), n in per_source.items():
        if source != "roster":
            assert n == sum(1 for a in accounts if (a["source"], a["system"]) == (source, system))
    assert store.audit.verify().ok

    # The next quarter: a privilege granted since the sign-off shows as drift.
    run_sql(pg_url, f"GRANT INSERT ON pay TO {p}_app")
    nxt = service.create_campaign("2027 Q1")
    drift = {r.account.key: r for r in service.collect(nxt.id).rows}
    app = next(f for f in drift[f"database/erp-pg/{p}_app"].findings if f.rule == "drift_privileges")
    assert app.extra == ("INSERT ON TABLE public.pay",)
    assert "not_revoked" not in {f.rule for f in drift[f"database/erp-pg/{p}_old"].findings}  # it was run
    store.close()


def test_a_dead_source_is_recorded_and_the_others_still_come(tmp_path):
    inv = Inventory(local=LocalConfig(enabled=False), databases=(
        DatabaseConfig("gone", "postgresql+psycopg://postgres@127.0.0.1:1/x"),
        DatabaseConfig("erp-my", "mysql+pymysql://root@127.0.0.1:3306/mysql")))
    store, service = _service(tmp_path, inv)
    review = service.collect(service.create_campaign("Q").id)
    by_system = {s.system: s for s in review.extraction.sources}
    assert not by_system["gone"].ok and "127.0.0.1" in by_system["gone"].error
    assert by_system["erp-my"].ok and by_system["erp-my"].rows > 0
    store.close()


def test_a_shell_statement_runs_over_ssh_with_its_exit_status(os_host, tmp_path):
    host = os_host()
    mark = tmp_path / "ran"
    ok, message = run_command(host, f"touch {mark} && echo made", SecretStore(), tmp_path / "own_kh", 10)
    assert ok and "made" in message and mark.exists()
    ok, message = run_command(host, "usermod -L no_such_user_here", SecretStore(), tmp_path / "own_kh", 10)
    assert not ok and "exit status 6" in message and "does not exist" in message
