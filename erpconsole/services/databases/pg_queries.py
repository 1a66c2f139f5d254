"""The PostgreSQL monitoring statements, as text. Supported servers: 12 to 17.

Every poll runs MAIN and ACTIVITY (and REPLICATION only when the server has replicas, slots
or is itself a replica), so a poll is two or three round trips. The slow panels (tables,
indexes, sequences, statements) run less often; see ``PostgresCollector``.

Intervals are read with ``extract(epoch FROM ...)``, which PostgreSQL 14+ returns as numeric:
the row converters turn them into floats.
"""

from __future__ import annotations

# Settings of the kept monitoring connection, in one round trip: every statement after this
# runs in its own read-only transaction, under a statement timeout, and a monitoring query
# that would queue behind an ALTER TABLE gives up after lock_timeout instead of joining the
# queue (which would block every later reader of that table as well).
SETUP = (
    "SELECT set_config('default_transaction_read_only', 'on', false), "
    "set_config('statement_timeout', %(statement_ms)s, false), "
    "set_config('lock_timeout', %(lock_ms)s, false), "
    "set_config('application_name', 'erpconsole', false), "
    "current_setting('server_version_num')::int"
)

# One row: version, uptime, recovery, settings, the current database's counters and size,
# the cluster's oldest datfrozenxid, whether this role may read other sessions, and how
# many replicas and slots there are (so the replication query runs only when useful).
MAIN = """
SELECT current_setting('server_version'),
       extract(epoch FROM now() - pg_postmaster_start_time()),
       pg_is_in_recovery(),
       current_setting('max_connections')::int,
       d.xact_commit, d.xact_rollback, d.blks_read, d.blks_hit, d.tup_returned,
       d.tup_inserted, d.tup_updated, d.tup_deleted, d.deadlocks, d.temp_files, d.temp_bytes,
       pg_database_size(d.datid),
       (SELECT max(age(datfrozenxid)) FROM pg_database),
       pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'),
       (SELECT count(*) FROM pg_stat_replication) + (SELECT count(*) FROM pg_replication_slots),
       (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
         WHERE e.extname = 'pg_stat_statements'),
       current_user
FROM pg_stat_database d
WHERE d.datname = current_database()
"""

# Client backends only (no autovacuum, walsender, checkpointer). pg_blocking_pids() takes
# the lock manager's partition locks, so it runs only for sessions that wait on a lock.
# duration: the running statement's age, or for an idle session how long its last one took.
# Without pg_read_all_stats another user's row has no backend_type either; one with a user and
# a database is taken for a client (a parallel worker of someone else's query would be
# counted too, which is the lesser error than hiding every other user's connections).
ACTIVITY = """
SELECT pid, coalesce(usename, ''), coalesce(datname, ''),
       CASE WHEN client_port = -1 THEN 'local'
            WHEN client_addr IS NULL THEN ''
            WHEN family(client_addr) = 6 THEN '[' || host(client_addr) || ']:' || client_port
            ELSE host(client_addr) || ':' || client_port END,
       coalesce(application_name, ''), coalesce(state, ''),
       coalesce(wait_event_type, ''), coalesce(wait_event, ''),
       left(coalesce(query, ''), %(query_chars)s),
       extract(epoch FROM CASE WHEN state = 'active' THEN now() - query_start
                               ELSE state_change - query_start END),
       extract(epoch FROM now() - xact_start),
       CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid) END,
       pid = pg_backend_pid(),
       extract(epoch FROM query_start)
FROM pg_stat_activity
WHERE backend_type = 'client backend'
   OR (backend_type IS NULL AND usename IS NOT NULL AND datname IS NOT NULL)
ORDER BY state = 'idle', query_start
"""

# On a primary: attached replicas (lag against our current WAL position) and slots (the WAL
# each holds back). wal_status (reserved / extended / unreserved / lost) exists from 13 on.
_REPLICATION_PRIMARY = """
SELECT coalesce(nullif(application_name, ''), 'pid ' || pid), 'replica',
       coalesce(host(client_addr), 'local'), coalesce(state, ''), NULL::bool,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint,
       extract(epoch FROM replay_lag), NULL::bigint
FROM pg_stat_replication
UNION ALL
SELECT slot_name, 'slot', coalesce(database, ''), {slot_state}, active, NULL, NULL,
       pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint
FROM pg_replication_slots
"""

# On a replica: its upstream. Bytes are received-but-not-replayed WAL (a replica cannot see
# the primary's position). Seconds are the age of the last replayed transaction, except
# when streaming and fully replayed: then the replica is current and an idle primary must
# not look like lag.
REPLICATION_STANDBY = """
WITH r AS (SELECT sender_host, sender_port, status FROM pg_stat_wal_receiver LIMIT 1)
SELECT coalesce((SELECT sender_host || ':' || sender_port FROM r), ''),
       coalesce((SELECT status FROM r), 'disconnected'),
       pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint,
       CASE WHEN (SELECT status FROM r) = 'streaming'
                 AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END
"""

# Relations someone holds or waits for an ACCESS EXCLUSIVE lock on (ALTER TABLE, DROP,
# VACUUM FULL, REINDEX): sizing one would queue our share lock behind it, and every later
# reader of that table behind ours. Those get the planner's page count instead (as of the
# last VACUUM or ANALYZE); lock_timeout stays the net for a lock taken in between.
_LOCKED = """
locked AS (
  SELECT DISTINCT relation FROM pg_locks
  WHERE locktype = 'relation' AND mode = 'AccessExclusiveLock'
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
)"""

# The biggest user tables, plus the ones with the most dead rows (a small, bloated table is
# the one to vacuum).
TABLES = """
WITH""" + _LOCKED + """, t AS (
  SELECT s.schemaname, s.relname,
         CASE WHEN EXISTS (SELECT 1 FROM locked l
                           WHERE l.relation IN (s.relid, c.reltoastrelid)
                              OR l.relation IN (SELECT indexrelid FROM pg_index
                                                WHERE indrelid = s.relid))
              THEN (SELECT sum(p.relpages)::bigint FROM pg_class p
                    WHERE p.oid IN (s.relid, c.reltoastrelid)
                       OR p.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = s.relid))
                   * current_setting('block_size')::bigint
              ELSE pg_total_relation_size(s.relid) END AS size,
         s.n_live_tup, s.n_dead_tup,
         extract(epoch FROM greatest(s.last_vacuum, s.last_autovacuum)) AS vacuumed,
         extract(epoch FROM greatest(s.last_analyze, s.last_autoanalyze)) AS analyzed,
         age(c.relfrozenxid) AS xid_age
  FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
), ranked AS (
  SELECT t.*, row_number() OVER (ORDER BY size DESC) AS by_size,
         row_number() OVER (ORDER BY n_dead_tup DESC) AS by_dead
  FROM t
)
SELECT schemaname, relname, size, n_live_tup, n_dead_tup, vacuumed, analyzed, xid_age
FROM ranked
WHERE by_size <= %(limit)s OR (by_dead <= 10 AND n_dead_tup > 0)
ORDER BY size DESC, schemaname, relname
"""

# Indexes worth a look: invalid ones (a failed CREATE INDEX CONCURRENTLY) and never-scanned
# ones that enforce nothing (unique, primary key and exclusion indexes are needed anyway).
INDEXES = """
WITH""" + _LOCKED + """, i AS (
  SELECT s.schemaname, s.relname, s.indexrelname,
         CASE WHEN s.indexrelid IN (SELECT relation FROM locked)
              THEN c.relpages::bigint * current_setting('block_size')::bigint
              ELSE pg_relation_size(s.indexrelid) END AS size,
         s.idx_scan, x.indisvalid, x.indisunique
  FROM pg_stat_user_indexes s
  JOIN pg_index x ON x.indexrelid = s.indexrelid
  JOIN pg_class c ON c.oid = s.indexrelid
  WHERE NOT x.indisvalid
     OR (s.idx_scan = 0 AND NOT x.indisunique AND NOT x.indisprimary
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid))
)
SELECT * FROM i ORDER BY indisvalid, size DESC LIMIT %(limit)s
"""

# The fullest ascending sequences (an integer serial running out stops every INSERT).
# last_value is NULL for a sequence never used or one this role may not read.
SEQUENCES = """
SELECT schemaname, sequencename, last_value, max_value
FROM pg_sequences
WHERE last_value IS NOT NULL AND increment_by > 0 AND max_value > 0
ORDER BY last_value::numeric / max_value DESC
LIMIT %(limit)s
"""

# pg_stat_statements is cluster-wide; a target is one database, so only its statements.
_STATEMENTS = """
SELECT coalesce(queryid::text, ''), left(query, %(query_chars)s), calls,
       {total}, {mean}, rows
FROM {schema}.pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY {total} DESC
LIMIT %(limit)s
"""

PRELOAD = "SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'"


def replication_primary(version_num: int) -> str:
    return _REPLICATION_PRIMARY.format(
        slot_state="coalesce(wal_status, '')" if version_num >= 130000 else "slot_type")


def statements(version_num: int, schema: str) -> str:
    """PostgreSQL 13 renamed total_time and mean_time to total_exec_time and
    mean_exec_time (planning time got columns of its own)."""
    new = version_num >= 130000
    return _STATEMENTS.format(
        total="total_exec_time" if new else "total_time",
        mean="mean_exec_time" if new else "mean_time",
        schema=quote_ident(schema))


def quote_ident(name: str) -> str:
    """An SQL identifier in double quotes, embedded quotes doubled (quote_ident's rule)."""
    if not name or "\x00" in name:
        raise ValueError(name)
    return '"' + name.replace('"', '""') + '"'
