"""[[channels]]: where notifications go; a bad kind, a missing key or a secret in the file is
refused with FILE:LINE (and exit 3 from the command line), never sent on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from erpconsole.config import InventoryError, load_inventory

ISSUE_EXAMPLE = '''\
[[channels]]
name = "oncall-mail"
kind = "email"        # email | webhook | dingtalk | wecom | feishu | apprise
smtp_host = "127.0.0.1"
smtp_port = 25
tls = "none"          # none | starttls | ssl
user = "alerts"       # optional; password from keyring channel:oncall-mail or password_env
from = "erpconsole@example.org"
to = ["oncall@example.org"]

[[channels]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:8099/alerts"   # POSTs one JSON object per transition
'''


def load(tmp_path: Path, text: str):
    path = tmp_path / "inv.toml"
    path.write_text(text)
    return path, load_inventory(path)


def refused(tmp_path: Path, text: str) -> InventoryError:
    path = tmp_path / "inv.toml"
    path.write_text(text)
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    return info.value


def test_the_issues_example_loads_with_every_key_read(tmp_path):
    _path, inv = load(tmp_path, ISSUE_EXAMPLE)
    mail, hook = inv.channels
    assert (mail.name, mail.kind, mail.smtp_host, mail.port, mail.tls, mail.user, mail.sender, mail.to) == (
        "oncall-mail", "email", "127.0.0.1", 25, "none", "alerts", "erpconsole@example.org", ("oncall@example.org",))
    assert mail.keyring_name == "channel:oncall-mail" and mail.line == 1
    assert (hook.kind, hook.url, hook.line) == ("webhook", "http://127.0.0.1:8099/alerts", 11)


def test_robots_and_a_templated_webhook(tmp_path):
    _path, inv = load(tmp_path, '''\
[[channels]]
name = "lead-dingtalk"
kind = "dingtalk"
secret_env = "DT_SECRET"

[[channels]]
name = "sms"
kind = "webhook"
url = "https://sms.example.org/send?api_key=$secret"
content_type = "application/x-www-form-urlencoded"
body = "to=13800000000&text=$title"
headers = { Authorization = "Bearer $secret", X-Team = "erp" }
''')
    robot, sms = inv.channels
    assert robot.endpoint == "https://oapi.dingtalk.com/robot/send" and robot.secret_env == "DT_SECRET"
    assert sms.headers == (("Authorization", "Bearer $secret"), ("X-Team", "erp"))


@pytest.mark.parametrize("entry, line, words", [
    ('name = "x"\nkind = "emial"\n', 3, 'kind must be one of email, webhook, dingtalk, wecom, feishu, apprise'),
    ('name = "x"\nkind = "email"\nsmtp_host = "h"\nfrom = "a@b.org"\n', 1, "this email channel has no to"),
    ('name = "x"\nkind = "webhook"\n', 1, 'this webhook channel has no url; add url = '),
    ('kind = "webhook"\nurl = "http://h/"\n', 1, "this [[channels]] entry has no name"),
    ('name = "x"\nkind = "email"\nsmtp_host = "h"\nfrom = "a@b.org"\nto = ["nobody"]\n', 6,
     "to must be one mail address"),
    ('name = "x"\nkind = "email"\nsmtp_host = "h"\nfrom = "a@b.org"\nto = ["a@b.org"]\ntls = "tls"\n', 7,
     "tls must be one of none, starttls, ssl"),
    ('name = "x"\nkind = "webhook"\nurl = "http://h/"\nbody = "$sumary"\n', 5, "names $sumary, which no notification has"),
    ('name = "x"\nkind = "webhook"\nurl = "http://h/"\nsmtp_host = "h"\n', 5, '"smtp_host" is not a key of a webhook channel'),
    ('name = "x"\nkind = "apprise"\nurl = "tgram://123/456"\n', 4, '"url" is not a key of a apprise channel'),
])
def test_a_bad_entry_is_refused_at_its_line(tmp_path, entry, line, words):
    error = refused(tmp_path, "[[channels]]\n" + entry)
    assert error.line == line and words in error.message, str(error)


@pytest.mark.parametrize("entry, line, words", [
    ('name = "m"\nkind = "email"\nsmtp_host = "h"\nfrom = "a@b.org"\nto = ["a@b.org"]\npassword = "hunter22"\n', 7,
     "erpconsole secret set channel:m"),
    ('name = "d"\nkind = "dingtalk"\nsecret = "SEC0123456789"\n', 4, "erpconsole secret set channel:d"),
    ('name = "d"\nkind = "dingtalk"\nurl = "https://oapi.dingtalk.com/robot/send?access_token=hunter22"\n', 4,
     "url holds a secret (?access_token=)"),
    ('name = "w"\nkind = "webhook"\nurl = "https://bot:hunter22@example.org/h"\n', 4, "user:password@"),
    ('name = "w"\nkind = "webhook"\nurl = "https://example.org/h"\nheaders = { Authorization = "Bearer hunter22" }\n',
     5, "header Authorization would hold a credential"),
])
def test_a_secret_in_the_file_is_refused_and_not_repeated(tmp_path, entry, line, words):
    error = refused(tmp_path, "[[channels]]\n" + entry)
    assert error.line == line and words in str(error) and "hunter22" not in str(error), str(error)


def test_two_channels_with_one_name_are_refused(tmp_path):
    error = refused(tmp_path, ISSUE_EXAMPLE.replace('name = "hook"', 'name = "Oncall-Mail"'))
    assert error.line == 12 and "already used on line 2" in error.message


def test_the_command_line_exits_3_naming_the_line(tmp_path):
    inv = tmp_path / "bad.toml"
    inv.write_text('[[channels]]\nname = "x"\nkind = "smtp"\n')
    r = subprocess.run([sys.executable, "-m", "erpconsole", "inspect", "--inventory", str(inv)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 3 and f"{inv}:3: kind must be one of" in r.stderr, r.stderr


def test_a_route_naming_a_channel_that_is_not_declared_is_refused_at_its_line(tmp_path):
    error = refused(tmp_path, ISSUE_EXAMPLE + '''
[[routes]]
severity = "critical"
channels = ["oncall-mail", "hook"]
escalate_to = ["lead-dingtlak"]
''')
    assert error.line == 19 and 'escalate_to names "lead-dingtlak", which is no [[channels]] entry' in error.message
    assert "Channels: hook, oncall-mail" in error.message
    error = refused(tmp_path, ISSUE_EXAMPLE + '\n[[routes]]\nchannels = ["oncall-mial"]\n')
    assert error.line == 17 and 'did you mean "oncall-mail"?' in error.message
