"""The tools' parsers on recorded output, cut short and garbage; the sentences a person reads
for the tools' own error messages."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from erpconsole.services.backups.barman import BarmanSource
from erpconsole.services.backups.borg import BorgSource
from erpconsole.services.backups.dumpdir import DumpDirSource, find_script
from erpconsole.services.backups.models import (
    DIFF, DUMP, FULL, INCR, SNAPSHOT, BackupSetConfig,
)
from erpconsole.services.backups.pgbackrest import PgBackRestSource
from erpconsole.services.backups.restic import ResticSource
from erpconsole.services.backups.factory import source_for
from erpconsole.services.backups.sources import SourceError, ToolRun, job_script
from erpconsole.services.secrets import SecretStore
from tests.services.backups import samples

PG = BackupSetConfig("pg", "pgbackrest", "/tmp/pgbr-exp/repo", stanza="t1")
RESTIC = BackupSetConfig("files", "restic", "/srv/restic")
BORG = BackupSetConfig("borg", "borg", "/srv/borg")
BARMAN = BackupSetConfig("barman", "barman", "pg", stanza="pg")
DUMPS = BackupSetConfig("dumps", "dumpdir", "/tmp/pgbr-exp/dd", pattern="*.dump *.sql.gz")


def run(out: str = "", err: str = "", rc: int = 0, **sections: str) -> ToolRun:
    return ToolRun("erp-db-1", out, err, rc, {"out": out, **sections})


def cut(text: str) -> str:
    return text[: len(text) // 2]


def test_source_for_every_tool():
    for cfg, kind in ((PG, PgBackRestSource), (RESTIC, ResticSource), (BORG, BorgSource),
                      (BARMAN, BarmanSource), (DUMPS, DumpDirSource)):
        assert isinstance(source_for(cfg), kind) and source_for(cfg).tool == cfg.tool
    with pytest.raises(ValueError):
        source_for(BackupSetConfig("x", "tape", "/dev/st0"))


# --- pgBackRest ---------------------------------------------------------------------------


def test_pgbackrest_info_full_diff_incr():
    backups, note = PgBackRestSource().parse(run(samples.PGBACKREST_INFO), PG)
    assert [b.kind for b in backups] == [FULL, DIFF, INCR] and note == ""
    full, diff, incr = backups
    assert full.id == "20261123-232945F" and full.started == 1795476585.0
    assert full.finished == 1795476589.0 and full.size_bytes == 39783798
    assert full.stored_bytes == 5271319 and full.ok and full.location == PG.repo
    facts = dict(full.facts)
    assert facts["WAL of the backup"] == "000000010000000000000048 - 000000010000000000000048"
    assert facts["WAL archive"] == "none archived" and facts["pgBackRest"] == "2.45"
    assert dict(incr.facts)["based on"] == diff.id
    assert diff.stored_bytes == 6256185 and diff.started == 1795476850.0


def test_pgbackrest_missing_stanza_is_the_error():
    cfg = BackupSetConfig("pg", "pgbackrest", "/tmp/pgbr-exp/repo", stanza="nope")
    with pytest.raises(SourceError, match="cannot read stanza nope in /tmp/pgbr-exp/repo: "
                                          "missing stanza path; check `stanza`"):
        PgBackRestSource().parse(run(samples.PGBACKREST_MISSING_STANZA), cfg)


def test_pgbackrest_error_flag_and_no_valid_backups():
    text = samples.PGBACKREST_INFO.replace('"error":false', '"error":true', 1)
    text = text.replace('"code":0,"lock":{"backup":{"held":false}},"message":"ok"',
                        '"code":2,"lock":{"backup":{"held":true}},"message":"no valid backups"')
    backups, note = PgBackRestSource().parse(run(text), PG)
    assert not backups[0].ok and "errors in this backup" in backups[0].error
    assert backups[1].ok
    assert note == "the stanza has no valid backup yet; a backup is running now"


@pytest.mark.parametrize("text", [cut(samples.PGBACKREST_INFO), "", "ERROR: [041]: nope",
                                  '{"backup": []}', '[{"name": "t1"}]', "[1, 2]",
                                  '[{"name":"t1","status":{"code":0},"backup":[{"label":"x"}]}]'])
def test_pgbackrest_garbage(text):
    with pytest.raises(SourceError, match="is not the JSON it should be .* run the command by "
                                          "hand there"):
        PgBackRestSource().parse(run(text), PG)


def test_pgbackrest_error_line_is_explained():
    message = PgBackRestSource().explain(
        run("", "ERROR: [055]: unable to load info file '/x/backup.info': permission denied",
            rc=55), PG)
    assert message.startswith("pgBackRest failed on erp-db-1: unable to load info file")


# --- restic ---------------------------------------------------------------------------------


def test_restic_014_snapshots():
    backups, note = ResticSource().parse(run(samples.RESTIC_SNAPSHOTS), RESTIC)
    assert len(backups) == 2 and note == ""
    first = backups[0]
    assert first.kind == SNAPSHOT and first.id == "5fa466e5" and first.size_bytes is None
    assert first.finished == pytest.approx(1795476602.933, abs=0.01) and first.started is None
    facts = dict(first.facts)
    assert facts["paths"] == "/tmp/pgbr-exp/db.dump" and facts["host"] == "erp-db"
    assert facts["tags"] == "erp" and len(facts["id"]) == 64
    assert dict(backups[1].facts)["tags"] == "nightly"


def test_restic_017_summary_gives_sizes_and_times():
    (snap,), _note = ResticSource().parse(run(samples.RESTIC_SNAPSHOTS_017), RESTIC)
    assert snap.size_bytes == 1073741824 and snap.stored_bytes == 402653184
    utc = timezone.utc
    assert snap.started == pytest.approx(datetime(2026, 11, 20, 0, 0, 2, 123457, utc).timestamp())
    assert snap.finished == datetime(2026, 11, 20, 0, 3, 12, 500000, utc).timestamp()
    assert dict(snap.facts)["made by"] == "restic 0.17.3"


@pytest.mark.parametrize("text", [cut(samples.RESTIC_SNAPSHOTS), "", "null x", '{"id": 1}',
                                  '[{"id": "ab"}]', '[{"id": "ab", "time": "yesterday"}]'])
def test_restic_garbage(text):
    with pytest.raises(SourceError, match="`restic snapshots --json` on erp-db-1 is not"):
        ResticSource().parse(run(text), RESTIC)


def test_restic_014_sizes_come_from_stats_of_the_two_newest():
    src = ResticSource()
    backups, _note = src.parse(run(samples.RESTIC_SNAPSHOTS), RESTIC)
    job = src.sizes_job(RESTIC, backups, SecretStore())
    newest, previous = (dict(b.facts)["id"] for b in reversed(backups))
    assert job.query == (f"restic -r /srv/restic stats --json --no-lock --mode restore-size {newest}; "
                         f"restic -r /srv/restic stats --json --no-lock --mode restore-size {previous}")
    answer = run(size_one='{"total_size":1048576,"total_file_count":1,"snapshots_count":1}',
                 size_two='{"total_size":3145728,"total_file_count":1,"snapshots_count":1}')
    sized, note = src.apply_sizes(answer, backups, RESTIC)
    assert note == "" and [b.size_bytes for b in sized] == [3145728, 1048576]
    assert dict(sized[-1].facts)["size"] == "1048576 bytes, from restic stats --mode restore-size"
    assert src.sizes_job(RESTIC, sized, SecretStore()) is None  # nothing left to ask


@pytest.mark.parametrize("answer", ["", "Fatal: no", '{"total_size": "big"}', '{"total_size": -1}',
                                    '{"total_file_count": 3}'])
def test_restic_stats_garbage_leaves_the_size_unknown_and_says_why(answer):
    src = ResticSource()
    backups, _note = src.parse(run(samples.RESTIC_SNAPSHOTS), RESTIC)
    sized, note = src.apply_sizes(run(size_one=answer), backups, RESTIC)
    assert sized[-1].size_bytes is None
    assert note.startswith("the answer of `restic stats --json` on erp-db-1 is not the JSON")


def test_restic_empty_repository_and_messages():
    assert ResticSource().parse(run("[]"), RESTIC) == ([], "the repository holds no snapshot")
    src = ResticSource()
    assert src.explain(run("", "Fatal: wrong password or no key found\n", 1), RESTIC) == (
        "the repository refused the password: store it with `erpconsole secret set "
        "backup:files`")
    missing = src.explain(run("", "Fatal: unable to open config file: stat /srv/restic/config: "
                                  "no such file or directory\nIs there a repository at the "
                                  "following location?\n/srv/restic\n", 1), RESTIC)
    assert missing == "there is no restic repository at /srv/restic on erp-db-1: check `repo` " \
                      "of the set"
    assert "locked by another restic" in src.explain(run("", "", 11), RESTIC)


# --- borg -----------------------------------------------------------------------------------


def test_borg_list_with_info():
    backups, _note = BorgSource().parse(
        run(samples.BORG_LIST, info=samples.BORG_INFO), BORG)
    assert [b.id for b in backups] == ["db-1", "db-2"]
    one = backups[0]
    assert one.kind == SNAPSHOT and one.location == "/srv/borg::db-1"
    assert one.finished == 1795476612.0 and one.size_bytes == 1083
    assert one.stored_bytes == 489 and dict(one.facts)["files"] == "1"


def test_borg_list_without_info_or_with_garbage_info():
    for info in ("", cut(samples.BORG_INFO), "[]"):
        backups, _note = BorgSource().parse(run(samples.BORG_LIST, info=info), BORG)
        assert len(backups) == 2 and backups[1].size_bytes is None
        assert backups[1].finished == 1795476613.0


@pytest.mark.parametrize("text", [cut(samples.BORG_LIST), "", "[]", '{"archives": 3}',
                                  '{"archives": [{"name": "a"}]}'])
def test_borg_garbage(text):
    with pytest.raises(SourceError, match="`borg list --json` on erp-db-1 is not the JSON"):
        BorgSource().parse(run(text), BORG)


def test_borg_messages():
    src = BorgSource()
    wrong = "passphrase supplied in BORG_PASSPHRASE, by BORG_PASSCOMMAND or via " \
            "BORG_PASSPHRASE_FD is incorrect.\n"
    assert src.explain(run("", wrong, 2), BORG).startswith("the repository refused the password")
    none = "Enter passphrase for key /srv/borg: can not acquire a passphrase: BORG_PASSPHRASE " \
           "is not set."
    assert "encrypted and no passphrase is stored: store it with `erpconsole secret set " \
           "backup:borg`" in src.explain(run("", none, 2), BORG)
    assert src.explain(run("", "Repository /srv/borg does not exist.\n", 2), BORG) == \
        "there is no borg repository at /srv/borg on erp-db-1: check `repo` of the set"


# --- barman ---------------------------------------------------------------------------------


def test_barman_list():
    backups, note = BarmanSource().parse(run(samples.BARMAN_LIST), BARMAN)
    assert note == ""
    by_id = {b.id: b for b in backups}
    done = by_id["20261123T010002"]
    assert done.ok and done.kind == FULL and done.finished == 1795396360.0
    assert done.size_bytes == 18253611008 and dict(done.facts)["WAL size"] == "1288490188"
    failed = by_id["20261122T010001"]
    assert not failed.ok and "FAILED" in failed.error
    assert failed.finished == 1795309201.0  # placed by its ID
    waiting = by_id["20261121T010003"]
    assert waiting.kind == INCR and not waiting.ok and "not complete yet" in waiting.error
    assert dict(waiting.facts)["name"] == "before-upgrade"


def test_barman_errors_and_garbage():
    with pytest.raises(SourceError, match="Barman refused: Unknown server 'nope'"):
        BarmanSource().parse(run(samples.BARMAN_UNKNOWN_SERVER), BARMAN)
    assert "Unknown server 'nope'" in BarmanSource().explain(
        run(samples.BARMAN_UNKNOWN_SERVER, rc=1), BARMAN)
    for text in (cut(samples.BARMAN_LIST), "", "[]", '{"pg": {}}', '{"other": []}'):
        with pytest.raises(SourceError, match="barman -f json list-backups"):
            BarmanSource().parse(run(text), BARMAN)


# --- dump folder ----------------------------------------------------------------------------


def test_dumpdir_listing():
    backups, note = DumpDirSource().parse(run(samples.DUMPDIR_FIND), DUMPS)
    assert note == "" and all(b.kind == DUMP for b in backups)
    by_id = {b.id: b for b in backups}
    assert set(by_id) == {"x.sql.gz", "full.dump", "we ird\nname.dump"}
    gz = by_id["x.sql.gz"]
    assert gz.size_bytes == 437503 and gz.location == "/tmp/pgbr-exp/dd/x.sql.gz"
    assert gz.checksum.startswith("6aa20eec") and gz.finished == pytest.approx(1795476833.7789)
    assert by_id["we ird\nname.dump"].checksum == by_id["full.dump"].checksum


def test_dumpdir_cut_short_garbage_and_unreadable():
    half = samples.DUMPDIR_FIND[:150]  # the second line is cut inside its checksum
    backups, note = DumpDirSource().parse(run(half), DUMPS)
    assert [b.id for b in backups] == ["x.sql.gz"]
    assert "1 line of the listing could not be read and was skipped" in note
    with pytest.raises(SourceError, match="needs GNU findutils"):
        DumpDirSource().parse(run("-printf: unknown primary\n"), DUMPS)
    backups, note = DumpDirSource().parse(run("1795476833.5 10 unreadable\n"), DUMPS)
    assert backups == [] and "1 file could not be read for a checksum" in note
    assert DumpDirSource().parse(run(""), DUMPS)[1] == \
        "no file in /tmp/pgbr-exp/dd matches *.dump *.sql.gz"


def test_dumpdir_command_quotes_every_inventory_value():
    cfg = BackupSetConfig("d", "dumpdir", "/srv/it's; rm -rf ~", pattern="*.sql $(reboot)")
    script = find_script(cfg)
    assert "'/srv/it'\"'\"'s; rm -rf ~'" in script and "-name '$(reboot)'" in script
    assert find_script(BackupSetConfig("d", "dumpdir", "-delete")).startswith(
        "find -H ./-delete ")


def test_a_secret_is_never_in_the_query_nor_the_command_line(memory_keyring):
    SecretStore().set("backup:files", "s3cret pass")
    job = ResticSource().listing(RESTIC, SecretStore())
    assert job.secret_env == {"RESTIC_PASSWORD": "s3cret pass"}
    assert "s3cret" not in job.script and "s3cret" not in (job.query or job.script)
    assert "s3cret" not in job_script(job, 10, heredoc_secrets=False)
    # Over SSH it travels on the kept shell's stdin, in a quoted here-doc.
    over_ssh = job_script(job, 10, heredoc_secrets=True)
    assert "IFS= read -r RESTIC_PASSWORD <<'ERPCONSOLE_" in over_ssh
    assert "\ns3cret pass\n" in over_ssh
