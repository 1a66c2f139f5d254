"""The inventory loader: a valid file reads back exactly; every fault names its FILE:LINE."""

from __future__ import annotations

import random
import re
from importlib import resources
from pathlib import Path

import pytest

from erpconsole.config import (
    DatabaseConfig,
    HostConfig,
    Inventory,
    InventoryError,
    LocalConfig,
    default_inventory_path,
    load_default_inventory,
    load_inventory,
)
from erpconsole.config import Thresholds

VALID = '''\
# a fleet
[local]
enabled = true
interval_s = 1.5
thresholds = { disk_warning = 1, disk_critical = 100 }

[[hosts]]
name = "erp-app-1"
address = "10.0.0.5"
port = 2222
user = "monitor"
key_file = "~/.ssh/id_ed25519"
known_hosts = "keys/known_hosts"
proxy_jump = "bastion"
interval_s = 5
timeout_s = 8
tags = ["app", "prod"]
thresholds = { disk_warning = 80, disk_critical = 90 }

[[hosts]]
name = "erp db.2_b"
address = "db2.example.com"

[hosts.thresholds]
mem_warning = 50

[[databases]]
name = "erp-db"
url = "postgresql+psycopg://monitor@10.0.0.6:5432/erp"
password_env = "ERP_DB_PASSWORD"
erp = "odoo"
interval_s = 30
tags = ["prod"]

[[databases]]
name = "lite"
url = "sqlite:///erp.db"
'''


def write(tmp_path: Path, text: str, name: str = "inv.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> InventoryError:
    path = write(tmp_path, text)
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    err = info.value
    # The contract: str() is FILE:LINE: message (FILE: message when the line is unknown).
    where = f"{path}:{err.line}" if err.line else str(path)
    assert str(err) == f"{where}: {err.message}"
    return err


# -- valid files ------------------------------------------------------------------------------


def test_valid_file_reads_back_every_field(tmp_path):
    path = write(tmp_path, VALID)
    inv = load_inventory(path)
    assert inv.path == str(path)
    assert inv.local == LocalConfig(True, 1.5, Thresholds(disk_warning=1, disk_critical=100))
    app, db2 = inv.hosts
    assert app == HostConfig(
        name="erp-app-1", address="10.0.0.5", port=2222, user="monitor",
        key_file=str(Path.home() / ".ssh/id_ed25519"), known_hosts=str(tmp_path / "keys/known_hosts"),
        proxy_jump="bastion", interval_s=5.0, timeout_s=8.0, tags=("app", "prod"),
        thresholds=Thresholds(disk_warning=80, disk_critical=90), line=7,
    )
    assert db2.name == "erp db.2_b" and db2.port is None and db2.interval_s == 5.0 and db2.line == 20
    assert db2.thresholds == Thresholds(mem_warning=50)
    assert inv.databases == (
        DatabaseConfig("erp-db", "postgresql+psycopg://monitor@10.0.0.6:5432/erp", "ERP_DB_PASSWORD",
                       "odoo", 30.0, tags=("prod",), line=27),
        DatabaseConfig("lite", "sqlite:///erp.db", line=35),
    )


def test_local_is_watched_by_default_only_without_hosts(tmp_path):
    assert load_inventory(write(tmp_path, "")).local.enabled is True
    only_db = '[[databases]]\nname = "d"\nurl = "sqlite://"\n'
    assert load_inventory(write(tmp_path, only_db)).local.enabled is True
    with_host = '[[hosts]]\nname = "a"\naddress = "h"\n'
    assert load_inventory(write(tmp_path, with_host)).local.enabled is False
    asked = '[local]\nenabled = true\n' + with_host
    assert load_inventory(write(tmp_path, asked)).local.enabled is True


def test_tricky_but_valid_toml_keeps_line_numbers(tmp_path):
    # A multi-line string that looks like tables must not shift the count.
    text = ('[[hosts]]\nname = "a"\naddress = "h"\ntags = [\n  "x",  # [[hosts]]\n]\n'
            'user = """\n[[hosts]]\nport = 1\n"""\n'
            '[[hosts]]\n"name" = "b"\naddress = "h"\nport = "22"\n')
    err = refused(tmp_path, text)
    assert err.line == 14 and "port" in err.message


def test_windows_line_endings_and_byte_order_mark(tmp_path):
    path = tmp_path / "win.toml"
    path.write_bytes('\ufeff[[hosts]]\r\nname = "a"\r\naddress = "h"\r\nport = 0\r\n'.encode())
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert info.value.line == 4


# -- faults, each with its line ----------------------------------------------------------------


def test_syntax_error_names_line_and_column(tmp_path):
    err = refused(tmp_path, '[[hosts]]\nname = "a"\naddress = 10.0.0.5 x\n')
    assert err.line == 3
    assert err.message.startswith("not valid TOML: ") and "column" in err.message
    assert "(at line" not in err.message  # tomllib's own location is not repeated


def test_syntax_error_at_end_of_document(tmp_path):
    err = refused(tmp_path, '[[hosts]]\nname = "a\n')
    assert err.line is not None and "not valid TOML" in err.message


def test_same_key_twice_is_a_syntax_error_with_a_hint(tmp_path):
    err = refused(tmp_path, '[[hosts]]\nname = "a"\nname = "b"\n')
    assert err.line == 3 and "given twice" in err.message


def test_unknown_key_suggests_the_closest_and_lists_allowed(tmp_path):
    err = refused(tmp_path, '[[hosts]]\nname = "a"\nadress = "h"\n')
    assert err.line == 3
    assert 'unknown key "adress"' in err.message and 'did you mean "address"?' in err.message
    for key in ("name", "address", "port", "user", "key_file", "known_hosts", "proxy_jump", "tags"):
        assert key in err.message


def test_unknown_key_in_thresholds(tmp_path):
    err = refused(tmp_path, '[local]\n[local.thresholds]\ndisk_warn = 80\n')
    assert err.line == 3 and '"disk_warning"' in err.message


def test_unknown_top_level_table(tmp_path):
    err = refused(tmp_path, '[local]\nenabled = true\n\n[host]\nname = "a"\n')
    assert err.line == 4
    assert "[host]" in err.message and "[[hosts]]" in err.message and "[[databases]]" in err.message


def test_unknown_table_made_only_by_a_dotted_header_has_its_line(tmp_path):
    err = refused(tmp_path, '[local]\n\n[hots.thresholds]\ndisk_warning = 1\n')
    assert err.line == 3 and "[hots]" in err.message and "did you mean [[hosts]]?" in err.message


def test_home_folder_of_an_unknown_user(tmp_path):
    err = refused(tmp_path, '[[hosts]]\nname = "a"\naddress = "h"\nkey_file = "~no-such-user-x/id"\n')
    assert err.line == 4 and "key_file starts with ~" in err.message


def test_hosts_as_a_single_table_is_explained(tmp_path):
    err = refused(tmp_path, '\n[hosts]\nname = "a"\n')
    assert err.line == 2 and "[[hosts]]" in err.message


def test_wrong_type_names_the_key_and_the_value(tmp_path):
    err = refused(tmp_path, '[[hosts]]\nname = "a"\naddress = "h"\nport = "22"\n')
    assert err.line == 4
    assert err.message == 'port must be a whole number (got text "22")'


@pytest.mark.parametrize("line, expected", [
    ('enabled = "yes"', 'enabled must be true or false'),
    ("interval_s = true", "interval_s must be a number (got true)"),
    ('thresholds = "high"', "thresholds must be a table"),
])
def test_wrong_types_in_local(tmp_path, line, expected):
    err = refused(tmp_path, f"[local]\n\n{line}\n")
    assert err.line == 3 and expected in err.message


def test_tags_must_be_text(tmp_path):
    err = refused(tmp_path, '[[hosts]]\nname = "a"\naddress = "h"\ntags = ["a", 3]\n')
    assert err.line == 4 and "item 2 is 3" in err.message


@pytest.mark.parametrize("setting, expected", [
    ("port = 0", "port must be between 1 and 65535 (got 0)"),
    ("port = 70000", "port must be between 1 and 65535 (got 70000)"),
    ("interval_s = 0.1", "interval_s must be between 0.5 and 86400 seconds (got 0.1)"),
    ("timeout_s = 0", "timeout_s must be more than 0"),
    ("interval_s = nan", "interval_s must be between"),
])
def test_out_of_range_host_values(tmp_path, setting, expected):
    err = refused(tmp_path, f'[[hosts]]\nname = "a"\naddress = "h"\n{setting}\n')
    assert err.line == 4 and expected in err.message


def test_threshold_out_of_range(tmp_path):
    err = refused(tmp_path, '[[hosts]]\nname = "a"\naddress = "h"\n[hosts.thresholds]\nmem_critical = 120\n')
    assert err.line == 5 and "mem_critical must be between 0 and 100%" in err.message


def test_warning_must_be_below_critical_even_against_a_default(tmp_path):
    err = refused(tmp_path, '[[hosts]]\nname = "a"\naddress = "h"\nthresholds = { disk_warning = 96 }\n')
    assert err.line == 4
    assert "disk_warning (96) must be below disk_critical (95, the default)" in err.message


def test_warning_equal_to_critical_in_a_sub_table(tmp_path):
    text = '[local]\n[local.thresholds]\nload_per_core_warning = 3\nload_per_core_critical = 3\n'
    err = refused(tmp_path, text)
    assert err.line == 3 and "load_per_core_warning (3) must be below load_per_core_critical (3)" in err.message


@pytest.mark.parametrize("body, missing, line", [
    ('\n\n[[hosts]]\naddress = "h"\n', "name", 3),
    ('[[hosts]]\nname = "a"\n', "address", 1),
    ('[[hosts]]\nname = "a"\naddress = "h"\n\n[[databases]]\nname = "d"\n', "url", 5),
    ('[[databases]]\nurl = "sqlite://"\n', "name", 1),
])
def test_missing_required_key_points_at_its_table(tmp_path, body, missing, line):
    err = refused(tmp_path, body)
    assert err.line == line and f"has no {missing}; add {missing} = " in err.message


def test_duplicate_host_points_at_the_second_and_names_the_first(tmp_path):
    text = ('[[hosts]]\nname = "erp-app-1"\naddress = "a"\n\n'
            '[[hosts]]\nname = "other"\naddress = "b"\n\n'
            '[[hosts]]\naddress = "c"\nname = "ERP-app-1"\n')
    err = refused(tmp_path, text)
    assert err.line == 11
    assert 'host name "ERP-app-1" is already used on line 2' in err.message


def test_duplicate_database_name(tmp_path):
    text = '[[databases]]\nname = "d"\nurl = "sqlite://"\n[[databases]]\nname = "d"\nurl = "sqlite://"\n'
    err = refused(tmp_path, text)
    assert err.line == 5 and 'database name "d" is already used on line 2' in err.message


@pytest.mark.parametrize("name", ["a/b", "ssh:x", "", " lead", "trail ", "x" * 65, "-dash", "tab\tname"])
def test_names_must_be_plain(tmp_path, name):
    err = refused(tmp_path, f'[[hosts]]\naddress = "h"\nname = "{name}"\n')
    assert err.line == 3 and "name" in err.message


def test_the_workstation_name_is_reserved(tmp_path):
    err = refused(tmp_path, '[[hosts]]\nname = "This workstation"\naddress = "h"\n')
    assert err.line == 2 and "[local]" in err.message


@pytest.mark.parametrize("key", ["password", "passphrase", "secret", "token", "db_password", "api-token"])
def test_plaintext_secret_keys_are_refused_anywhere(tmp_path, key):
    text = f'[[hosts]]\nname = "a"\naddress = "h"\n{key} = "hunter22"\n'
    err = refused(tmp_path, text)
    assert err.line == 4
    assert "plaintext passwords are not allowed in the inventory" in err.message
    assert "erpconsole secret set ssh:a" in err.message
    assert "hunter22" not in str(err)


def test_secret_in_an_unknown_table_is_still_a_secret(tmp_path):
    err = refused(tmp_path, '[smtp]\nhost = "m"\n\npassword = "hunter22"\n')
    assert err.line == 4 and "plaintext passwords" in err.message and "password_env" in err.message


def test_secret_in_thresholds_subtable(tmp_path):
    text = '[[databases]]\nname = "erp-db"\nurl = "sqlite://"\n[databases.extra]\ntoken = "x"\n'
    err = refused(tmp_path, text)
    assert err.line == 5 and "erpconsole secret set db:erp-db" in err.message


def test_database_url_with_a_password_is_refused_without_echoing_it(tmp_path):
    text = '[[databases]]\nname = "erp-db"\n\nurl = "postgresql+psycopg://monitor:s3cr3t@db:5432/erp"\n'
    err = refused(tmp_path, text)
    assert err.line == 4
    assert "plaintext passwords are not allowed in the inventory" in err.message
    assert "erpconsole secret set db:erp-db" in err.message and "password_env" in err.message
    assert "s3cr3t" not in str(err)


def test_password_env_must_name_a_variable_and_is_not_echoed(tmp_path):
    text = '[[databases]]\nname = "d"\nurl = "sqlite://"\npassword_env = "hunter 22!"\n'
    err = refused(tmp_path, text)
    assert err.line == 4 and "environment variable" in err.message and "hunter" not in str(err)


@pytest.mark.parametrize("url, fixed, why", [
    ("postgresql://monitor@db/erp", "postgresql+psycopg://monitor@db/erp", "SQLAlchemy 2.1"),
    ("mysql://monitor@db:3306/erp", "mysql+pymysql://monitor@db:3306/erp", "mysqlclient"),
    ("mariadb://monitor@db/erp", "mariadb+pymysql://monitor@db/erp", "PyMySQL"),
])
def test_database_url_must_name_its_driver(tmp_path, url, fixed, why):
    err = refused(tmp_path, f'[[databases]]\nname = "d"\nurl = "{url}"\n')
    assert err.line == 3 and f'write "{fixed}"' in err.message and why in err.message


@pytest.mark.parametrize("url, expected", [
    ("not a url", "not a database URL"),
    ("postgresql+psycopg://db:notaport/erp", "not a database URL"),
    ("oracle+oracledb://db/erp", "PostgreSQL, MySQL/MariaDB and SQLite"),
    ("postgresql+nosuchdriver://db/erp", 'no driver "postgresql+nosuchdriver"'),
])
def test_database_url_must_parse_and_be_supported(tmp_path, url, expected):
    err = refused(tmp_path, f'[[databases]]\nname = "d"\nurl = "{url}"\n')
    assert err.line == 3 and expected in err.message


def test_erp_profile_suggests_the_closest(tmp_path):
    err = refused(tmp_path, '[[databases]]\nname = "d"\nurl = "sqlite://"\nerp = "oddo"\n')
    assert err.line == 4 and "odoo, erpnext, custom" in err.message and 'did you mean "odoo"?' in err.message


def test_address_is_a_host_not_a_url(tmp_path):
    err = refused(tmp_path, '[[hosts]]\nname = "a"\naddress = "root@h"\n')
    assert err.line == 3 and "user" in err.message


def test_damaged_files_give_only_inventory_errors(tmp_path):
    # Typing slips in a valid file: whatever tomllib accepts or refuses, the loader answers
    # with an InventoryError (never a crash), and with a line whenever the file parsed.
    rng = random.Random(7)
    path = tmp_path / "fuzz.toml"
    for _ in range(500):
        text = list(VALID)
        for _ in range(rng.randint(1, 3)):
            pos = rng.randrange(len(text))
            if rng.random() < 0.5:
                del text[pos]
            else:
                text.insert(pos, rng.choice('[]{}="\'#\n.,a_ -1\\'))
        path.write_text("".join(text), encoding="utf-8")
        try:
            load_inventory(path)
        except InventoryError as err:
            assert err.line is not None, str(err)


# -- the file itself ---------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(InventoryError) as info:
        load_inventory(tmp_path / "nope.toml")
    assert info.value.line is None and "no such file" in str(info.value)
    assert str(info.value).startswith(f"{tmp_path / 'nope.toml'}: ")


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(InventoryError) as info:
        load_inventory(tmp_path)
    assert info.value.line is None and "folder" in info.value.message


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('[[hosts]]\nname = "café"\n'.encode("latin-1"))
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert info.value.line is None
    assert "UTF-8" in info.value.message and "line 2" in info.value.message


def test_unreadable_file(tmp_path):
    # A parent that is a file makes the read fail even for root (chmod would not).
    blocker = write(tmp_path, "", name="not-a-folder")
    with pytest.raises(InventoryError) as info:
        load_inventory(blocker / "inv.toml")
    assert info.value.line is None and "cannot be read" in info.value.message


# -- shipped example and defaults ---------------------------------------------------------------


def test_demo_inventory_loads_with_local_only():
    with resources.as_file(resources.files("erpconsole.resources") / "demo_inventory.toml") as path:
        inv = load_inventory(path)
    assert inv.local.enabled and inv.hosts == () and inv.databases == ()
    assert inv.local.thresholds == Thresholds()


def test_demo_inventory_commented_examples_are_valid(tmp_path):
    text = (resources.files("erpconsole.resources") / "demo_inventory.toml").read_text(encoding="utf-8")
    # Uncomment just the example tables and settings, as a user following the comments would.
    example = re.sub(r"(?m)^# (?=\[|[a-z_]+ = )", "", text)
    inv = load_inventory(write(tmp_path, example))
    assert [h.name for h in inv.hosts] == ["erp-app-1", "erp-db-1"]
    assert inv.hosts[1].thresholds.mem_warning == 95
    assert [d.name for d in inv.databases] == ["erp-db"]


def test_default_path_is_in_the_user_config_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_inventory_path() == tmp_path / "erpconsole" / "inventory.toml"


def test_no_inventory_file_means_this_workstation_alone(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    inv = load_default_inventory()
    assert inv == Inventory() and inv.local.enabled and inv.hosts == ()


def test_default_inventory_file_is_used_when_present(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = default_inventory_path()
    path.parent.mkdir(parents=True)
    path.write_text('[[hosts]]\nname = "a"\naddress = "h"\n', encoding="utf-8")
    inv = load_default_inventory()
    assert inv.path == str(path) and [h.name for h in inv.hosts] == ["a"]


def test_database_thresholds_and_timeout(tmp_path):
    from erpconsole.config import load_inventory

    inv = load_inventory(write(tmp_path, '[[databases]]\nname = "erp-db"\n'
                               'url = "postgresql+psycopg://monitor@db:5432/erp"\ntimeout_s = 8\n'
                               'thresholds = { long_query_warning_s = 10, replication_lag_warning_s = 30 }\n'))
    db = inv.databases[0]
    assert (db.timeout_s, db.thresholds.long_query_warning_s, db.thresholds.replication_lag_warning_s) == (8, 10, 30)
    assert db.thresholds.connections_warning == 80


def test_database_threshold_pair_out_of_order_names_the_line(tmp_path):
    err = refused(tmp_path, '[[databases]]\nname = "erp-db"\n'
                            'url = "postgresql+psycopg://monitor@db:5432/erp"\n'
                            'thresholds = { wraparound_warning = 90 }\n')
    assert err.line == 4
    assert "wraparound_warning (90) must be below wraparound_critical (80)" in err.message


def test_a_database_may_not_share_a_host_name(tmp_path):
    err = refused(tmp_path, '[[hosts]]\nname = "erp"\naddress = "10.0.0.5"\n\n[[databases]]\n'
                            'name = "ERP"\nurl = "postgresql+psycopg://monitor@db:5432/erp"\n')
    assert err.line == 6
    assert 'database name "ERP" is already the name of a host on line 2' in err.message


def test_access_policy_reads_back(tmp_path):
    inv = load_inventory(write(tmp_path, '[access]\nstale_days = 30\nroster = "hr/roster.csv"\n'
                                          'approved_superusers = ["postgres", "dba"]\n'
                                          'password_max_age_days = 90\nignore_system_accounts = false\n'))
    assert inv.access.stale_days == 30
    assert inv.access.roster == str(tmp_path / "hr/roster.csv")
    assert inv.access.approved_superusers == ("postgres", "dba")
    assert inv.access.password_max_age_days == 90
    assert inv.access.ignore_system_accounts is False
    assert load_inventory(write(tmp_path, "")).access.password_max_age_days is None


@pytest.mark.parametrize("text,line,words", [
    ("[access]\nstale_day = 30\n", 2, 'did you mean "stale_days"'),
    ("[access]\nstale_days = 0\n", 2, "between 1 and 3650"),
    ('[access]\napproved_superusers = "postgres"\n', 2, "must be a list of names"),
])
def test_access_policy_refusals_name_the_line(tmp_path, text, line, words):
    err = refused(tmp_path, text)
    assert err.line == line and words in err.message


@pytest.mark.parametrize("extra,words", [
    ('erp = "custom"\n', 'needs erp_users_query'),
    ('erp_users_query = "SELECT 1"\n', 'only read with erp = "custom"'),
    ('erp = "custom"\nerp_users_query = "DELETE FROM users"\n', "must be one SELECT"),
])
def test_custom_erp_profile_needs_a_select(tmp_path, extra, words):
    err = refused(tmp_path, '[[databases]]\nname = "d"\nurl = "postgresql+psycopg://m@h/erp"\n' + extra)
    assert words in err.message and err.line is not None


def test_custom_erp_query_reads_back(tmp_path):
    inv = load_inventory(write(tmp_path, '[[databases]]\nname = "d"\nurl = "postgresql+psycopg://m@h/erp"\n'
                                          'erp = "custom"\nerp_users_query = "SELECT u, n, a, l, r FROM users"\n'))
    assert inv.databases[0].erp_users_query == "SELECT u, n, a, l, r FROM users"


def test_backup_sets_read_back_with_their_policy(tmp_path):
    inv = load_inventory(write(tmp_path, '[[hosts]]\nname = "db1"\naddress = "10.0.0.6"\n\n'
                                          '[[databases]]\nname = "erp-db"\nurl = "postgresql+psycopg://m@h/erp"\n\n'
                                          '[[backups]]\nname = "nightly"\ntool = "pgbackrest"\nstanza = "erp"\n'
                                          'repo = "/var/lib/pgbackrest"\nhost = "db1"\ndatabase = "erp-db"\n'
                                          'rpo_h = 26\nfull_every_d = 7\nkey_tables = ["public.res_partner"]\n'))
    (b,) = inv.backups
    assert (b.name, b.tool, b.stanza, b.host, b.database) == ("nightly", "pgbackrest", "erp", "db1", "erp-db")
    assert b.policy.rpo_h == 26 and b.policy.full_every_d == 7 and b.key_tables == ("public.res_partner",)


@pytest.mark.parametrize("extra,words", [
    ('tool = "resti"\nrepo = "/r"\n', 'did you mean "restic"'),
    ('tool = "pgbackrest"\nrepo = "/r"\n', "needs stanza"),
    ('tool = "restic"\nrepo = "/r"\nhost = "nope"\n', 'host "nope" is not the name of any [[hosts]]'),
    ('tool = "restic"\nrepo = "/r"\nrpo_h = 0\n', "rpo_h must be between"),
])
def test_backup_set_refusals(tmp_path, extra, words):
    err = refused(tmp_path, '[[backups]]\nname = "b"\n' + extra)
    assert words in err.message and err.line is not None


def test_sop_folders_are_paths_from_the_inventory_folder(tmp_path):
    inv = load_inventory(write(tmp_path, '[sop]\nfolders = ["team-sops", "/mnt/shared/sops"]\n'))
    assert inv.sop_folders == (str(tmp_path / "team-sops"), "/mnt/shared/sops")
    err = refused(tmp_path, '[sop]\nfolder = ["x"]\n')
    assert 'did you mean "folders"' in err.message and err.line == 2
