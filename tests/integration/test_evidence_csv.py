"""The evidence package's CSVs open in a spreadsheet as the text they hold: a PostgreSQL role
named like a formula, read from the real server, is a cell of text, never a live link."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest

from erpconsole.config import DatabaseConfig, Inventory, LocalConfig
from erpconsole.services.access.service import AccessReviewService
from erpconsole.services.secrets import SecretStore
from erpconsole.services.store import Store
from tests.dbservers import unique
from tests.erp_schemas import run_sql

pytestmark = pytest.mark.integration


def _csv(zf: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8-sig"))))


def test_a_role_named_like_a_formula_is_text_in_the_evidence(pg_database, tmp_path):
    pg_url = pg_database()
    role = f'=HYPERLINK("http://x/{unique("f")}","y")'
    quoted = role.replace('"', '""')
    run_sql(pg_url, f'CREATE ROLE "{quoted}" LOGIN')
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        inv = Inventory(local=LocalConfig(enabled=False), databases=(DatabaseConfig("erp-pg", pg_url),))
        service = AccessReviewService(store.engine, inv, SecretStore(), tmp_path / "known_hosts",
                                      store.audit, today=date.today)
        campaign = service.create_campaign("2026 Q4")
        review = service.collect(campaign.id)
        key = next(r.account.key for r in review.rows if r.account.name == role)  # read from the server
        service.decide(campaign.id, key, "revoke", "@SUM(1+1) looks wrong", reviewer="+dba")
        with zipfile.ZipFile(service.export(campaign.id, str(tmp_path / "evidence.zip")).path) as zf:
            accounts = {a["key"]: a for a in _csv(zf, "accounts.csv")}
            decisions = _csv(zf, "decisions.csv")
            findings = _csv(zf, "findings.csv")
            sources = _csv(zf, "sources.csv")
        row = accounts[key]
        assert row["account"] == "'" + role  # a spreadsheet shows '=HYPERLINK... as text
        assert (row["comment"], row["reviewer"]) == ("'@SUM(1+1) looks wrong", "'+dba")
        assert decisions[0]["comment"] == "'@SUM(1+1) looks wrong"
        assert not any(v.startswith(("=", "+", "@")) for r in [*accounts.values(), *decisions, *findings]
                       for v in r.values())
        assert {s["system"]: s["rows"] for s in sources}["erp-pg"].isdigit()  # numbers stay numbers
    finally:
        store.close()
        run_sql(pg_url, f'DROP ROLE IF EXISTS "{quoted}"')
