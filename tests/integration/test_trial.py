"""The dialogs' "Test" buttons against the real servers: PostgreSQL and MariaDB accounts with and
without monitoring grants, a restic repository made here, and the answers a person reads."""

from __future__ import annotations

import os
import secrets as _random
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from erpconsole.config import BackupSetConfig, DatabaseConfig
from erpconsole.services.trial import try_backup_set, try_database
from tests.conftest import require
from tests.dbservers import unique

pytestmark = pytest.mark.integration
PASSWORD = "restic in a test; 'quoted'"


def _by_key(steps):
    return {s.key: s for s in steps}


def test_postgres_superuser_connects_with_version_and_no_grant_missing(pg_database):
    steps = try_database(DatabaseConfig("erp-db", pg_database()))
    keys = _by_key(steps)
    assert keys["connect"].ok, steps
    assert keys["version"].ok and keys["version"].message.startswith("PostgreSQL ")
    # A superuser lacks no grant; an extension the server has not loaded may still be named.
    assert not [s for s in steps if s.key == "panels" and "GRANT" in s.message], steps
    assert {s.message.split(":")[0] for s in steps if s.key == "panels" and s.ok is False} <= {"statements"}


def test_postgres_role_without_pg_monitor_is_told_the_grant(pg_database, pg_admin):
    role = unique("erpc_mon")
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        steps = try_database(DatabaseConfig("erp-db", pg_database(user=role)))
    finally:
        with pg_admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :n"),
                         {"n": role})
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    assert steps[0].ok, steps
    lacking = [s.message for s in steps if s.key == "panels" and s.ok is False]
    assert any(f"GRANT pg_monitor TO {role};" in m for m in lacking), lacking


def test_postgres_nothing_listening_fails_within_the_deadline(pg_database):
    url = make_url(pg_database()).set(port=1)  # nothing listens on port 1
    steps = try_database(DatabaseConfig("gone", url.render_as_string(hide_password=False)), deadline_s=15)
    assert len(steps) == 1 and steps[0].key == "connect" and steps[0].ok is False
    assert steps[0].message


def test_mariadb_typed_password_is_used_and_process_is_named(my_database, my_admin):
    url = my_database()
    schema = make_url(url).database
    user, password = f"erpc_mon_{_random.token_hex(3)}", _random.token_urlsafe(12)
    with my_admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'")
        conn.exec_driver_sql(f"GRANT SELECT ON `{schema}`.* TO '{user}'@'127.0.0.1'")
    cfg = DatabaseConfig("erp-my", f"mysql+pymysql://{user}@127.0.0.1:3306/{schema}")
    try:
        wrong = try_database(cfg, "not-the-password")
        right = try_database(cfg, password)
    finally:
        with my_admin.connect() as conn:
            conn.exec_driver_sql(f"DROP USER IF EXISTS '{user}'@'127.0.0.1'")
    assert wrong[0].ok is False and len(wrong) == 1
    assert right[0].ok, right
    assert _by_key(right)["version"].ok
    lacking = " ".join(s.message for s in right if s.key == "panels" and s.ok is False)
    assert f"GRANT PROCESS ON *.* TO '{user}'@'127.0.0.1'" in lacking


@pytest.fixture
def restic_repo(tmp_path: Path) -> Path:
    restic = shutil.which("restic")
    require(restic is not None, "restic")
    repo = tmp_path / "repo"
    data = tmp_path / "data"
    data.mkdir()
    (data / "erp.sql").write_text("SELECT 1;\n")
    env = {**os.environ, "RESTIC_PASSWORD": PASSWORD}
    subprocess.run([restic, "-r", str(repo), "init", "-q"], env=env, check=True, timeout=60)
    for _ in range(2):
        subprocess.run([restic, "-r", str(repo), "backup", "-q", str(data)], env=env, check=True, timeout=60)
    return repo


def test_restic_repository_counts_its_snapshots_and_names_the_newest(restic_repo):
    steps = try_backup_set(BackupSetConfig("files", "restic", str(restic_repo)), PASSWORD)
    assert [s.key for s in steps] == ["read", "newest"] and all(s.ok for s in steps), steps
    assert steps[0].message == "2 backups in the repository"
    assert steps[1].message.startswith("newest: ")


def test_restic_wrong_password_and_missing_repository_report_the_tools_error(restic_repo, tmp_path):
    wrong = try_backup_set(BackupSetConfig("files", "restic", str(restic_repo)), "nope")
    assert len(wrong) == 1 and wrong[0].ok is False and "refused the password" in wrong[0].message
    gone = try_backup_set(BackupSetConfig("files", "restic", str(tmp_path / "nothing")), PASSWORD)
    assert gone[0].ok is False and "no restic repository" in gone[0].message


def test_stored_password_is_used_when_none_is_typed(restic_repo, memory_keyring):
    from erpconsole.services.secrets import SecretStore

    SecretStore().set("backup:files", PASSWORD)
    steps = try_backup_set(BackupSetConfig("files", "restic", str(restic_repo)))
    assert steps[0].ok, steps
