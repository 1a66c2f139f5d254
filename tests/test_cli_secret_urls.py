"""A database URL holding a secret, as a person meets it at the command line: refused in an
inventory with FILE:LINE and exit 3, and masked wherever a URL is shown (the store's URL given
with --store reaches messages and logs)."""

from __future__ import annotations

import pytest

from tests.test_cli import run

SECRET = "hunter22"


@pytest.mark.parametrize("query", [
    f"password={SECRET}", f"passwd={SECRET}", f"pass={SECRET}", f"sslmode=require&sslpassword={SECRET}",
    f"application_name=erp&PASSWORD={SECRET}", f"api_token={SECRET}",
])
def test_a_secret_in_the_query_string_is_refused_like_user_password(tmp_path, query):
    inv = tmp_path / "inv.toml"
    inv.write_text('[[databases]]\nname = "erp-db"\n# the ERP database\n'
                   f'url = "postgresql+psycopg://monitor@127.0.0.1:5432/erp?{query}"\n')
    r = run("inspect", "--inventory", str(inv), "--format", "json")
    assert r.returncode == 3 and r.stdout == ""
    assert r.stderr.startswith(f"erpconsole: {inv}:4: url holds a secret (?")
    assert "plaintext passwords are not allowed" in r.stderr and "secret set db:erp-db" in r.stderr
    assert SECRET not in r.stderr


def test_a_drill_target_with_a_query_password_is_refused_on_its_line(tmp_path):
    inv = tmp_path / "inv.toml"
    inv.write_text('[[backups]]\nname = "nightly"\ntool = "dumpdir"\nrepo = "/srv/dumps"\n'
                   f'drill_target = "postgresql+psycopg://postgres@127.0.0.1/postgres?password={SECRET}"\n')
    r = run("inspect", "--inventory", str(inv))
    assert r.returncode == 3 and f"{inv}:5:" in r.stderr and SECRET not in r.stderr


def test_a_store_url_with_secrets_is_shown_masked(tmp_path):
    # A server nobody listens on: the store cannot open and the message names it.
    url = (f"postgresql+psycopg://monitor:{SECRET}1@127.0.0.1:1/store?sslpassword={SECRET}2"
           f"&connect_timeout=2&password={SECRET}3")
    for command in (("audit", "verify"), ("audit", "head")):
        r = run(*command, "--store", url, extra_env={"ERPCONSOLE_AUDIT_KEY": "k" * 64})
        assert r.returncode == 3 and "could not open" in r.stderr, r.stderr
        assert "127.0.0.1:1/store" in r.stderr and "password=***" in r.stderr
        assert SECRET not in r.stderr + r.stdout


def test_a_store_password_with_a_slash_is_masked(tmp_path):
    # SQLAlchemy reads the password to the "@", "/" and all: it was shown whole.
    url = f"postgresql+psycopg://monitor:{SECRET}/1@127.0.0.1:1/store?connect_timeout=2"
    r = run("audit", "verify", "--store", url, extra_env={"ERPCONSOLE_AUDIT_KEY": "k" * 64})
    assert r.returncode == 3 and "postgresql+psycopg://monitor:***@127.0.0.1:1/store" in r.stderr, r.stderr
    assert SECRET not in r.stderr + r.stdout


def test_a_wecom_robot_url_with_its_key_is_refused_on_its_line(tmp_path):
    # WeCom gives the robot as one URL, ...send?key=...: that key is the credential.
    inv = tmp_path / "inv.toml"
    inv.write_text('[[channels]]\nname = "ops-wecom"\nkind = "wecom"\n'
                   f'url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={SECRET}"\n')
    r = run("inspect", "--inventory", str(inv))
    assert r.returncode == 3 and r.stderr.startswith(f"erpconsole: {inv}:4: url holds a secret (?key=)"), r.stderr
    assert SECRET not in r.stderr + r.stdout
