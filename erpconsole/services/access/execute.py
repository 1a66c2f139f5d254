"""Carrying out one confirmed statement of the review on its system: SQL on the inventory
database (on a connection of its own, not the read-only one), a shell command on the host
over SSH or on this workstation. The caller audits before and after."""

from __future__ import annotations

from erpconsole.config import Inventory
from erpconsole.services.access.models import Statement
from erpconsole.i18n import _
from erpconsole.services.models import LOCAL_HOST, DbAction

SHELL_TIMEOUT_S = 30.0


def run_on_system(inv: Inventory, statement: Statement, secrets=None, known_hosts_path=None
                  ) -> tuple[bool, str]:
    """(ok, message); never raises for a failure of the system itself."""
    if statement.language == "sql":
        return _run_sql(inv, statement, secrets)
    if statement.language == "shell":
        return _run_shell(inv, statement, secrets, known_hosts_path)
    return False, _("unknown statement language {lang}").format(lang=statement.language)


def _run_sql(inv: Inventory, statement: Statement, secrets) -> tuple[bool, str]:
    from erpconsole.services.databases.factory import database_collector

    cfg = next((d for d in inv.databases if d.name == statement.system), None)
    if cfg is None:
        return False, _("{system} is not a database of this inventory").format(system=statement.system)
    collector = database_collector(cfg, secrets)
    try:
        result = collector.run_action(DbAction(cfg.name, "access", statement.text, subject=statement.why))
    finally:
        collector.close()
    return result.ok, result.message


def _run_shell(inv: Inventory, statement: Statement, secrets, known_hosts_path) -> tuple[bool, str]:
    from erpconsole.services.access.os_run import run_command

    if statement.system == LOCAL_HOST:
        host = None
    else:
        host = next((h for h in inv.hosts if h.name == statement.system), None)
        if host is None:
            return False, _("{system} is not a host of this inventory").format(system=statement.system)
    return run_command(host, statement.text, secrets, known_hosts_path, SHELL_TIMEOUT_S)
