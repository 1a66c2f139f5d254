"""Reading the OS accounts of a host for the access review: over SSH, or on this workstation.

``read_os_accounts`` runs the fixed script of ``os_accounts`` once (one round trip), splits
the marked answer and turns it into ``Account`` rows. Over SSH it opens a connection of its
own, exactly as the monitor would (``~/.ssh/config``, keys, agent, keyring; the same
known_hosts files, so an unknown or changed host key is refused, never accepted), and closes
it afterwards: a review never waits on a poll, nor a poll on a review. This workstation is
read by a local ``sh`` running the same text (both ways of running it are in ``os_exec``).
Expected failures never raise: they come back as a ``SourceExtract`` whose ``error`` says
what is wrong and what to do.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from erpconsole.services.access.models import OS, AccessPolicy, Account, SourceExtract
from erpconsole.services.access.os_accounts import (
    ADMIN_GROUPS, DAY_S, FIRST_USER_UID, KIND, LOGIN_SOURCES, NEVER_EXPIRES_DAYS,
    NO_LOGIN_SHELLS, NOBODY_UIDS, OS_ACCOUNTS_SCRIPT, GroupEntry, Logins,
    OsParseError, PasswdEntry, ShadowEntry, SudoRules, Table, garbled, os_accounts_command,
    parse_group, parse_keys, parse_logins, parse_passwd, parse_shadow, parse_sudoers,
)
from erpconsole.services.access.os_exec import run_local, run_ssh
from erpconsole.services.errors import CollectorError
from erpconsole.services.hosts.probe import new_token
from erpconsole.services.hosts.probe_answer import ProbeParseError, split_sections
from erpconsole.i18n import _, ngettext
from erpconsole.services.models import LOCAL_HOST
from erpconsole.services.secrets import SecretStore

if TYPE_CHECKING:
    from erpconsole.config import HostConfig

log = logging.getLogger(__name__)

# --- accounts -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Password:
    state: str  # set | locked | none | empty | unreadable | unknown
    changed: float | None = None
    expires: float | None = None
    expired: bool = False
    never_expires: bool | None = None
    account_expired: bool = False
    facts: tuple[tuple[str, str], ...] = ()


def _password_state(field: str | None, shadow_read: bool) -> str:
    if field is None:
        return "unknown" if shadow_read else "unreadable"
    if field == "":
        return "empty"
    if field.startswith("!"):
        return "locked"
    if field.startswith("*") or field == "x":
        return "none"
    return "set"


def _state_text(state: str) -> str:
    return {"set": _("set"), "locked": _("locked"), "none": _("none"),
            "empty": _("empty (no password asked)"), "unreadable": _("not readable"),
            "unknown": _("unknown")}[state]


def _date(days: int) -> str:
    return datetime.fromtimestamp(days * DAY_S, timezone.utc).date().isoformat()


def _password(e: PasswdEntry, sh: ShadowEntry | None, shadow_read: bool, now: float
              ) -> _Password:
    # Without a shadow entry a field other than "x" is the password itself (old systems).
    field = sh.password if sh else (None if e.password == "x" else e.password)
    state = _password_state(field, shadow_read)
    if sh is None:
        return _Password(state, facts=((_("password"), _state_text(state)),))
    usable = state == "set"
    changed = float(sh.lastchg * DAY_S) if sh.lastchg else None
    ages = sh.max_days is not None and sh.max_days < NEVER_EXPIRES_DAYS
    expires = float((sh.lastchg + sh.max_days) * DAY_S) if ages and sh.lastchg else None
    expired = usable and (sh.lastchg == 0 or (expires is not None and expires <= now))
    # shadow(5): 0 is read both as "no expiry" and as 1970-01-01; taken as not set.
    account_expired = bool(sh.expire) and sh.expire * DAY_S <= now
    facts = [(_("password"), _state_text(state))]
    if ages:
        facts.append((_("password lifetime"), _("{n} days").format(n=sh.max_days)))
    if sh.expire:
        facts.append((_("account expires"), _date(sh.expire)))
    return _Password(state, changed, expires, expired, (not ages) if usable else None,
                     account_expired, tuple(facts))


@dataclass(frozen=True, slots=True)
class _Host:
    """What the accounts of one host are judged against."""

    system: str
    by_gid: dict[int, set[str]]  # group names per GID (a primary group counts too)
    by_member: dict[str, set[str]]  # group names per listed member
    shadow: dict[str, ShadowEntry] | None
    logins: Logins | None
    keys: dict[str, int | None]
    sudo: SudoRules
    now: float

    def groups_of(self, e: PasswdEntry) -> tuple[str, ...]:
        return tuple(sorted(self.by_gid.get(e.gid, set()) | self.by_member.get(e.name, set())))


def _group_index(groups: tuple[GroupEntry, ...]) -> tuple[dict[int, set[str]], dict[str, set[str]]]:
    """Indexes, so that a directory-sized host (thousands of users and groups) stays linear."""
    by_gid: dict[int, set[str]] = {}
    by_member: dict[str, set[str]] = {}
    for g in groups:
        by_gid.setdefault(g.gid, set()).add(g.name)
        for member in g.members:
            by_member.setdefault(member, set()).add(g.name)
    return by_gid, by_member


def _login(shell: str) -> tuple[bool, str]:
    shown = shell or "/bin/sh"
    if shown.rsplit("/", 1)[-1] in NO_LOGIN_SHELLS:
        return False, _("no: {shell} refuses logins").format(shell=shown)
    return True, _("yes: {shell} is a login shell").format(shell=shown)


def _keys_fact(host: _Host, name: str) -> str:
    if name not in host.keys:
        return _("unknown")
    n = host.keys[name]
    return _("not readable") if n is None else str(n)


def _last_login(host: _Host, name: str) -> tuple[float | None, tuple[tuple[str, str], ...]]:
    rec = host.logins.records.get(name) if host.logins else None
    if rec is None or rec.ts is None:
        return None, ()
    if rec.host:
        return rec.ts, ((_("last login from"), rec.host),)
    return rec.ts, ((_("last login on"), rec.line),) if rec.line else ()


def _account(e: PasswdEntry, host: _Host) -> Account:
    groups = host.groups_of(e)
    can_login, login_fact = _login(e.shell)
    shadow = host.shadow.get(e.name) if host.shadow is not None else None
    pw = _password(e, shadow, host.shadow is not None, host.now)
    sudo = host.sudo.rule_for(e.name, e.uid, groups)
    privileges = {f"GROUP {g}" for g in groups if g in ADMIN_GROUPS}
    privileges |= {"UID 0"} if e.uid == 0 else set()
    privileges |= {"SUDO"} if sudo else set()
    last, last_facts = _last_login(host, e.name)
    facts = [("UID", str(e.uid)), ("GID", str(e.gid)), (_("home"), e.home),
             (_("shell"), e.shell or "/bin/sh"), (_("login"), login_fact),
             (_("groups"), ", ".join(groups)), (_("authorized keys"), _keys_fact(host, e.name)),
             *pw.facts, *last_facts]
    if sudo:
        facts.append((_("sudo rule"), sudo))
    return Account(
        source=OS, system=host.system, kind=KIND, name=e.name,
        display_name=e.gecos.split(",")[0].strip(), can_login=can_login,
        locked=pw.state == "locked" or pw.account_expired, superuser=e.uid == 0,
        privileges=tuple(sorted(privileges)), last_login=last, login_tracked=host.logins is not None,
        password_changed=pw.changed, password_expires=pw.expires,
        password_never_expires=pw.never_expires, password_expired=pw.expired, facts=tuple(facts))


def _system_account(a: Account, uid: int) -> bool:
    """Left out under ``ignore_system_accounts``: a service account no one can log in as."""
    return not a.can_login and ((0 < uid < FIRST_USER_UID) or uid in NOBODY_UIDS)


# --- the whole answer -----------------------------------------------------------------------


def _required(sections: dict[str, str], name: str, path: str) -> Table:
    table = (parse_passwd if name == "passwd" else parse_group)(sections.get(name, ""))
    if not table.entries and not table.bad:
        problem = _("it is empty or missing")
    elif garbled(table) or not table.entries:
        problem = _("{bad} of {total} lines are not lines of that file").format(
            bad=table.bad, total=table.bad + len(table.entries))
    else:
        return table
    raise OsParseError(_(
        "{path} from the host could not be read: {problem}; the answer is not the file (a "
        "banner, a menu or an error page came instead?); check that `sh -c` works for this "
        "account").format(path=path, problem=problem), (sections.get(name) or "")[:300])


def _shadow(text: str, notes: list[str]) -> dict[str, ShadowEntry] | None:
    table = parse_shadow(text)
    if table is None or garbled(table):
        notes.append(_("/etc/shadow not readable: password aging and locks unknown; run as "
                       "root or add the monitor user to the shadow group"))
        return None
    out: dict[str, ShadowEntry] = {}
    for entry in table.entries:
        out.setdefault(entry.name, entry)
    return out


def _logins(sections: dict[str, str], notes: list[str]) -> Logins | None:
    source = sections.get("login_source", "").strip()
    if source not in LOGIN_SOURCES:
        notes.append(_("no last-login record on the host (lastlog, lastlog2 and last are all "
                       "missing): last login unknown"))
        return None
    logins = parse_logins(source, sections.get("logins", ""))
    if garbled(Table(tuple(logins.records), logins.bad)):
        notes.append(_("the output of {tool} could not be read: last login unknown").format(
            tool=source))
        return None
    if source == "last":
        since = _date(int(logins.since // DAY_S)) if logins.since is not None else "?"
        notes.append(_("last logins from last (wtmp, kept since {since})").format(since=since))
    else:
        notes.append(_("last logins from {tool}").format(tool=source))
    return logins


def _skipped_notes(passwd: Table, keys: dict[str, int | None], sudo: SudoRules) -> list[str]:
    notes = []
    if passwd.bad:
        notes.append(ngettext("{n} line of /etc/passwd could not be read and was skipped (cut short?)",
                              "{n} lines of /etc/passwd could not be read and were skipped (cut short?)",
                              passwd.bad).format(n=passwd.bad))
    if passwd.nis:
        notes.append(ngettext("{n} NIS line (+/-) in /etc/passwd not followed: accounts from NIS "
                              "are not listed",
                              "{n} NIS lines (+/-) in /etc/passwd not followed: accounts from NIS "
                              "are not listed", passwd.nis).format(n=passwd.nis))
    hidden = sum(1 for n in keys.values() if n is None)
    if hidden:
        notes.append(ngettext("authorized_keys not readable for {n} account: run as root to count them",
                              "authorized_keys not readable for {n} accounts: run as root to count them",
                              hidden).format(n=hidden))
    if sudo.unreadable:
        notes.append(_("sudoers not readable ({files}): SUDO rules not checked; run as root "
                       "to include them").format(files=", ".join(sudo.unreadable)))
    return notes


def accounts_from_sections(system: str, sections: dict[str, str], policy: AccessPolicy,
                           now: float) -> tuple[list[Account], str]:
    """(accounts, note) from the split answer; OsParseError when passwd or group is garbage."""
    passwd = _required(sections, "passwd", "/etc/passwd")
    groups = _required(sections, "group", "/etc/group")
    notes: list[str] = []
    shadow = _shadow(sections.get("shadow", ""), notes)
    logins = _logins(sections, notes)
    keys, sudo = parse_keys(sections.get("keys", "")), parse_sudoers(sections.get("sudoers", ""))
    host = _Host(system, *_group_index(groups.entries), shadow, logins, keys, sudo, now)
    accounts: list[Account] = []
    seen: set[str] = set()
    left_out = 0
    for entry in passwd.entries:
        if entry.name in seen:
            continue  # the C library answers with the first line of a name
        seen.add(entry.name)
        account = _account(entry, host)
        if policy.ignore_system_accounts and _system_account(account, entry.uid):
            left_out += 1
        else:
            accounts.append(account)
    notes += _skipped_notes(passwd, keys, sudo)
    if left_out:
        notes.append(ngettext("{n} system account left out (UID below {uid} or nobody, no login shell)",
                              "{n} system accounts left out (UID below {uid} or nobody, no login shell)",
                              left_out).format(n=left_out, uid=FIRST_USER_UID))
    return accounts, "; ".join(notes)


def accounts_from_output(system: str, text: str | bytes, token: str | None,
                         policy: AccessPolicy, now: float) -> tuple[list[Account], str]:
    """The host's whole answer (``token``: the end line it must carry)."""
    try:
        sections = split_sections(text, token)
    except ProbeParseError as exc:
        raise OsParseError(_(
            "the host's answer to the account listing was cut short or is not its output "
            "(no end line came back): check that a POSIX `sh` runs for this account and that "
            "nothing prints a menu or banner instead"), exc.excerpt) from exc
    return accounts_from_sections(system, sections, policy, now)


# --- running it -----------------------------------------------------------------------------


def read_os_accounts(host: HostConfig | None, policy: AccessPolicy,
                     secrets: SecretStore | None = None,
                     known_hosts_path: str | Path | None = None, now: float | None = None,
                     timeout_s: float = 20.0, login_gate=None) -> tuple[list[Account], SourceExtract]:
    """The accounts of ``host`` (None: this workstation) and how they were read.

    ``known_hosts_path`` is the console's own known_hosts (default: its data folder);
    ``now`` the wall-clock time the expiry dates are judged at (default: now).
    """
    system = host.name if host is not None else LOCAL_HOST
    ts = time.time() if now is None else now
    started = time.monotonic()
    extract = SourceExtract(system, OS, KIND, OS_ACCOUNTS_SCRIPT, 0, ts)
    token = new_token()
    try:
        if host is None:
            text = run_local(os_accounts_command(token), timeout_s)
        else:
            text = run_ssh(host, os_accounts_command(token), token, secrets,
                           known_hosts_path, timeout_s, login_gate=login_gate)
        accounts, note = accounts_from_output(system, text, token, policy, ts)
    except CollectorError as exc:
        log.info("%s: OS accounts not read: %s (%s)", system, exc.message, exc.detail)
        return [], replace(extract, duration_s=time.monotonic() - started, error=exc.message)
    return accounts, replace(extract, rows=len(accounts), note=note,
                             duration_s=time.monotonic() - started)
