"""A real Icinga 2 daemon (Debian's icinga2-bin) running one service check, as a monitoring
server runs a plugin: it executes the command, maps the exit code to a state, splits the output
into text and performance data by its own rules and normalises the performance data. Its
PerfdataWriter writes what it made of it to a file the test reads.

Everything lives in a folder of the test's; the daemon runs as root in its own session and is
stopped (its whole process group) when the check result is in or the deadline passes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import require

_CONFIG = """
object CheckCommand "erpconsole" {{
  command = {command}
  env = {env}
  timeout = 60s
}}
object Host "erp" {{
  check_command = "erpconsole"
  enable_active_checks = false
}}
object Service "inspect" {{
  host_name = "erp"
  check_command = "erpconsole"
  check_interval = 1s
  retry_interval = 1s
}}
object CheckerComponent "checker" {{ }}
object PerfdataWriter "result" {{
  service_perfdata_path = "{folder}/result"
  service_temp_path = "{folder}/result.tmp"
  host_perfdata_path = "{folder}/host"
  host_temp_path = "{folder}/host.tmp"
  rotation_interval = 1s
  service_format_template = "BEGIN\\tSTATE::$service.state$\\tPERF::$service.perfdata$\\tOUTPUT::$service.output$\\tEND"
}}
"""


@dataclass(frozen=True)
class IcingaResult:
    state: str  # OK, WARNING, CRITICAL, UNKNOWN: Icinga's reading of the exit code
    perfdata: str  # Icinga's performance data, normalised
    output: str  # the text: the first line and the long output, without the performance data


def _dsl(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_dsl(k)} = {_dsl(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[ " + ", ".join(_dsl(v) for v in value) + " ]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _read_result(folder: Path) -> IcingaResult | None:
    for path in folder.glob("result*"):
        text = path.read_bytes().decode("utf-8", errors="replace")
        if "\tEND" in text:
            record = text[text.index("BEGIN\t") + 6:text.index("\tEND")]
            fields = dict(part.split("::", 1) for part in record.split("\t"))
            return IcingaResult(fields["STATE"], fields["PERF"], fields["OUTPUT"])
    return None


def run_check(folder: Path, command: list[str], env: dict[str, str], deadline_s: float = 90) -> IcingaResult:
    """Icinga 2 runs ``command`` once as a service check; what it made of the result."""
    program = shutil.which("icinga2")
    require(program is not None, "icinga2 (Debian: icinga2-bin)")
    folder.mkdir(parents=True, exist_ok=True)
    dirs = {name: folder / name / "icinga2" for name in ("lib", "log", "cache", "spool", "run")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    conf = folder / "icinga2.conf"
    conf.write_text(_CONFIG.format(command=_dsl(command), env=_dsl(env), folder=folder))
    args = [program, "daemon", "-c", str(conf), "-DRunAsUser=root", "-DRunAsGroup=root",
            f"-DDataDir={dirs['lib']}", f"-DLogDir={dirs['log']}", f"-DCacheDir={dirs['cache']}",
            f"-DSpoolDir={dirs['spool']}", f"-DInitRunDir={dirs['run']}"]
    log = (folder / "daemon.log").open("w")
    daemon = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            found = _read_result(folder)
            if found is not None:
                return found
            if daemon.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError("Icinga 2 gave no check result:\n" + (folder / "daemon.log").read_text()[-3000:])
    finally:
        _stop(daemon)
        log.close()


def _stop(daemon: subprocess.Popen) -> None:
    try:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(daemon.pid, signal.SIGKILL)
        daemon.wait(5)
