"""The text the console sends to a watched host: fixed POSIX sh, no agent, no inventory values.

One poll is one round trip. ``probe_command(token)`` is sent to a long-lived ``sh`` reading its
standard input (or run through ``sh -c`` where a kept channel is refused, see
``exec_line``). The host answers with marked sections::

    @@erpconsole:stat
    cpu  3166 0 1885 ...
    @@erpconsole:meminfo
    ...
    @@erpconsole:end 9f2c4e...

and the reader knows the answer is complete when the end line carries the token it sent
(``probe_answer.split_sections``). Everything here is text: no I/O, no paramiko.

How the scripts behave, and why:
- They run in a subshell with stdin from /dev/null and stderr to /dev/null, so a command that
  reads stdin cannot eat the next poll's text on a kept channel, a missing file or command
  prints nothing (never a message inside a section), and no variable or function leaks into
  the kept shell. The end line is printed outside the subshell: it comes even when a command
  in the probe fails.
- Each marker is preceded by a newline so it always starts a line, even after a file that
  does not end with one; the parsers skip blank lines.
- Only dash/BusyBox-ash features: ``read``, globs, ``${var##*/}``, ``printf``; forks are few
  (one ``head`` for all /proc files, ``df``, builtins for the rest) because a poll on a kept
  channel should cost a few milliseconds, and a fork+exec costs about one on a small VM.
- The channel must run ``sh`` without a pseudo-terminal: a pty echoes the command and mixes
  stderr into stdout. The marker lines of the echo would not start a line, but a pty also
  turns ``\\n`` into ``\\r\\n`` (split_sections copes with that too).
"""

from __future__ import annotations

import re
import secrets
import shlex

MARKER = "@@erpconsole:"
END = "end"

# Section name -> where its text comes from on the host (used in messages a person reads).
PROBE_SECTIONS: dict[str, str] = {
    "stat": "/proc/stat",
    "meminfo": "/proc/meminfo",
    "loadavg": "/proc/loadavg",
    "uptime": "/proc/uptime",
    "net_dev": "/proc/net/dev",
    "diskstats": "/proc/diskstats",
    "df": "df -P -k",
    "temp": "/sys/class/thermal, /sys/class/hwmon",
    "procs": "/proc/[0-9]*",
}
FACTS_SECTIONS: dict[str, str] = {
    "os_release": "/etc/os-release",
    "uname": "uname -srm",
    "kernel": "uname -r",
    "cpuinfo": "/proc/cpuinfo",
    "cpus": "getconf _NPROCESSORS_ONLN",
    "memtotal": "/proc/meminfo",
    "reboot": "/var/run/reboot-required",
    "kernels": "/boot/vmlinuz-*",
}

# File systems that hold no admin data (memory, images, kernel views): df leaves them out.
PSEUDO_FSTYPES: tuple[str, ...] = (
    "tmpfs", "devtmpfs", "overlay", "squashfs", "proc", "sysfs", "devfs", "ramfs", "iso9660",
    "udf", "efivarfs", "cgroup", "cgroup2", "devpts", "mqueue", "debugfs", "tracefs",
    "securityfs", "pstore", "bpf", "configfs", "fusectl", "hugetlbfs", "autofs", "binfmt_misc",
    "nsfs", "rpc_pipefs",
)

_EXCLUDES = " ".join(f"-x {t}" for t in PSEUDO_FSTYPES)

# GNU df knows -T and -x; BusyBox df refuses -x, so the plain POSIX form is the fallback.
# `timeout` keeps a hung NFS mount from wedging every poll (-k: a TERM may be ignored in the
# NFS wait, a KILL is not); its 124 means "df hung", and then the plain df is not tried (it
# would hang as well). Without `timeout` (rc 127) the fallback
# runs. df's own rc is ignored: it is 1 whenever one mount cannot be read, with good output.
_DF = f"""\
o=$(timeout -k 1 5 df -P -k -T {_EXCLUDES}); r=$?
if [ -z "$o" ] && [ "$r" != 124 ]; then o=$(df -P -k); fi
[ -n "$o" ] && printf '%s\\n' "$o"
"""

# read(1) is a builtin: one sensor costs no fork. Fields are tab separated because labels
# ("Package id 0") hold spaces; an unreadable value stays empty and the parser skips it.
_TEMP = """\
for z in /sys/class/thermal/thermal_zone*; do
  [ -r "$z/temp" ] || continue
  t=; n=; read -r t < "$z/temp"; read -r n < "$z/type"
  printf 'thermal\\t%s\\t%s\\t%s\\n' "${z##*/}" "$n" "$t"
done
for f in /sys/class/hwmon/hwmon*/temp*_input; do
  [ -r "$f" ] || continue
  d=${f%/*}; b=${f##*/}; b=${b%_input}
  c=; l=; v=; m=; k=
  read -r c < "$d/name"; read -r l < "$d/${b}_label"; read -r v < "$f"
  read -r m < "$d/${b}_max"; read -r k < "$d/${b}_crit"
  printf 'hwmon\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$c" "$b" "$l" "$v" "$m" "$k"
done
"""

_PRELUDE = f"""\
LC_ALL=C; export LC_ALL
s() {{ printf '\\n{MARKER}%s\\n' "$1"; }}
"""

# The six /proc files go through one `head`: POSIX has it print "==> FILE <==" before each
# file when given several, which split_sections turns into sections. One exec instead of six
# saves about a millisecond per file on a small VM, most of a kept-channel poll.
PROC_BUNDLE = "proc"
PROC_FILES: dict[str, str] = {
    "/proc/stat": "stat",
    "/proc/meminfo": "meminfo",
    "/proc/loadavg": "loadavg",
    "/proc/uptime": "uptime",
    "/proc/net/dev": "net_dev",
    "/proc/diskstats": "diskstats",
}

PROBE_SCRIPT: str = (
    _PRELUDE
    + f"s {PROC_BUNDLE}; head -n 1000000 {' '.join(PROC_FILES)}\n"
    + "s df\n"
    + _DF
    + "s temp\n"
    + _TEMP
    # The glob is expanded by the shell itself: counting processes costs no fork.
    + """\
s procs
set -- /proc/[0-9]*; [ -e "$1" ] && echo $#
"""
)

# Slow facts, polled every few minutes. cpuinfo is filtered on the host: it runs to ~30
# lines per CPU, and only the model lines and the processor count are wanted.
FACTS_SCRIPT: str = (
    _PRELUDE
    + """\
s os_release; cat /etc/os-release || cat /usr/lib/os-release
s uname; uname -srm
s kernel; uname -r
s cpuinfo
grep -E '^(processor|model name|Hardware|Processor|cpu model|cpu)[[:space:]]*:' /proc/cpuinfo
s cpus; getconf _NPROCESSORS_ONLN || nproc
s memtotal; grep '^MemTotal:' /proc/meminfo
s reboot; if [ -e /var/run/reboot-required ] || [ -e /run/reboot-required ]; then echo required; fi
s kernels
for k in /boot/vmlinuz-*; do [ -e "$k" ] && printf '%s\\n' "${k#/boot/vmlinuz-}"; done
"""
)

# The token travels inside the sentinel line; anything that could break that line (spaces,
# newlines) or need more than quoting is refused rather than escaped.
_TOKEN_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def new_token() -> str:
    """A fresh per-poll token: output of an earlier, timed-out poll can never pass as this one."""
    return secrets.token_hex(8)


def wrap_command(script: str, token: str) -> str:
    """``script`` in a quiet subshell, followed by the end line carrying ``token``."""
    if not _TOKEN_RE.fullmatch(token):
        raise ValueError(f"probe token must be 1-64 of [A-Za-z0-9_.-], got {token!r}")
    return (
        "(\n"
        + script
        + ") </dev/null 2>/dev/null\n"
        + f"printf '\\n{MARKER}{END} %s\\n' {shlex.quote(token)}\n"
    )


def wrap_buffered(script: str, token: str) -> str:
    """As ``wrap_command``, but the shell holds the whole answer and writes it once, the end
    line with it. Each process of the script writing on its own made about 6 SSH packets per
    poll, each one decrypted, checked and handed between threads on our side; one write makes
    one packet: measured on loopback, a kept-channel round trip took 0.27 ms of our CPU instead
    of 0.70. Only for scripts whose answer is small and bounded (the poll's /proc reads, the
    facts: two cpuinfo lines per CPU at most); a long answer would wait in the host's shell
    instead of streaming past the byte limit."""
    if not _TOKEN_RE.fullmatch(token):
        raise ValueError(f"probe token must be 1-64 of [A-Za-z0-9_.-], got {token!r}")
    return (
        f"printf '%s\\n\\n{MARKER}{END} %s\\n' \"$(exec </dev/null 2>/dev/null\n"
        + script
        + f")\" {shlex.quote(token)}\n"
    )


def probe_command(token: str) -> str:
    """The text to write to a kept ``sh`` channel for one poll: written back in one piece."""
    return wrap_buffered(PROBE_SCRIPT, token)


def facts_command(token: str) -> str:
    """The text to write to a kept ``sh`` channel for the slow facts, written back in one
    piece (12 SSH packets otherwise: a connection's first poll read them, 1.5 ms of our CPU)."""
    return wrap_buffered(FACTS_SCRIPT, token)


def exec_line(command: str) -> str:
    """``command`` as one ``exec_command`` line: the login shell may not be POSIX (fish, csh)."""
    return "sh -c " + shlex.quote(command)
