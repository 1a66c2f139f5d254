"""Plugin output read by the parsers the monitoring world uses, not by a regex of ours:

- Icinga 2's own ``parse_performance_data()`` (its PerfdataValue rules: label, value, unit,
  warn, crit, min, max), run by ``icinga2 console`` (Debian's icinga2-bin);
- the Monitoring Plugins project's Perl library, Monitoring::Plugin::Performance's
  ``parse_perfstring`` (it splits a whole performance data string) and
  Monitoring::Plugin::Threshold's ``get_status`` (what the ranges say a value is: 0, 1, 2)
  (Debian's libmonitoring-plugin-perl).

The split of the output into the first line, the long output and the performance data follows
the guidelines' layout: "TEXT | PERF" on the first line, then long text lines, and after a
line starting with "|" more performance data, one or more items a line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass

from tests.conftest import require

ICINGA2 = "/usr/sbin/icinga2"
_PERL = r"""
use strict; use warnings; use JSON::PP; use Monitoring::Plugin::Performance;
local $/; my $in = <STDIN>;
my @perf = Monitoring::Plugin::Performance->parse_perfstring($in);
my @out = map { {label => $_->label, value => $_->value, uom => $_->uom,
                 warning => "" . ($_->threshold->warning->is_set ? $_->threshold->warning : ""),
                 critical => "" . ($_->threshold->critical->is_set ? $_->threshold->critical : ""),
                 min => $_->min, max => $_->max,
                 status => $_->threshold->get_status($_->value)} } @perf;
print encode_json(\@out);
"""


@dataclass(frozen=True)
class PluginOutput:
    first_line: str  # the text the monitoring system shows
    long_text: list[str]
    perfdata: str  # all of it, first line's and the long output's, space separated


def split_output(out: str) -> PluginOutput:
    lines = out.rstrip("\n").split("\n")
    text, _bar, perf = lines[0].partition("|")
    long_text: list[str] = []
    more: list[str] = []
    in_perf = False
    for line in lines[1:]:
        if not in_perf and "|" in line:
            before, _bar, after = line.partition("|")
            if before.strip():
                long_text.append(before)
            more.append(after)
            in_perf = True
        elif in_perf:
            more.append(line)
        else:
            long_text.append(line)
    return PluginOutput(text.strip(), long_text, " ".join(p.strip() for p in [perf, *more] if p.strip()))


def monitoring_plugin_parse(perfdata: str) -> list[dict]:
    """Monitoring::Plugin::Performance's reading of a whole performance data string."""
    require(shutil.which("perl") is not None and subprocess.run(
        ["perl", "-MMonitoring::Plugin::Performance", "-e", "1"], capture_output=True).returncode == 0,
        "perl with Monitoring::Plugin (Debian: libmonitoring-plugin-perl)")
    r = subprocess.run(["perl", "-e", _PERL], input=perfdata, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _icinga_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def icinga_parse(items: list[str]) -> list[dict]:
    """Icinga 2's parse_performance_data() of each item (one ``icinga2 console`` run)."""
    require(shutil.which(ICINGA2) is not None or shutil.which("icinga2") is not None,
            "icinga2 (Debian: icinga2-bin)")
    program = shutil.which("icinga2") or ICINGA2
    expr = "[" + ", ".join(f"parse_performance_data({_icinga_string(i)})" for i in items) + "]"
    r = subprocess.run([program, "console", "-e", expr], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])
