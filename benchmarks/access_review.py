"""The access review at the size of a real ERP estate: how long reading the accounts takes
from the machine's real PostgreSQL (ROLES login roles, each with a table grant) and MariaDB
(ACCOUNTS accounts, one SHOW GRANTS each), and how long the review page waits for the rows
(owners matched against a roster, every rule) and for one decision to be saved.

    .venv/bin/python benchmarks/access_review.py [--roles 2000] [--accounts 500] [--people 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402

from erpconsole.config import DatabaseConfig, Inventory  # noqa: E402
from erpconsole.services.access.db_accounts import read_database_accounts  # noqa: E402
from erpconsole.services.access.models import Account, Extraction, Person  # noqa: E402
from erpconsole.services.access.service import AccessReviewService  # noqa: E402
from erpconsole.services.store import Store  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
MY = "mysql+pymysql://root@127.0.0.1:3306/"
PREFIX = "bench_acc"


def _timed(fn, runs: int) -> tuple[list[float], object]:
    out, result = [], None
    for _i in range(runs):
        t = time.perf_counter()
        result = fn()
        out.append((time.perf_counter() - t) * 1000)
    return out, result


def pg_read(roles: int, runs: int) -> dict:
    admin = create_engine(PG + "postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {PREFIX}"))
        c.execute(text(f"CREATE DATABASE {PREFIX}"))
    db = create_engine(PG + PREFIX, isolation_level="AUTOCOMMIT")
    try:
        with db.connect() as c:
            c.execute(text("CREATE TABLE t (id int)"))
            c.execute(text(f"DO $$BEGIN FOR i IN 1..{roles} LOOP EXECUTE format("
                           f"'CREATE ROLE {PREFIX}_%s LOGIN; GRANT SELECT ON t TO {PREFIX}_%s', i, i); "
                           "END LOOP; END$$"))
        times, (accounts, extract) = _timed(lambda: read_database_accounts(
            DatabaseConfig("pg", PG + PREFIX)), runs)
        return {"accounts": len(accounts), "statements": extract.query.count(";\n") + 1,
                "p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}
    finally:
        with db.connect() as c:
            c.execute(text(f"DO $$BEGIN FOR i IN 1..{roles} LOOP EXECUTE format("
                           f"'DROP OWNED BY {PREFIX}_%s; DROP ROLE {PREFIX}_%s', i, i); END LOOP; END$$"))
        db.dispose()
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {PREFIX}"))
        admin.dispose()


def my_read(accounts: int, runs: int) -> dict:
    admin = create_engine(MY + "mysql", isolation_level="AUTOCOMMIT")
    names = [f"{PREFIX}_{i}" for i in range(accounts)]
    try:
        with admin.connect() as c:
            for n in names:
                c.execute(text(f"CREATE USER IF NOT EXISTS '{n}'@'10.0.0.%'"))
                c.execute(text(f"GRANT SELECT ON mysql.db TO '{n}'@'10.0.0.%'"))
        times, (found, _extract) = _timed(lambda: read_database_accounts(
            DatabaseConfig("my", MY + "mysql")), runs)
        return {"accounts": len(found), "p50_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1)}
    finally:
        with admin.connect() as c:
            for n in names:
                c.execute(text(f"DROP USER IF EXISTS '{n}'@'10.0.0.%'"))
        admin.dispose()


def synthetic(n_accounts: int, n_people: int) -> Extraction:
    people = tuple(Person(f"E{i}", f"Person {i}", (f"user{i}",), f"user{i}@example.com",
                          "left" if i % 50 == 0 else "active") for i in range(n_people))
    accounts = tuple(Account(("database", "os", "erp")[i % 3], f"sys{i % 7}", "postgresql", f"user{i}",
                             superuser=i % 97 == 0, privileges=("LOGIN", f"SELECT ON TABLE public.t{i % 40}"),
                             login_tracked=i % 3 != 0, last_login=time.time() - (i % 200) * 86400)
                     for i in range(n_accounts))
    return Extraction(time.time(), accounts, (), people)


def review_cost(n_accounts: int, n_people: int, runs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/s.db")
        service = AccessReviewService(store.engine, Inventory(), audit=store.audit, today=date.today)
        campaign = service.create_campaign("bench")
        extraction = synthetic(n_accounts, n_people)
        service.store.add_extraction(campaign.id, extraction)
        review_ms, review = _timed(lambda: service.review(campaign.id), runs)
        keys = [r.account.key for r in review.rows]
        decide_ms = _decide_times(service, campaign.id, keys, runs)
        naive = _naive_matching(extraction)
        store.close()
    return {"accounts": n_accounts, "people": n_people,
            "review_p50_ms": round(statistics.median(review_ms), 1),
            "decide_p50_ms": round(statistics.median(decide_ms), 1),
            "naive_owner_scan_ms": naive}


def _decide_times(service, campaign_id, keys, runs) -> list[float]:
    out = []
    for i in range(runs):
        t = time.perf_counter()
        service.decide(campaign_id, keys[i], "keep")
        out.append((time.perf_counter() - t) * 1000)
    return out


def _naive_matching(extraction: Extraction) -> float:
    """Owner matching the obvious way, a pass over the roster per account (in the same run)."""
    accounts = extraction.accounts[:200]
    t = time.perf_counter()
    for a in accounts:
        login = a.name.lower()
        [p for p in extraction.people  # the four rules of OwnerIndex.match, one pass each
         if login in {u.lower() for u in p.usernames} or p.email.lower() == login]
        [p for p in extraction.people if p.email.lower() == a.email.lower()]
        [p for p in extraction.people if p.email.lower().split("@", 1)[0] == login]
    per_account = (time.perf_counter() - t) / len(accounts)
    return round(per_account * len(extraction.accounts) * 1000, 1)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--roles", type=int, default=2000)
    p.add_argument("--accounts", type=int, default=500)
    p.add_argument("--people", type=int, default=2000)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    print(json.dumps({"benchmark": "access_review",
                      "postgresql_read": pg_read(args.roles, args.runs),
                      "mariadb_read": my_read(args.accounts, args.runs),
                      "review": review_cost(5000, args.people, args.runs),
                      "target": "no figure in the issue; the review page should answer within a second"}))


if __name__ == "__main__":
    main()
