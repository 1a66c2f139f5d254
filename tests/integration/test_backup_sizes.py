"""The size rules with the machine's real restic and borg: the same small backup in both is
under `min_size_mb` in both. restic before 0.17 (Debian 12 has 0.14) lists snapshots without
sizes; the console reads them with `restic stats`, and says the rule could not be checked when
that fails, instead of passing in silence."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from erpconsole.services.backups.factory import source_for
from erpconsole.services.backups.models import BackupPolicy, BackupSetConfig
from erpconsole.services.backups.policy import SIZE, backup_findings
from erpconsole.services.backups.service import BackupService
from erpconsole.config import Inventory, LocalConfig
from erpconsole.services.secrets import SecretStore
from tests.conftest import require

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"
SMALL = 300_000  # bytes: a dump of a database that lost its tables
POLICY = BackupPolicy(min_size_mb=1, drill_every_d=None, rto_target_min=None)


def tool(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, name)
    return path


def restic_version() -> str:
    return subprocess.run([tool("restic"), "version"], capture_output=True, text=True,
                          timeout=30).stdout.strip()


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "erp.dump"
    path.parent.mkdir()
    path.write_bytes(os.urandom(SMALL))
    return path


def restic_repo(tmp_path: Path, *files: Path) -> Path:
    repo = tmp_path / "restic"
    env = {**os.environ, "RESTIC_PASSWORD": PASSWORD}
    subprocess.run([tool("restic"), "-r", str(repo), "init", "-q"], env=env, check=True, timeout=60)
    for f in files:
        subprocess.run([tool("restic"), "-r", str(repo), "backup", "-q", str(f)], env=env,
                       check=True, timeout=60)
    return repo


def borg_repo(tmp_path: Path, small_file: Path) -> Path:
    repo = tmp_path / "borg"
    env = {**os.environ, "BORG_PASSPHRASE": PASSWORD}
    subprocess.run([tool("borg"), "init", "-e", "repokey", str(repo)], env=env, check=True,
                   timeout=60, capture_output=True)
    subprocess.run([tool("borg"), "create", f"{repo}::erp-1", str(small_file)], env=env,
                   check=True, timeout=60, stdin=subprocess.DEVNULL)
    return repo


def size_findings(cfg: BackupSetConfig, **kw) -> tuple[list[str], object]:
    status = source_for(cfg).read(cfg, SecretStore(), None, {}, **kw)
    assert status.error == "", status.error
    return [f.message for f in backup_findings(status, time.time()) if f.check == SIZE], status


def test_a_backup_under_min_size_is_flagged_for_restic_as_for_borg(tmp_path, small_file, memory_keyring):
    SecretStore().set("backup:r", PASSWORD)
    SecretStore().set("backup:b", PASSWORD)
    restic = BackupSetConfig("r", "restic", str(restic_repo(tmp_path, small_file)), policy=POLICY)
    borg = BackupSetConfig("b", "borg", str(borg_repo(tmp_path, small_file)), policy=POLICY)
    (r_msg,), r_status = size_findings(restic)
    (b_msg,), b_status = size_findings(borg)
    assert r_status.backups[-1].size_bytes == b_status.backups[-1].size_bytes == SMALL, restic_version()
    tail = "holds 0.3 MB, less than the 1 MB expected; check that it holds the whole database"
    assert tail in r_msg and tail in b_msg, (r_msg, b_msg)
    assert r_status.query.endswith(f"stats --json --no-lock --mode restore-size "
                                   f"{dict(r_status.backups[-1].facts)['id']}")
    assert "from restic stats --mode restore-size" in dict(r_status.backups[-1].facts)["size"]


def test_the_size_of_the_two_newest_snapshots_is_read_once(tmp_path, small_file, memory_keyring):
    """The shrink rule compares the newest with the one before: both are sized; a later read
    asks restic only about a snapshot it has not sized yet."""
    big = small_file.parent / "big.dump"
    big.write_bytes(os.urandom(4 * SMALL))
    SecretStore().set("backup:r", PASSWORD)
    repo = restic_repo(tmp_path, big, small_file)
    cfg = BackupSetConfig("r", "restic", str(repo), policy=BackupPolicy(drill_every_d=None))
    inv = Inventory(local=LocalConfig(enabled=False), backups=(cfg,))
    service = BackupService(inv, SecretStore())
    first = service.read("r")
    assert [b.size_bytes for b in first.backups] == [4 * SMALL, SMALL]
    found = [f.message for f in service.findings(first) if f.check == SIZE]
    assert len(found) == 1 and "75% smaller than the one before" in found[0], found
    again = service.read("r")
    assert [b.size_bytes for b in again.backups] == [4 * SMALL, SMALL]
    assert "stats" not in again.query  # both sizes were known: no second command ran


def test_a_size_that_cannot_be_read_is_said_not_passed(tmp_path, small_file, memory_keyring, monkeypatch):
    """A repository whose data packs are gone still lists its snapshots, but `restic stats`
    retries for minutes: the read's deadline stops it and the size rule says it was not checked."""
    SecretStore().set("backup:r", PASSWORD)
    repo = restic_repo(tmp_path, small_file)
    for pack in (repo / "data").rglob("*"):
        if pack.is_file():
            pack.unlink()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))  # no cached trees either
    cfg = BackupSetConfig("r", "restic", str(repo), policy=POLICY)
    started = time.monotonic()
    (message,), status = size_findings(cfg, timeout_s=8)
    assert time.monotonic() - started < 12
    assert status.backups[-1].size_bytes is None
    assert message.startswith(f"the size of the newest backup ({status.backups[-1].id}) is not known, "
                              "so the minimum of 1 MB could not be checked: restic did not finish "
                              "within "), message
