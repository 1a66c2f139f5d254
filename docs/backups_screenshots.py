"""Screenshot of the Backups page on real parts: nightly pg_dump files of a real PostgreSQL
database over three weeks with a gap of three nights, and a restic repository holding a real
snapshot. The newest dump is verified and restore-drilled through the real service first, so
the panel shows a measured RTO. `erpconsole screenshot` draws the real window; everything
made is dropped.

    .venv/bin/python docs/backups_screenshots.py
    .venv/bin/python docs/backups_screenshots.py --size 1920x1080 --out /tmp/wall   # the wall display
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# What this script draws into docs/screenshots/ (tests/test_readme_pictures.py reads it).
PICTURES = ("backups.png", "backups-light.png")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402

from erpconsole.config import load_inventory  # noqa: E402
from shots import arguments, shoot  # noqa: E402
from erpconsole.services.backups.service import BackupService  # noqa: E402
from erpconsole.services.store import Store  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
DB = "erpconsole_backup_demo"
DAY = 86400


def make_database() -> None:
    with create_engine(PG.format(db="postgres"), isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        c.execute(text(f"CREATE DATABASE {DB}"))
    with create_engine(PG.format(db=DB)).begin() as c:
        c.execute(text("CREATE TABLE res_partner (id serial PRIMARY KEY, name text)"))
        c.execute(text("INSERT INTO res_partner (name) SELECT 'partner ' || g FROM generate_series(1, 20000) g"))
        c.execute(text("CREATE TABLE account_move (id serial PRIMARY KEY, amount numeric)"))
        c.execute(text("INSERT INTO account_move (amount) SELECT g FROM generate_series(1, 50000) g"))


def drop_database() -> None:
    with create_engine(PG.format(db="postgres"), isolation_level="AUTOCOMMIT").connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))


def nightly_dumps(folder: Path) -> None:
    """21 nights at 01:30, three of them missing; each file dated to its night."""
    newest = folder / "erp-newest.dump"
    subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-Fc", "-f", str(newest), DB], check=True)
    data = newest.read_bytes()
    newest.unlink()
    today = time.time() - time.time() % DAY + 1.5 * 3600
    for night in range(21):
        if night in (9, 10, 11):
            continue
        path = folder / time.strftime("erp-%Y-%m-%d.dump", time.gmtime(today - night * DAY))
        path.write_bytes(data if night == 0 else data[: len(data) - night * 37])  # sizes drift a little
        os.utime(path, (today - night * DAY, today - night * DAY))


def restic_repo(folder: Path, dumps: Path, env: dict) -> None:
    subprocess.run(["restic", "-r", str(folder), "init"], check=True, env=env, capture_output=True)
    subprocess.run(["restic", "-r", str(folder), "backup", str(dumps)], check=True, env=env, capture_output=True)


def main() -> None:
    out, size = arguments(__doc__)
    make_database()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            dumps = folder / "dumps"
            dumps.mkdir()
            nightly_dumps(dumps)
            env = {**os.environ, "DEMO_RESTIC_PASSWORD": "demo-only-passphrase",
                   "RESTIC_PASSWORD": "demo-only-passphrase"}
            restic_repo(folder / "restic", dumps, env)
            env.pop("RESTIC_PASSWORD")
            inv = folder / "inventory.toml"
            inv.write_text(
                f'[[databases]]\nname = "erp-db"\nurl = "{PG.format(db=DB)}"\n\n'
                f'[[backups]]\nname = "erp-db nightly dumps"\ntool = "dumpdir"\nrepo = "{dumps}"\n'
                'pattern = "*.dump"\ndatabase = "erp-db"\n'
                f'drill_target = "{PG.format(db="postgres")}"\n'
                'key_tables = ["res_partner", "account_move"]\nsanity_queries = ["SELECT 1 FROM res_partner"]\n'
                'rpo_h = 26\nretention_d = 14\nrto_target_min = 30\n\n'
                f'[[backups]]\nname = "file server restic"\ntool = "restic"\nrepo = "{folder / "restic"}"\n'
                'password_env = "DEMO_RESTIC_PASSWORD"\nrpo_h = 26\ndrill_every_d = 90\n')
            store_url = f"sqlite:///{folder / 'store.db'}"
            store = Store(store_url)
            service = BackupService(load_inventory(inv), audit=store.audit, engine=store.engine)
            status = service.read("erp-db nightly dumps")
            newest = status.newest_good
            service.verify(status.config.name, newest.id, actor="anna@erp-ops")
            print(service.drill(status.config.name, newest.id, actor="anna@erp-ops"))
            store.close()
            shoot(out, size, "backups", inv, store_url, env)
    finally:
        drop_database()


if __name__ == "__main__":
    main()
