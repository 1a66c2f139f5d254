"""Screenshots of the database pages on the machine's real PostgreSQL and MariaDB, under a
load made here: an ERP-like stream of small transactions, one session holding a row lock
inside an open transaction and one waiting on it. Every picture is made by
`erpconsole screenshot` from the real window; the demo databases are dropped afterwards.

    .venv/bin/python docs/database_screenshots.py
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

# What this script draws into docs/screenshots/ (tests/test_readme_pictures.py reads it).
PICTURES = ("databases.png", "database.png")

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "screenshots"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
MY = "mysql+pymysql://root@127.0.0.1:3306/{db}"
DB = "erpconsole_demo"


def make_databases() -> None:
    with create_engine(PG.format(db="postgres"), isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        c.execute(text(f"CREATE DATABASE {DB}"))
    with create_engine(MY.format(db=""), isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DB}"))
        c.execute(text(f"CREATE DATABASE {DB}"))
    with create_engine(PG.format(db=DB)).begin() as c:
        c.execute(text("CREATE TABLE sale_order (id serial PRIMARY KEY, state text, amount numeric)"))
        c.execute(text("INSERT INTO sale_order (state, amount) SELECT 'draft', g FROM generate_series(1, 20000) g"))
        c.execute(text("DELETE FROM sale_order WHERE id % 3 = 0"))  # dead tuples for Table health


def drop_databases() -> None:
    with create_engine(PG.format(db="postgres"), isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
    with create_engine(MY.format(db=""), isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DB}"))


def load(stop: threading.Event) -> None:
    engine = create_engine(PG.format(db=DB))
    holder = engine.connect()
    holder.execute(text("SET application_name = 'odoo-worker'"))
    holder.execute(text("UPDATE sale_order SET state = 'sale' WHERE id = 1"))  # open transaction

    def waiter() -> None:
        with engine.connect() as c:
            c.execute(text("SET application_name = 'odoo-cron'"))
            c.execute(text("SET lock_timeout = '60s'"))
            try:
                c.execute(text("UPDATE sale_order SET state = 'done' WHERE id = 1"))
            except Exception:  # noqa: BLE001 - ends when the holder is gone
                pass

    threading.Thread(target=waiter, daemon=True).start()
    maria = create_engine(MY.format(db=DB))
    while not stop.is_set():
        with engine.begin() as c:
            c.execute(text("INSERT INTO sale_order (state, amount) SELECT 'draft', g FROM generate_series(1, 50) g"))
            c.execute(text("SELECT sum(amount) FROM sale_order WHERE state = 'draft'"))
        with maria.begin() as c:
            c.execute(text("SELECT COUNT(*) FROM information_schema.TABLES"))
        time.sleep(0.05)
    holder.close()
    engine.dispose()
    maria.dispose()


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="erpconsole-db-shots-"))
    inventory = work / "inventory.toml"
    inventory.write_text(
        f'[local]\nenabled = true\n\n[[databases]]\nname = "erp-db"\nurl = "{PG.format(db=DB)}"\n'
        f'interval_s = 1\n\n[[databases]]\nname = "erp-mariadb"\nurl = "{MY.format(db=DB)}"\n'
        'interval_s = 1\n\n[[databases]]\nname = "erp-db-replica"\n'
        'url = "postgresql+psycopg://monitor@127.0.0.1:1/erp"\ninterval_s = 5\n')
    env = {**os.environ, "XDG_CONFIG_HOME": str(work / "config"), "XDG_DATA_HOME": str(work / "data"),
           "XDG_STATE_HOME": str(work / "state")}
    exe = str(REPO / ".venv" / "bin" / "erpconsole")
    make_databases()
    stop = threading.Event()
    worker = threading.Thread(target=load, args=(stop,), daemon=True)
    worker.start()
    try:
        for page, name in (("databases", "databases"), ("database", "database")):
            subprocess.run([exe, "screenshot", str(OUT / f"{name}.png"), "--page", page,
                            "--after", "20", "--inventory", str(inventory)], check=True, env=env)
    finally:
        stop.set()
        worker.join(10)
        drop_databases()


if __name__ == "__main__":
    main()
