"""Output recorded from the real tools on the test machine (see each comment), and two
samples written from the tools' documented formats where the tool is not installed here."""

# pgbackrest 2.45 `info --output=json`: a full, a diff and an incr backup of PostgreSQL 15 (archive_mode off, so no WAL archived)
PGBACKREST_INFO = '[{"archive":[{"database":{"id":1,"repo-key":1},"id":"15-1","max":null,"min":null}],"backup":[{"archive":{"start":"000000010000000000000048","stop":"000000010000000000000048"},"backrest":{"format":5,"version":"2.45"},"database":{"id":1,"repo-key":1},"error":false,"info":{"delta":39783798,"repository":{"delta":5271319,"size":5271319},"size":39783798},"label":"20261123-232945F","lsn":{"start":"0/48000028","stop":"0/48000F40"},"prior":null,"reference":null,"timestamp":{"start":1795476585,"stop":1795476589},"type":"full"},{"archive":{"start":"000000010000000000000057","stop":"000000010000000000000057"},"backrest":{"format":5,"version":"2.45"},"database":{"id":1,"repo-key":1},"error":false,"info":{"delta":7471372,"repository":{"delta":1093568,"size":6256185},"size":46206326},"label":"20261123-232945F_20261123-233410D","lsn":{"start":"0/57000028","stop":"0/57003688"},"prior":"20261123-232945F","reference":["20261123-232945F"],"timestamp":{"start":1795476850,"stop":1795476852},"type":"diff"},{"archive":{"start":"000000010000000000000059","stop":"000000010000000000000059"},"backrest":{"format":5,"version":"2.45"},"database":{"id":1,"repo-key":1},"error":false,"info":{"delta":7611151,"repository":{"delta":1023371,"size":6288323},"size":47337337},"label":"20261123-232945F_20261123-233413I","lsn":{"start":"0/59000028","stop":"0/59432EC8"},"prior":"20261123-232945F_20261123-233410D","reference":["20261123-232945F","20261123-232945F_20261123-233410D"],"timestamp":{"start":1795476853,"stop":1795476855},"type":"incr"}],"cipher":"none","db":[{"id":1,"repo-key":1,"system-id":7711504263923746871,"version":"15"}],"name":"t1","repo":[{"cipher":"none","key":1,"status":{"code":0,"message":"ok"}}],"status":{"code":0,"lock":{"backup":{"held":false}},"message":"ok"}}]'

# pgbackrest 2.45 `info --output=json` for a stanza that is not in the repository
PGBACKREST_MISSING_STANZA = '[{"archive":[],"backup":[],"cipher":"none","db":[],"name":"nope","repo":[{"cipher":"none","key":1,"status":{"code":1,"message":"missing stanza path"}}],"status":{"code":1,"lock":{"backup":{"held":false}},"message":"missing stanza path"}}]'

# restic 0.14 `snapshots --json --no-lock`: two snapshots, no summary (0.14 keeps none)
RESTIC_SNAPSHOTS = '[{"time":"2026-11-23T23:30:02.933163948Z","tree":"28fecbe301408b6387aae6806573ad0d8f0d90584b73a00eb63a08f6622f2c7c","paths":["/tmp/pgbr-exp/db.dump"],"hostname":"erp-db","username":"root","tags":["erp"],"id":"5fa466e573936563f4992b656006e4863306dd3df14af17196fa7e769d8064ad","short_id":"5fa466e5"},{"time":"2026-11-23T23:34:19.380509452Z","tree":"874cf88396280c2fedbd2ea119f99977daba138cafefad75dede9f90787dca4c","paths":["/tmp/pgbr-exp/dd/x.sql.gz"],"hostname":"erp-db","username":"root","tags":["nightly"],"id":"ef51d4b4cf835580a8e19cb482dc3f95d2d9d104e00610411c1526a5905f0f53","short_id":"ef51d4b4"}]\n'

# borg 1.2.4 `list --json` (TZ=UTC): two archives
BORG_LIST = '{\n    "archives": [\n        {\n            "archive": "db-1",\n            "barchive": "db-1",\n            "id": "28ec50da295d00571be5500bf03f372f1025116c66672744b59bf1802a330e06",\n            "name": "db-1",\n            "start": "2026-11-23T23:30:12.000000",\n            "time": "2026-11-23T23:30:12.000000"\n        },\n        {\n            "archive": "db-2",\n            "barchive": "db-2",\n            "id": "2635f60959b205370fb87c0086114ca81097d058197aad7d860cb865fb4b71c8",\n            "name": "db-2",\n            "start": "2026-11-23T23:30:13.000000",\n            "time": "2026-11-23T23:30:13.000000"\n        }\n    ],\n    "encryption": {\n        "mode": "repokey"\n    },\n    "repository": {\n        "id": "5360bc2c2b57f3595a534d248df99324b5abc5ab9da789e7cf87fc9a500f32ba",\n        "last_modified": "2026-11-23T23:30:13.000000",\n        "location": "/tmp/pgbr-exp/br"\n    }\n}\n'

# borg 1.2.4 `info --json --last 10` of the same repository
BORG_INFO = '{\n    "archives": [\n        {\n            "chunker_params": [\n                "buzhash",\n                19,\n                23,\n                21,\n                4095\n            ],\n            "command_line": [\n                "/usr/bin/borg",\n                "create",\n                "br::db-1",\n                "db.dump"\n            ],\n            "comment": "",\n            "duration": 0.004113,\n            "end": "2026-11-23T23:30:12.000000",\n            "hostname": "vm",\n            "id": "28ec50da295d00571be5500bf03f372f1025116c66672744b59bf1802a330e06",\n            "limits": {\n                "max_archive_size": 2.3317382622370125e-05\n            },\n            "name": "db-1",\n            "start": "2026-11-23T23:30:12.000000",\n            "stats": {\n                "compressed_size": 637,\n                "deduplicated_size": 489,\n                "nfiles": 1,\n                "original_size": 1083\n            },\n            "username": "root"\n        },\n        {\n            "chunker_params": [\n                "buzhash",\n                19,\n                23,\n                21,\n                4095\n            ],\n            "command_line": [\n                "/usr/bin/borg",\n                "create",\n                "--stats",\n                "br::db-2",\n                "db.dump"\n            ],\n            "comment": "",\n            "duration": 0.001909,\n            "end": "2026-11-23T23:30:13.000000",\n            "hostname": "vm",\n            "id": "2635f60959b205370fb87c0086114ca81097d058197aad7d860cb865fb4b71c8",\n            "limits": {\n                "max_archive_size": 2.379422071280714e-05\n            },\n            "name": "db-2",\n            "start": "2026-11-23T23:30:13.000000",\n            "stats": {\n                "compressed_size": 637,\n                "deduplicated_size": 499,\n                "nfiles": 1,\n                "original_size": 1083\n            },\n            "username": "root"\n        }\n    ],\n    "cache": {\n        "path": "/root/.cache/borg/5360bc2c2b57f3595a534d248df99324b5abc5ab9da789e7cf87fc9a500f32ba",\n        "stats": {\n            "total_chunks": 6,\n            "total_csize": 1274,\n            "total_size": 2166,\n            "total_unique_chunks": 4,\n            "unique_csize": 1819,\n            "unique_size": 2207\n        }\n    },\n    "encryption": {\n        "mode": "repokey"\n    },\n    "repository": {\n        "id": "5360bc2c2b57f3595a534d248df99324b5abc5ab9da789e7cf87fc9a500f32ba",\n        "last_modified": "2026-11-23T23:30:13.000000",\n        "location": "/tmp/pgbr-exp/br"\n    }\n}\n'

# GNU find + sha256sum listing: a gzip file, a custom-format dump and a name with a space and a newline (escaped by sha256sum)
DUMPDIR_FIND = '1795476833.7788509620 437503 6aa20eec44794bad423e241dc22fe5a1a342c8f155d27dafc0e1704c588f52b5  /tmp/pgbr-exp/dd/x.sql.gz\n1795476833.7586652280 438948 b9baa51d471f3dfc36745f420567ba0cb69b04abdbd80d78c1bea5d327481593  /tmp/pgbr-exp/dd/full.dump\n1795476833.7624036400 438948 \\b9baa51d471f3dfc36745f420567ba0cb69b04abdbd80d78c1bea5d327481593  /tmp/pgbr-exp/dd/we ird\\nname.dump\n'

# restic 0.17+ keeps the backup's statistics in each snapshot (restic PR #4705,
# internal/restic/snapshot.go SnapshotSummary); written from that format, restic 0.14 here
# writes none.
RESTIC_SNAPSHOTS_017 = """[
 {"time": "2026-11-20T01:00:02.123456789+01:00", "parent": "",
  "tree": "9c7d0a1b4e3f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
  "paths": ["/var/backups/erp/erp.dump"], "hostname": "erp-db-1", "username": "root",
  "tags": ["nightly", "erp"], "program_version": "restic 0.17.3",
  "summary": {"backup_start": "2026-11-20T01:00:02.123456789+01:00",
              "backup_end": "2026-11-20T01:03:12.5+01:00", "files_new": 1, "files_changed": 0,
              "files_unmodified": 0, "dirs_new": 3, "dirs_changed": 0, "dirs_unmodified": 0,
              "data_blobs": 812, "tree_blobs": 4, "data_added": 1073741824,
              "data_added_packed": 402653184, "total_files_processed": 1,
              "total_bytes_processed": 1073741824},
  "id": "4fe1a8c2d3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0",
  "short_id": "4fe1a8c2"}
]"""

# Barman 3 `barman -f json list-backups pg` (JsonOutputWriter.result_list_backup, keys sorted
# by json.dump): a DONE backup, one still waiting for WAL files and one that failed (no end
# time). Written from Barman's barman/output.py: barman is not installed here.
BARMAN_LIST = """{"pg": [{"backup_id": "20261123T010002", "backup_type": "rsync",
 "end_time": "Mon Nov 23 01:12:40 2026", "end_time_timestamp": "1795396360",
 "retention_status": "VALID", "size": "17.0 GiB", "size_bytes": 18253611008,
 "status": "DONE", "wal_size": "1.2 GiB", "wal_size_bytes": 1288490188},
 {"backup_id": "20261122T010001", "backup_type": "rsync", "status": "FAILED"},
 {"backup_id": "20261121T010003", "backup_name": "before-upgrade", "backup_type": "incremental",
 "end_time": "Sat Nov 21 01:05:00 2026", "end_time_timestamp": "1795223100",
 "retention_status": "VALID", "size": "2.0 GiB", "size_bytes": 2147483648,
 "status": "WAITING_FOR_WALS", "wal_size": "0 B", "wal_size_bytes": 0}]}"""

BARMAN_UNKNOWN_SERVER = '{"_ERROR": ["Unknown server \'nope\'"]}'
