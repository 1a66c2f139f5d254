"""OS accounts: the parsers and the account rules on real-format samples, cut-short and garbage
input. The real runs (a local sh, a real sshd) are in tests/integration/test_os_accounts_ssh.py."""

from __future__ import annotations

import pytest

from erpconsole.services.access import os_accounts as oa
from erpconsole.services.access.models import AccessPolicy, Account
from erpconsole.services.access.os_read import accounts_from_output, accounts_from_sections

NOW = 1795431662.0  # Mon 2026-11-23 11:01:02 UTC
TODAY = int(NOW // 86400)  # 20780
TOKEN = "0123abcd"

# Debian 12's own first lines, then what admins and tools leave in real files: a comment, a
# blank line, a CRLF line, NIS compat lines, a line missing its trailing fields.
PASSWD = (
    "root:x:0:0:root:/root:/bin/bash\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "sync:x:4:65534:sync:/bin:/bin/sync\n"
    "# added by hand, ticket 4711\n"
    "\n"
    "toor:x:0:0:Second root,,,:/root:/bin/sh\r\n"
    "sshd:x:100:65534::/run/sshd:/usr/sbin/nologin\n"
    "postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    "alice:x:1001:1001:Alice Admin,Room 1,,:/home/alice:/bin/bash\n"
    "bob:x:1002:1002:Bob Normal:/home/bob:/bin/bash\n"
    "carol:x:1003:1003:Carol Locked:/home/carol:/bin/zsh\n"
    "dave:x:1004:1004:Dave Expired:/home/dave:/bin/bash\n"
    "erin:x:1005:1005:Erin Forced:/home/erin:/bin/bash\n"
    "svc:x:1006:1006:Batch service:/srv/batch:/usr/sbin/nologin\n"
    "legacy:x:1007:1007:Legacy\n"
    "+@admins::::::\n"
    "+::::::\n"
)
GROUP = (
    "root:x:0:\n"
    "adm:x:4:syslog\n"
    "sudo:x:27:alice,\n"
    "docker:x:999: bob \n"
    "ssl-cert:x:104:postgres\n"
    "alice:x:1001:\n"
    "bob:x:1002:\n"
    "ops:x:2000:carol\n"
)
SHADOW = (
    "root:*:20228:0:99999:7:::\n"
    "daemon:*:20228:0:99999:7:::\n"
    "sync:*:20228:0:99999:7:::\n"
    "toor:$6$rounds=5000$saltsalt$Qk1x0mfT3i1XQ/2w:20700:0:99999:7:::\n"
    "sshd:!:20228::::::\n"
    "postgres:!:20228::::::\n"
    "nobody:*:20228:0:99999:7:::\n"
    "alice:$y$j9T$Y2xdQm$Ab4kLm9:20600:0:90:7:::\n"  # 180 days old, 90 allowed: expired
    "bob:$y$j9T$abc$def:20770:0:99999:7:::\n"
    "carol:!$y$j9T$abc$def:20770:0:99999:7:::\n"  # usermod -L
    "dave:$y$j9T$abc$def:20770:0:99999:7::20700:\n"  # account expired 80 days ago
    "erin:$y$j9T$abc$def:0:0:99999:7:::\n"  # passwd -e: change forced
    "svc:*:20228::::::\n"
    "legacy:$y$j9T$abc$def:20770\n"  # trailing fields missing
)
# `TZ=UTC0 LC_ALL=C lastlog` of Debian 12 (shadow 4.13) over a crafted /var/log/lastlog.
LASTLOG = (
    "Username         Port     From                                       Latest\n"
    "root             pts/0    10.0.0.1                                  Mon Nov 23 10:01:02 +0000 2026\n"
    "daemon                                                              **Never logged in**\n"
    "toor             pts/0    10.0.0.1                                  Mon Nov 23 10:01:02 +0000 2026\n"
    "alice            pts/3                                              Wed Oct 14 10:01:02 +0000 2026\n"
    "bob                                                                 **Never logged in**\n"
    "averyveryverylongusername          workstation.example.com                   Fri Nov 20 10:01:02 +0000 2026\n"
    "carol            tty1                                               Tue Nov  3 11:01:02 +0100 2026\n"
)
# `TZ=UTC0 LC_ALL=C last -F -w` of util-linux 2.38 over a crafted wtmp (newest first).
LAST = (
    "alice    pts/2        2001:db8::5      Mon Nov 23 09:59:22 2026   gone - no logout\n"
    "averyveryverylongusername tty1                          Mon Nov 23 09:52:42 2026   gone - no logout\n"
    "root     pts/1        10.0.0.1         Mon Nov 23 09:51:02 2026   gone - no logout\n"
    "alice    pts/0        192.168.1.10     Mon Nov 23 09:01:02 2026 - Mon Nov 23 09:11:02 2026  (00:10)\n"
    "reboot   system boot  6.1.0-26-amd64   Mon Nov 23 08:01:02 2026   still running\n"
    "\n"
    "wtmp begins Mon Nov 23 08:01:02 2026\n"
)
KEYS = "root\t1\ntoor\t1\nalice\t2\nbob\t0\ncarol\t?\nsvc\t0\n"
SUDOERS = (
    "#\n# This file MUST be edited with the 'visudo' command as root.\n#\n"
    "Defaults\tenv_reset\n"
    "Defaults\tsecure_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\n"
    "User_Alias DBAS = postgres, \\\n    !mallory\n"
    "Cmnd_Alias BACKUP = /usr/bin/pg_dump\n"
    "root\tALL=(ALL:ALL) ALL\n"
    "%sudo\tALL=(ALL:ALL) ALL\n"
    "DBAS ALL=(postgres) NOPASSWD: BACKUP  # nightly dumps\n"
    "%ops, bob ALL = /usr/bin/systemctl restart odoo\n"
    "@includedir /etc/sudoers.d\n"
    "not readable /etc/sudoers.d/90-cloud-init-users\n"
)


def answer(token: str = TOKEN, banner: str = "", **sections: str) -> str:
    """What the host sends back: marked sections, then the end line with the token."""
    body = "".join(f"\n{oa.MARKER}{name}\n{text}" for name, text in sections.items())
    return f"{banner}{body}\n{oa.MARKER}end {token}\n"


def full(**changes: str) -> dict[str, str]:
    sections = {"passwd": PASSWD, "group": GROUP, "shadow": SHADOW, "sudoers": SUDOERS,
                "login_source": "lastlog", "logins": LASTLOG, "keys": KEYS}
    sections.update(changes)
    return sections


def read(policy: AccessPolicy = AccessPolicy(), **changes: str) -> tuple[dict[str, Account], str]:
    accounts, note = accounts_from_sections("erp-app-1", full(**changes), policy, NOW)
    by_name = {a.name: a for a in accounts}
    assert len(by_name) == len(accounts), "an account is listed twice"
    return by_name, note


def fact(account: Account, name: str) -> str | None:
    return dict(account.facts).get(name)


# --- the files ------------------------------------------------------------------------------


def test_passwd_reads_comments_crlf_nis_and_short_lines():
    table = oa.parse_passwd(PASSWD)
    names = [e.name for e in table.entries]
    assert names == ["root", "daemon", "sync", "toor", "sshd", "postgres", "nobody", "alice",
                     "bob", "carol", "dave", "erin", "svc", "legacy"]
    assert (table.bad, table.nis) == (0, 2)
    toor = table.entries[3]
    assert (toor.uid, toor.shell) == (0, "/bin/sh")  # no \r left from the CRLF line
    legacy = table.entries[-1]
    assert (legacy.gecos, legacy.home, legacy.shell) == ("Legacy", "", "")


def test_passwd_cut_short_skips_the_broken_line_and_says_so():
    cut = PASSWD[: PASSWD.index("bob:x:10") + len("bob:x:10")]  # a huge file cut mid-line
    table = oa.parse_passwd(cut)
    assert [e.name for e in table.entries][-1] == "alice" and table.bad == 1
    accounts, note = read(passwd=cut)
    assert "bob" not in accounts and "alice" in accounts
    assert "1 line of /etc/passwd could not be read and was skipped" in note


def test_group_members_are_trimmed_and_empty_members_dropped():
    groups = {g.name: g for g in oa.parse_group(GROUP).entries}
    assert groups["sudo"].members == ("alice",)
    assert groups["docker"].members == ("bob",)
    assert groups["root"].members == () and groups["root"].gid == 0


def test_shadow_fields_and_not_readable_marker():
    entries = {e.name: e for e in oa.parse_shadow(SHADOW).entries}
    assert (entries["alice"].lastchg, entries["alice"].max_days) == (20600, 90)
    assert entries["dave"].expire == 20700 and entries["root"].expire is None
    assert entries["legacy"] == oa.ShadowEntry("legacy", "$y$j9T$abc$def", 20770, None, None)
    assert oa.parse_shadow("not readable\n") is None
    assert oa.parse_shadow("") is None


def test_lastlog_output_with_never_long_names_and_offsets():
    logins = oa.parse_logins("lastlog", LASTLOG)
    rec = logins.records
    assert rec["root"] == oa.LoginRecord(1795428062.0, "pts/0", "10.0.0.1")
    assert rec["daemon"].ts is None and rec["bob"].ts is None
    assert rec["alice"] == oa.LoginRecord(1795428062.0 - 40 * 86400, "pts/3", "")
    assert rec["averyveryverylongusername"] == oa.LoginRecord(
        1795428062.0 - 3 * 86400, "", "workstation.example.com")
    # "%e" pads the day with a space; +0100 is an hour ahead of UTC.
    assert rec["carol"].ts == 1795428062.0 - 20 * 86400
    assert logins.bad == 0


def test_last_output_keeps_the_newest_login_per_user():
    logins = oa.parse_logins("last", LAST)
    assert logins.records["alice"] == oa.LoginRecord(1795427962.0, "pts/2", "2001:db8::5")
    assert logins.records["averyveryverylongusername"].host == ""
    assert logins.records["root"].host == "10.0.0.1"
    assert "reboot" not in logins.records and logins.bad == 0
    assert logins.since == 1795420862.0


def test_keys_lines():
    assert oa.parse_keys(KEYS + "garbage line\n<b>x</b>\t3\n") == {
        "root": 1, "toor": 1, "alice": 2, "bob": 0, "carol": None, "svc": 0}


def test_sudoers_names_users_groups_aliases_and_unreadable_files():
    rules = oa.parse_sudoers(SUDOERS)
    assert rules.users["root"].startswith("root\tALL=")
    assert rules.users["postgres"].startswith("DBAS ALL=(postgres)")
    assert "mallory" not in rules.users and "!mallory" not in rules.users
    assert rules.users["bob"].startswith("%ops, bob ALL")
    assert set(rules.groups) == {"sudo", "ops"}
    assert rules.everyone == ""
    assert rules.unreadable == ("/etc/sudoers.d/90-cloud-init-users",)
    assert rules.rule_for("carol", 1003, ("carol", "ops")).startswith("%ops")
    assert rules.rule_for("erin", 1005, ("erin",)) == ""
    assert oa.parse_sudoers("ALL ALL=(ALL) ALL\n").rule_for("anyone", 5000, ()) != ""


# --- accounts -------------------------------------------------------------------------------


def test_accounts_privileges_and_logins():
    accounts, note = read()
    assert set(accounts) == {"root", "toor", "postgres", "alice", "bob", "carol", "dave", "erin",
                             "svc", "legacy"}
    toor = accounts["toor"]
    assert toor.superuser and toor.privileges == ("GROUP root", "UID 0")
    assert (toor.source, toor.system, toor.kind) == ("os", "erp-app-1", "linux")
    assert toor.key == "os/erp-app-1/toor" and toor.display_name == "Second root"
    assert accounts["root"].privileges == ("GROUP root", "SUDO", "UID 0")
    alice = accounts["alice"]
    assert alice.privileges == ("GROUP sudo", "SUDO") and not alice.superuser
    assert alice.display_name == "Alice Admin"
    assert fact(alice, "groups") == "alice, sudo" and fact(alice, "authorized keys") == "2"
    assert alice.last_login == 1795428062.0 - 40 * 86400 and alice.login_tracked
    assert fact(alice, "last login on") == "pts/3"
    assert accounts["root"].last_login == 1795428062.0
    assert fact(accounts["root"], "last login from") == "10.0.0.1"
    assert accounts["bob"].privileges == ("GROUP docker", "SUDO")
    assert accounts["bob"].last_login is None and accounts["bob"].login_tracked
    assert accounts["postgres"].privileges == ("SUDO",)
    assert fact(accounts["postgres"], "sudo rule").startswith("DBAS ALL=(postgres)")
    assert accounts["carol"].privileges == ("SUDO",)  # through %ops
    assert fact(accounts["carol"], "authorized keys") == "not readable"
    assert "last logins from lastlog" in note
    assert "sudoers not readable (/etc/sudoers.d/90-cloud-init-users)" in note
    assert "authorized_keys not readable for 1 account:" in note
    assert "2 NIS lines" in note


def test_login_shells_and_system_accounts():
    accounts, note = read()
    svc = accounts["svc"]  # UID 1006: a person could be behind it, so it stays
    assert not svc.can_login and not svc.active
    assert fact(svc, "login") == "no: /usr/sbin/nologin refuses logins"
    assert accounts["legacy"].can_login and fact(accounts["legacy"], "shell") == "/bin/sh"
    assert accounts["postgres"].can_login  # UID 101 with a real shell: kept
    assert "4 system accounts left out" in note  # daemon, sync, sshd, nobody
    everything, _note = read(AccessPolicy(ignore_system_accounts=False))
    assert {"daemon", "sync", "sshd", "nobody"} <= set(everything)
    assert not everything["sync"].can_login and not everything["nobody"].can_login


def test_password_states_and_aging():
    accounts, _note = read()
    alice, bob, carol = accounts["alice"], accounts["bob"], accounts["carol"]
    assert alice.password_expired and alice.password_never_expires is False
    assert alice.password_changed == 20600 * 86400.0
    assert alice.password_expires == (20600 + 90) * 86400.0
    assert fact(alice, "password lifetime") == "90 days" and not alice.locked
    assert not bob.password_expired and bob.password_never_expires is True
    assert fact(bob, "password") == "set" and bob.active
    assert carol.locked and fact(carol, "password") == "locked"
    assert carol.password_never_expires is None  # no usable password
    dave = accounts["dave"]
    assert dave.locked and fact(dave, "account expires") == "2026-09-04"
    assert accounts["erin"].password_expired and accounts["erin"].password_changed is None
    root = accounts["root"]
    assert fact(root, "password") == "none" and root.password_never_expires is None
    assert not root.locked and root.active  # "*": no password, a key may still work
    assert accounts["legacy"].password_never_expires is True


def test_empty_password_field_is_shown():
    accounts, _note = read(shadow=SHADOW.replace("bob:$y$j9T$abc$def:", "bob::"))
    assert fact(accounts["bob"], "password") == "empty (no password asked)"


def test_shadow_not_readable_is_a_note_with_the_fix():
    accounts, note = read(shadow="not readable")
    assert "/etc/shadow not readable" in note
    assert "run as root or add the monitor user to the shadow group" in note
    carol = accounts["carol"]
    assert not carol.locked and carol.password_never_expires is None
    assert fact(carol, "password") == "not readable"
    assert carol.password_changed is None and not carol.password_expired


def test_login_sources_missing_or_unreadable():
    accounts, note = read(login_source="none", logins="")
    assert not accounts["root"].login_tracked and accounts["root"].last_login is None
    assert "no last-login record on the host" in note
    garbage = "<html><body>\n<h1>Service Unavailable</h1>\n</body></html>\n"
    accounts, note = read(logins=garbage)
    assert not accounts["alice"].login_tracked and accounts["alice"].last_login is None
    assert "the output of lastlog could not be read" in note
    accounts, note = read(login_source="last", logins=LAST)
    assert accounts["alice"].last_login == 1795427962.0
    assert fact(accounts["alice"], "last login from") == "2001:db8::5"
    assert "last logins from last (wtmp, kept since 2026-11-23)" in note


# --- whole answers and garbage --------------------------------------------------------------


def test_whole_answer_with_banner_crlf_and_non_utf8_gecos():
    passwd = PASSWD.encode() + b"jose:x:1010:1010:Jos\xe9 Garc\xeda,,,:/home/jose:/bin/bash\n"
    text = answer(banner="Welcome to ACME!\r\nroot:x:0:0:fake::\r\n", **full(passwd="@P@"))
    raw = text.encode().replace(b"@P@", passwd).replace(b"\n", b"\r\n")
    accounts, _note = accounts_from_output("erp-app-1", raw, TOKEN, AccessPolicy(), NOW)
    by_name = {a.name: a for a in accounts}
    assert by_name["jose"].display_name == "Jos\ufffd Garc\ufffda"
    assert [a.name for a in accounts].count("root") == 1
    assert by_name["root"].display_name == "root"  # not the banner's line
    assert by_name["toor"].superuser


@pytest.mark.parametrize("garbage", [
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    "<body><p>root:x:0:0:root:/root:/bin/bash</p></body></html>\n",
    "This account is currently not available.\n",
    "\x00\x01\x7fELF\x02\x01\x01\x00binary:noise:here\n",
])
def test_answer_that_is_not_the_listing_is_refused(garbage):
    with pytest.raises(oa.OsParseError) as info:
        accounts_from_output("erp-app-1", garbage, TOKEN, AccessPolicy(), NOW)
    assert "cut short or is not its output" in info.value.message


def test_end_line_of_another_read_does_not_count():
    with pytest.raises(oa.OsParseError):
        accounts_from_output("erp-app-1", answer("feedbeef", **full()), TOKEN, AccessPolicy(), NOW)


@pytest.mark.parametrize("section", ["passwd", "group"])
def test_garbage_in_passwd_or_group_is_refused(section):
    html = ("<html>\n<body>\n<p>Maintenance until 12:00: back:soon</p>\n"
            "root:x:0:0:root:/root:/bin/bash\n</body>\n</html>\n")
    with pytest.raises(oa.OsParseError) as info:
        accounts_from_output("h", answer(**full(**{section: html})), TOKEN, AccessPolicy(), NOW)
    assert f"/etc/{section} from the host could not be read" in info.value.message
    assert "lines are not lines of that file" in info.value.message


def test_missing_or_empty_passwd_is_refused():
    sections = full()
    del sections["passwd"]
    with pytest.raises(oa.OsParseError, match="it is empty or missing"):
        accounts_from_sections("h", sections, AccessPolicy(), NOW)
    with pytest.raises(oa.OsParseError):
        accounts_from_sections("h", full(passwd="# nothing here\n\n"), AccessPolicy(), NOW)


def test_garbage_shadow_is_a_note_not_invented_passwords():
    accounts, note = read(shadow="<html>\n<body>\n<p>oops</p>\n</body>\n</html>\n")
    assert "/etc/shadow not readable" in note
    assert all(a.password_never_expires is None for a in accounts.values())


def test_command_text_is_fixed_and_carries_the_token():
    command = oa.os_accounts_command(TOKEN)
    assert command.startswith("(\n" + oa.OS_ACCOUNTS_SCRIPT)
    assert command.endswith(f"printf '\\n{oa.MARKER}end %s\\n' {TOKEN}\n")
    with pytest.raises(ValueError):
        oa.os_accounts_command("x; rm -rf /")
