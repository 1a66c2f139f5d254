"""A host that sends without end (its login command is `cat /dev/urandom`) costs the console a
few MB, not all its memory: every answer has a byte limit, past it the channel is closed and the
target is parse_error "answer too large". A tool run on this workstation (a backup listing) has
the same limit. Real sshd; the memory is this process's own RSS."""

from __future__ import annotations

import psutil
import pytest

from erpconsole.config import HostConfig
from erpconsole.services.access.models import AccessPolicy
from erpconsole.services.access.os_exec import run_local
from erpconsole.services.access.os_read import read_os_accounts
from erpconsole.services.backups.sources import Job, run_job
from erpconsole.services.errors import CollectorError
from erpconsole.services.models import Health
from erpconsole.services.secrets import SecretStore

RSS_ROOM = 200 * 1024 * 1024


@pytest.fixture
def flood(sshd):
    return sshd(extra_config="ForceCommand cat /dev/urandom\n")


def test_a_poll_of_a_flooding_host_stops_at_the_limit(flood, make_collector) -> None:
    before = psutil.Process().memory_info().rss
    collector = make_collector(flood)
    for _ in range(3):  # a poll each time, never a pile-up
        with pytest.raises(CollectorError) as info:
            collector.collect()
        assert info.value.kind is Health.PARSE_ERROR
        assert "answer too large (over 4 MB)" in info.value.message
    assert psutil.Process().memory_info().rss - before < RSS_ROOM


def test_the_limit_is_set_in_megabytes_by_the_environment(flood, make_collector, monkeypatch) -> None:
    monkeypatch.setenv("ERPCONSOLE_ANSWER_LIMIT_MB", "1")
    with pytest.raises(CollectorError) as info:
        make_collector(flood).collect()
    assert "over 1 MB" in info.value.message


def test_the_access_reviews_account_read_stops_at_the_limit(flood, client_keys, tmp_path) -> None:
    (tmp_path / "user_known_hosts").write_text(flood.known_hosts_line)
    host = HostConfig(name="flood", address="127.0.0.1", port=flood.port, user="root",
                      key_file=str(client_keys.plain), known_hosts=str(tmp_path / "user_known_hosts"))
    before = psutil.Process().memory_info().rss
    accounts, extract = read_os_accounts(host, AccessPolicy(), SecretStore(),
                                         known_hosts_path=tmp_path / "own_known_hosts", timeout_s=20.0)
    assert accounts == [] and "answer too large" in (extract.error or "")
    assert psutil.Process().memory_info().rss - before < RSS_ROOM


def test_a_local_tool_that_prints_without_end_stops_at_the_limit() -> None:
    """A backup tool run on this workstation (its listing, a check) is held to the same limit."""
    before = psutil.Process().memory_info().rss
    run = run_job(None, Job(program="cat", script="cat /dev/urandom"), None, None, timeout_s=60.0)
    assert "output was too large (over 4 MB)" in run.error, run.error
    assert psutil.Process().memory_info().rss - before < RSS_ROOM


def test_a_local_command_under_the_limit_is_read_whole(monkeypatch) -> None:
    monkeypatch.setenv("ERPCONSOLE_ANSWER_LIMIT_MB", "1")
    assert len(run_local("head -c 1000000 /dev/zero", 30.0)) == 1_000_000
    with pytest.raises(CollectorError) as info:
        run_local("head -c 1100000 /dev/zero", 30.0)
    assert info.value.kind is Health.PARSE_ERROR and "over 1 MB" in info.value.message
