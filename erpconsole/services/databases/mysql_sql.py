"""The monitoring SQL for MySQL 5.7/8.x and MariaDB 10.x, and the server differences it has to
follow. The collector asks a ``Flavor`` which statement to run instead of trying one and failing.

All text here runs through PyMySQL with SQLAlchemy's ``no_parameters`` option, so a ``%`` is a
plain character, not a placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Counters read in one SHOW GLOBAL STATUS round trip. Transactions are the COMMIT and
# ROLLBACK statements clients send (Com_commit, Com_rollback), as mysqladmin, innotop and
# sysbench count them; a statement in autocommit mode is not a transaction here, it shows in
# QPS (Questions: every statement a client sends, BEGIN and COMMIT included). Handler_commit,
# used before, moves once per statement inside a transaction (and per engine): sysbench's
# oltp_read_write at 777 TPS read as 15,000.
STATUS_VARIABLES = (
    "Uptime",
    "Threads_connected",
    "Com_commit",
    "Com_rollback",
    "Questions",
    "Innodb_buffer_pool_read_requests",
    "Innodb_buffer_pool_reads",
    "Innodb_rows_read",
    "Innodb_rows_inserted",
    "Innodb_rows_updated",
    "Innodb_rows_deleted",
    "Innodb_deadlocks",  # MariaDB and Percona; MySQL has it only in INNODB_METRICS
    "Created_tmp_disk_tables",
    # MariaDB 10.11 reports no Innodb_rows_*: row counts of all engines stand in for them
    # (MariaDB keeps temporary tables out of these, in Handler_tmp_*).
    "Rows_read",
    "Handler_write",
    "Handler_update",
    "Handler_delete",
)

# What the snapshot charts, each from the first counter the server has.
RATE_COUNTERS = {
    "commits": ("Com_commit",),
    "rollbacks": ("Com_rollback",),
    "questions": ("Questions",),
    "read_requests": ("Innodb_buffer_pool_read_requests",),
    "disk_reads": ("Innodb_buffer_pool_reads",),
    "rows_read": ("Innodb_rows_read", "Rows_read"),
    "rows_inserted": ("Innodb_rows_inserted", "Handler_write"),
    "rows_updated": ("Innodb_rows_updated", "Handler_update"),
    "rows_deleted": ("Innodb_rows_deleted", "Handler_delete"),
    "tmp_disk_tables": ("Created_tmp_disk_tables",),
    "deadlocks": ("Innodb_deadlocks",),
}

STATUS_SQL = "SHOW GLOBAL STATUS WHERE Variable_name IN ({})".format(
    ", ".join(f"'{v}'" for v in STATUS_VARIABLES))

# Once per connection; @@performance_schema needs a restart to change, so it is read here.
IDENTITY_SQL = "SELECT VERSION(), CURRENT_USER(), DATABASE(), @@performance_schema"

# Refreshed with the slow panels: max_connections changes only by SET GLOBAL.
VARIABLES_SQL = "SELECT @@max_connections"

DEADLOCKS_SQL = "SELECT `COUNT` FROM information_schema.INNODB_METRICS WHERE NAME = 'lock_deadlocks'"

# The event scheduler is a thread, not a client connection: Threads_connected leaves it out.
_PROCESSLIST = ("SELECT ID, USER, HOST, DB, COMMAND, STATE, LEFT(INFO, 2000), {time} "
                "FROM information_schema.PROCESSLIST "
                "WHERE ID <> CONNECTION_ID() AND COMMAND <> 'Daemon'")

# (thread id, trx_state, transaction age s, blocking thread id or NULL): one row per blocker.
_TRX_COLUMNS = ("SELECT t.trx_mysql_thread_id, t.trx_state, "
                "TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), {blocker} "
                "FROM information_schema.INNODB_TRX t ")

TRX_LOCK_WAITS_IS = _TRX_COLUMNS.format(blocker="b.trx_mysql_thread_id") + (
    "LEFT JOIN information_schema.INNODB_LOCK_WAITS w ON w.requesting_trx_id = t.trx_id "
    "LEFT JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id")

TRX_LOCK_WAITS_PS = _TRX_COLUMNS.format(blocker="bt.PROCESSLIST_ID") + (
    "LEFT JOIN performance_schema.data_lock_waits w "
    "ON w.REQUESTING_ENGINE_TRANSACTION_ID = t.trx_id "
    "LEFT JOIN performance_schema.threads bt ON bt.THREAD_ID = w.BLOCKING_THREAD_ID")

TRX_ONLY = _TRX_COLUMNS.format(blocker="NULL")

# MariaDB's metadata_lock_info plugin (INSTALL SONAME 'metadata_lock_info'): the table
# metadata locks each thread holds, asked only while a session waits for one.
MDL_HELD_SQL = ("SELECT THREAD_ID, TABLE_SCHEMA, TABLE_NAME FROM information_schema.METADATA_LOCK_INFO "
                "WHERE LOCK_TYPE = 'Table metadata lock'")

_SYSTEM_SCHEMAS = "('mysql', 'information_schema', 'performance_schema', 'sys')"


def _schema_filter(column: str, schema: str | None) -> str:
    # DATABASE() rather than a literal: the connection's own default schema, no quoting needed.
    return f"{column} = DATABASE()" if schema else f"{column} NOT IN {_SYSTEM_SCHEMAS}"


def size_sql(schema: str | None) -> str:
    return ("SELECT COALESCE(SUM(COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0)), 0) "
            "FROM information_schema.TABLES WHERE " + _schema_filter("TABLE_SCHEMA", schema))


def tables_sql(schema: str | None, limit: int = 50) -> str:
    return ("SELECT TABLE_SCHEMA, TABLE_NAME, "
            "COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS size, TABLE_ROWS, DATA_FREE "
            "FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND "
            + _schema_filter("TABLE_SCHEMA", schema) + f" ORDER BY size DESC LIMIT {int(limit)}")


def statements_sql(schema: str | None, limit: int = 20) -> str:
    # Timers are picoseconds: / 1e9 gives milliseconds.
    where = "WHERE SCHEMA_NAME = DATABASE() " if schema else ""
    return ("SELECT DIGEST, DIGEST_TEXT, COUNT_STAR, SUM_TIMER_WAIT / 1000000000, "
            "SUM_ROWS_SENT + SUM_ROWS_AFFECTED "
            "FROM performance_schema.events_statements_summary_by_digest "
            + where + f"ORDER BY SUM_TIMER_WAIT DESC LIMIT {int(limit)}")


@dataclass(frozen=True, slots=True)
class Flavor:
    """What the server is, from VERSION(): '10.11.6-MariaDB-0+deb12u1', '8.0.36-0ubuntu0.22.04.1'."""

    mariadb: bool
    version: tuple[int, int, int]
    performance_schema: bool = False

    @classmethod
    def parse(cls, raw: str, performance_schema: bool = False) -> Flavor:
        numbers = [int(n) for n in re.findall(r"\d+", raw.split("-", 1)[0])[:3]]
        numbers += [0] * (3 - len(numbers))
        return cls("mariadb" in raw.lower(), (numbers[0], numbers[1], numbers[2]),
                   performance_schema)

    @property
    def kind(self) -> str:
        return "mariadb" if self.mariadb else "mysql"

    @property
    def label(self) -> str:
        name = "MariaDB" if self.mariadb else "MySQL"
        return f"{name} {'.'.join(str(n) for n in self.version)}"

    def timeout_sql(self, timeout_ms: int) -> str:
        """MariaDB limits every statement in seconds; MySQL limits read-only SELECTs in ms."""
        if self.mariadb:
            return f"SET SESSION max_statement_time = {max(timeout_ms, 1) / 1000:.3f}"
        return f"SET SESSION max_execution_time = {max(int(timeout_ms), 1)}"

    @property
    def processlist_sql(self) -> str:
        # MariaDB's TIME_MS has the precision a few-second threshold needs; TIME is whole seconds.
        return _PROCESSLIST.format(time="TIME_MS / 1000" if self.mariadb else "TIME")

    @property
    def lock_waits_sql(self) -> str | None:
        """Transactions with their blockers, or None when only TRX_ONLY can work here."""
        if self.mariadb or self.version < (8, 0, 0):
            return TRX_LOCK_WAITS_IS
        # MySQL 8 moved lock waits to performance_schema, which may be switched off.
        return TRX_LOCK_WAITS_PS if self.performance_schema else None

    @property
    def replica_status_sql(self) -> str:
        new_words = self.version >= ((10, 5, 1) if self.mariadb else (8, 0, 22))
        return "SHOW REPLICA STATUS" if new_words else "SHOW SLAVE STATUS"

    @property
    def replication_privilege(self) -> str:
        if self.mariadb and self.version >= (10, 5, 9):
            return "SLAVE MONITOR"
        return "REPLICATION CLIENT"

    @property
    def kill_privilege(self) -> str:
        if self.mariadb:
            return "CONNECTION ADMIN" if self.version >= (10, 5, 2) else "SUPER"
        return "CONNECTION_ADMIN" if self.version >= (8, 0, 0) else "SUPER"
