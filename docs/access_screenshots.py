"""Screenshot of the Access review page on real parts: an Odoo-shaped database and a few roles on
the machine's PostgreSQL, an account open to '%' on its MariaDB, this workstation's own OS
accounts and an HR roster. A campaign is collected and partly decided through the real
service, then `erpconsole screenshot` draws the real window. Everything made is dropped.

    .venv/bin/python docs/access_screenshots.py
    .venv/bin/python docs/access_screenshots.py --size 1920x1080 --out /tmp/wall   # the wall display
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

# What this script draws into docs/screenshots/ (tests/test_readme_pictures.py reads it).
PICTURES = ("access.png", "access-light.png")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402

from erpconsole.config import load_inventory  # noqa: E402
from shots import arguments, shoot  # noqa: E402
from erpconsole.services.access.service import AccessReviewService  # noqa: E402
from erpconsole.services.store import Store  # noqa: E402
from tests.erp_schemas import ODOO_SCHEMA, odoo_data, run_sql  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
MY = "mysql+pymysql://root@127.0.0.1:3306/{db}"
DB = "erpconsole_access_demo"
ROLES = ("demo_erp_admin", "demo_report", "demo_old_etl")
ROSTER = ("employee_id,name,usernames,email,status,end_date\n"
          "E1001,Alice Martin,alice,alice@example.com,active,\n"
          "E1002,Bob Stale,bob,bob@example.com,left,2026-09-30\n"
          "E1003,Carol Never,carol,carol@example.com,active,\n"
          "E1004,Mitchell Admin,admin demo_erp_admin,admin@example.com,active,\n"
          "E1005,Root Operator,root,ops@example.com,active,\n")


def setup() -> None:
    teardown()
    with create_engine(PG.format(db="postgres"), isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f"CREATE DATABASE {DB}"))
    url = PG.format(db=DB)
    run_sql(url, ODOO_SCHEMA + ";\n" + odoo_data())
    run_sql(url, "CREATE ROLE demo_erp_admin LOGIN SUPERUSER;\nCREATE ROLE demo_report LOGIN;\n"
                 "GRANT SELECT ON res_partner TO demo_report;\nGRANT SELECT ON res_users TO PUBLIC;\n"
                 "CREATE ROLE demo_old_etl LOGIN VALID UNTIL '2024-01-01'")
    with create_engine(MY.format(db=""), isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text("CREATE USER 'demo_erp_app'@'%' IDENTIFIED BY 'Demo-only-1'"))
        c.execute(text("GRANT SELECT, INSERT, UPDATE, DELETE ON mysql.db TO 'demo_erp_app'@'%'"))


def teardown() -> None:
    with create_engine(PG.format(db="postgres"), isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        for role in ROLES:
            c.execute(text(f"DROP ROLE IF EXISTS {role}"))
    with create_engine(MY.format(db=""), isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text("DROP USER IF EXISTS 'demo_erp_app'@'%'"))


def inventory(folder: Path) -> Path:
    (folder / "roster.csv").write_text(ROSTER)
    path = folder / "inventory.toml"
    path.write_text(
        '[local]\nenabled = true\n\n[access]\nroster = "roster.csv"\napproved_superusers = ["postgres", '
        '"root", "root@localhost", "mariadb.sys@localhost", "mysql@localhost"]\npassword_max_age_days = 180\n\n'
        f'[[databases]]\nname = "erp-odoo"\nurl = "{PG.format(db=DB)}"\nerp = "odoo"\n\n'
        f'[[databases]]\nname = "erp-mariadb"\nurl = "{MY.format(db="mysql")}"\n')
    return path


def review(store_url: str, inv_path: Path) -> None:
    store = Store(store_url)
    service = AccessReviewService(store.engine, load_inventory(inv_path), audit=store.audit)
    campaign = service.create_campaign("2026 Q4", actor="anna@erp-ops")
    rows = service.collect(campaign.id).rows
    by_name = {(r.account.system, r.account.name): r.account.key for r in rows}
    decisions = [(("erp-odoo", "bob"), "revoke", "Left on 30 September (HR ticket 4471)"),
                 (("erp-odoo", "alice@example.com"), "keep", ""),
                 (("erp-odoo", "demo_old_etl"), "revoke", "ETL moved to the new warehouse in 2024"),
                 (("erp-mariadb", "demo_erp_app@%"), "change", "Limit to the app servers 10.0.1.0/24")]
    for name, decision, comment in decisions:
        if name in by_name:
            service.decide(campaign.id, by_name[name], decision, comment, reviewer="anna@erp-ops")
    store.close()


def main() -> None:
    out, size = arguments(__doc__)
    setup()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            inv = inventory(folder)
            store = f"sqlite:///{folder / 'store.db'}"
            review(store, inv)
            shoot(out, size, "access", inv, store)
    finally:
        teardown()


if __name__ == "__main__":
    main()
