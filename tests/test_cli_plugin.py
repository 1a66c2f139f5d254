"""`erpconsole inspect --format nagios` as a Nagios / Icinga service check runs it: a real
subprocess against this workstation and the machine's PostgreSQL, its output read by Icinga 2's
and the Monitoring Plugins' own parsers (tests/plugin_parsers.py)."""

from __future__ import annotations

import json

from tests.limits import NEVER_CROSSED_TOML
from tests.plugin_parsers import icinga_parse, monitoring_plugin_parse, split_output
from tests.test_cli import run

# The root file system is used over 1% on every machine: a warning the test can count on; the
# rest can never be crossed, whatever the load of the machine running the test.
WARN_ON_ROOT = NEVER_CROSSED_TOML.replace("disk_warning = 99.9", "disk_warning = 1")


def inventory(tmp_path, pg_url: str | None = None) -> str:
    text = f"[local]\nenabled = true\n[local.thresholds]\n{WARN_ON_ROOT}\n"
    if pg_url:
        text += (f'[[databases]]\nname = "erp-db"\nurl = "{pg_url}"\n'
                 "thresholds = { connections_warning = 0, connections_critical = 99.9, "
                 "cache_hit_warning = 0 }\n")
    path = tmp_path / "inv.toml"
    path.write_text(text)
    return str(path)


def _items(perfdata: str) -> list[str]:
    """The items of a performance data string, for Icinga's parser, which takes one at a time:
    split at spaces outside a quoted label."""
    items, current, quoted = [], "", False
    for ch in perfdata:
        if ch == "'":
            quoted = not quoted
        if ch == " " and not quoted:
            items.append(current) if current else None
            current = ""
        else:
            current += ch
    return items + ([current] if current else [])


def test_nagios_output_is_read_alike_by_icinga_and_the_monitoring_plugins(tmp_path, pg_database):
    r = run("inspect", "--inventory", inventory(tmp_path, pg_database()), "--format", "nagios")
    out = split_output(r.stdout)
    assert r.returncode == 1, r.stdout + r.stderr
    assert out.first_line.startswith("ERPCONSOLE WARNING - 2 warnings: ")
    assert "This workstation disk / at " in out.first_line and "(warning over 1%)" in out.first_line
    assert "erp-db " in out.first_line and "connections in use" in out.first_line
    assert any(line.startswith("WARNING This workstation: disk / at") for line in out.long_text)

    parsed = monitoring_plugin_parse(out.perfdata)
    by_label = {p["label"]: p for p in parsed}
    assert len(by_label) == len(parsed) > 10, "labels must be unique"
    root = by_label["This workstation_disk_/"]
    assert (root["uom"], root["warning"], root["critical"], root["min"], root["max"]) == (
        "%", "1", "100", "0", "100")
    assert root["status"] == 1  # the library's own range check agrees: a warning
    used = by_label["erp-db_connections_used"]
    assert used["uom"] == "%" and used["warning"] == "0" and used["status"] == 1
    assert by_label["erp-db_size"]["uom"] == "B" and by_label["erp-db_size"]["value"] > 0
    # The ranges in the performance data say what the findings say: the worst of them is the
    # exit code (every finding of this run is a value over its limit).
    assert max(p["status"] for p in parsed) == r.returncode

    icinga = icinga_parse(_items(out.perfdata))
    assert [i["label"] for i in icinga] == [p["label"] for p in parsed]
    assert all(i["type"] == "PerfdataValue" for i in icinga)
    units = {"%": "percent", "B": "bytes", "s": "seconds", "": ""}
    for i, p in zip(icinga, parsed, strict=True):
        assert i["unit"] == units[p["uom"]], (i, p)  # a unit Icinga does not know reads as ""
        assert abs(i["value"] - float(p["value"])) < 1e-6


def test_nagios_ok_says_what_it_covered_and_carries_perfdata(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text(f"[local]\nenabled = true\n[local.thresholds]\n{NEVER_CROSSED_TOML}")
    r = run("inspect", "--inventory", str(path), "--format", "nagios")
    out = split_output(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    assert out.first_line == "ERPCONSOLE OK - 1 host: nothing over its limit"
    labels = [p["label"] for p in monitoring_plugin_parse(out.perfdata)]
    assert "This workstation_cpu" in labels and "This workstation_mem" in labels


def test_bad_input_is_unknown_on_standard_output_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[databases]]\nname = "erp-db"\nurl = "postgresql+psycopg://m@db/erp"\n'
                   "thresholds = { long_query_s = 30 }\n")
    r = run("inspect", "--inventory", str(bad), "--format", "nagios")
    assert r.returncode == 3
    assert r.stdout.startswith(f"ERPCONSOLE UNKNOWN - {bad}:4: unknown key \"long_query_s\"")
    assert r.stdout.count("\n") == 1
    assert run("inspect", "--format", "bogus").returncode == 3  # argparse's 2 is CRITICAL


def test_only_and_target_choose_what_a_check_covers(tmp_path, pg_database):
    inv = inventory(tmp_path, pg_database())
    r = run("inspect", "--inventory", inv, "--format", "json", "--only", "databases")
    doc = json.loads(r.stdout)
    assert doc["covers"] == ["databases"] and doc["hosts"] == [] and doc["access"] == {}
    assert [d["name"] for d in doc["databases"]] == ["erp-db"] and r.returncode == 1

    r = run("inspect", "--inventory", inv, "--format", "json", "--target", "This workstation")
    doc = json.loads(r.stdout)
    assert [h["name"] for h in doc["hosts"]] == ["This workstation"] and doc["databases"] == []

    r = run("inspect", "--inventory", inv, "--format", "nagios", "--target", "erp-dbb")
    assert r.returncode == 3
    assert r.stdout.startswith("ERPCONSOLE UNKNOWN - there is no target named 'erp-dbb'")
    assert "This workstation, erp-db" in r.stdout
    r = run("inspect", "--inventory", inv, "--only", "hosts,disks")
    assert r.returncode == 3 and "--only takes hosts, databases, backups, access, sop" in r.stderr
    r = run("inspect", "--inventory", inv, "--only", "backups")
    assert r.returncode == 3 and "nothing to check" in r.stderr


def test_the_access_review_runs_only_when_asked(tmp_path):
    path = tmp_path / "inv.toml"
    path.write_text(f"[local]\nenabled = true\n[local.thresholds]\n{NEVER_CROSSED_TOML}")
    plain = json.loads(run("inspect", "--inventory", str(path), "--format", "json",
                           workstation=tmp_path).stdout)
    assert plain["access"] == {} and "access" not in plain["covers"]
    asked = json.loads(run("inspect", "--inventory", str(path), "--format", "json", "--only",
                           "hosts,access", workstation=tmp_path).stdout)
    assert asked["covers"] == ["hosts", "access"]
    assert [s["system"] for s in asked["access"]["sources"]] == ["This workstation"]


def test_only_sop_warns_of_an_overdue_procedure_from_the_store(tmp_path):
    import time

    from erpconsole.config import Inventory
    from erpconsole.services.sop.service import SopService
    from erpconsole.services.store import Store

    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    store = Store(url)
    three_days_ago = time.time() - 3 * 86400
    try:  # started three days ago for that day's 08:30, never signed
        SopService(store.engine, Inventory(), now=lambda: three_days_ago).start("daily-inspection", "anna")
    finally:
        store.close()
    path = tmp_path / "inv.toml"
    path.write_text(f"[local]\nenabled = true\n[local.thresholds]\n{NEVER_CROSSED_TOML}")
    r = run("inspect", "--inventory", str(path), "--store", url, "--format", "nagios", "--only", "sop")
    out = split_output(r.stdout)
    assert r.returncode == 1, r.stdout + r.stderr
    assert out.first_line.startswith("ERPCONSOLE WARNING - ")
    assert "daily-inspection Daily inspection was due at " in out.first_line
    assert "ago) and is not signed yet" in out.first_line
    doc = json.loads(run("inspect", "--inventory", str(path), "--store", url, "--format", "json",
                         "--only", "sop").stdout)
    assert doc["covers"] == ["sop"] and doc["hosts"] == []
    started = [d for d in doc["sop"] if d["run_id"] is not None]
    assert [(d["template"], d["overdue"]) for d in started] == [("daily-inspection", True)]


def test_a_backup_set_chosen_by_target_is_read_on_its_host_without_polling_it(tmp_path):
    from tests.integration.sshd import free_port

    path = tmp_path / "inv.toml"
    path.write_text(f'[[hosts]]\nname = "erp-db-1"\naddress = "127.0.0.1"\nport = {free_port()}\n\n'
                    '[[backups]]\nname = "dumps"\ntool = "dumpdir"\nrepo = "/srv/backup/erp"\n'
                    'host = "erp-db-1"\n')
    doc = json.loads(run("inspect", "--inventory", str(path), "--format", "json", "--target", "dumps").stdout)
    assert doc["hosts"] == []  # the host's own check is another service
    (backup,) = doc["backups"]
    # It was "the backup set names host erp-db-1, which is not in the inventory".
    assert backup["message"].startswith("erp-db-1: cannot connect to 127.0.0.1:"), backup


def test_a_target_that_cannot_be_read_is_critical_on_the_first_line_once(tmp_path):
    from tests.integration.sshd import free_port

    path = tmp_path / "inv.toml"
    path.write_text(f"[local]\nenabled = true\n[local.thresholds]\n{NEVER_CROSSED_TOML}\n"
                    f'[[databases]]\nname = "gone"\nurl = "postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x"\n')
    r = run("inspect", "--inventory", str(path), "--format", "nagios")
    out = split_output(r.stdout)
    assert r.returncode == 2, r.stdout
    assert out.first_line.startswith("ERPCONSOLE CRITICAL - 1 critical: gone ")
    assert sum("gone" in line for line in out.long_text) == 1, out.long_text
    labels = [p["label"] for p in monitoring_plugin_parse(out.perfdata)]
    assert labels and not any(label.startswith("gone_") for label in labels)  # nothing measured
