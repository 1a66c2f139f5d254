"""The checks of a restored copy: key tables' row counts against the source database (read on
its own read-only session while the restore runs) and sanity queries that must return a row.
Each check is a DrillCheck; a check that cannot run fails with the reason, never raises."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from erpconsole.services.access.db_connect import describe_error, read_only
from erpconsole.services.backups.models import BackupSetConfig, DrillCheck
from erpconsole.services.databases.base import first_line
from erpconsole.i18n import _
from erpconsole.services.secrets import SecretStore

CHECK_TIMEOUT_S = 600.0  # one count(*) or sanity query, on the source or the copy

Counts = dict[str, tuple[int | None, str]]  # table -> (count, why it could not be read)


def _quote(conn: Connection, table: str) -> str:
    """``schema.table`` with each part quoted for the connection's dialect."""
    prep = conn.dialect.identifier_preparer
    # quote() adds quotes only where needed, so a name is taken as the user spelled it.
    return ".".join(prep.quote(part) for part in table.split("."))


def _count(conn: Connection, table: str) -> int:
    return int(conn.exec_driver_sql(f"SELECT count(*) FROM {_quote(conn, table)}").scalar_one())


def source_counts(cfg: BackupSetConfig, inventory, secrets: SecretStore) -> Counts:
    """The key tables counted on the source database; {} when there is none to compare."""
    if not cfg.key_tables or not cfg.database:
        return {}
    db = next((d for d in getattr(inventory, "databases", ()) if d.name == cfg.database), None)
    if db is None:
        why = _("the source database {name} is not in the inventory").format(name=cfg.database)
        return {t: (None, why) for t in cfg.key_tables}
    counts: Counts = {}
    try:
        with read_only(db, secrets, int(CHECK_TIMEOUT_S * 1000)) as (_collector, conn):
            for table in cfg.key_tables:
                try:
                    counts[table] = (_count(conn, table), "")
                except Exception as exc:
                    counts[table] = (None, first_line(exc))
    except Exception as exc:
        why = describe_error(None, exc)
        return {t: (None, why) for t in cfg.key_tables}
    return counts


def check_copy(scratch, cfg: BackupSetConfig, source: Counts) -> list[DrillCheck]:
    """Row counts and sanity queries on the restored copy (``scratch.connect()``)."""
    engine, conn = scratch.connect()
    try:
        checks = [row_check(conn, table, source.get(table), cfg.policy.row_tolerance_percent)
                  for table in cfg.key_tables]
        checks += [sanity_check(conn, i, query) for i, query in enumerate(cfg.sanity_queries, 1)]
    finally:
        conn.close()
        engine.dispose()
    return checks


def row_check(conn: Connection, table: str, source: tuple[int | None, str] | None,
              tolerance: float | None) -> DrillCheck:
    name = _("row count {table}").format(table=table)
    try:
        got = _count(conn, table)
    except Exception as exc:
        return DrillCheck(name, _("the table restored"), _("error: {e}").format(e=first_line(exc)),
                          False)
    if source is None:  # no source configured: the table must be there and hold rows
        return DrillCheck(name, _("rows (no source to compare)"), str(got), got > 0)
    expected, why = source
    if expected is None:
        return DrillCheck(name, _("source not read: {why}").format(why=why), str(got), False)
    if not tolerance:
        return DrillCheck(name, str(expected), str(got), got == expected)
    # A live source has moved on since the backup: within the tolerance is a match.
    ok = abs(got - expected) <= expected * tolerance / 100
    return DrillCheck(name, _("{n} ± {pct:g}% (the source now)").format(n=expected, pct=tolerance),
                      str(got), ok)


def sanity_check(conn: Connection, number: int, query: str) -> DrillCheck:
    name = _("sanity query {n}: {query}").format(n=number, query=" ".join(query.split())[:80])
    expected = _("at least one row")
    try:
        row = conn.exec_driver_sql(query).first()
    except Exception as exc:
        return DrillCheck(name, expected, _("error: {e}").format(e=first_line(exc)), False)
    return DrillCheck(name, expected, _("a row") if row is not None else _("no rows"),
                      row is not None)
