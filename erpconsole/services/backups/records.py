"""Verifications and restore drills in the store: written once, read back newest first."""

from __future__ import annotations

import json
from dataclasses import asdict

from sqlalchemy import Engine, text

from erpconsole.services.backups.models import DrillCheck, DrillResult, VerifyResult

_DRILL_COLS = ("set_name, backup_id, started, finished, duration_s, data_age_s, ok, message, checks, "
               "target, rto_target_s, actor")


class BackupRecords:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_verification(self, v: VerifyResult) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO backup_verifications (set_name, backup_id, ts, ok, method, message, duration_s) "
                "VALUES (:set_name, :backup_id, :ts, :ok, :method, :message, :duration_s)"), asdict(v))

    def last_verification(self, set_name: str) -> VerifyResult | None:
        with self.engine.connect() as conn:
            row = conn.execute(text(
                "SELECT set_name, backup_id, ts, ok, method, message, duration_s FROM backup_verifications "
                "WHERE set_name = :s ORDER BY id DESC LIMIT 1"), {"s": set_name}).first()
        return VerifyResult(row[0], row[1], float(row[2]), bool(row[3]), row[4], row[5], float(row[6])) \
            if row else None

    def add_drill(self, d: DrillResult) -> None:
        values = asdict(d)
        values["checks"] = json.dumps([asdict(c) for c in d.checks], ensure_ascii=False)
        with self.engine.begin() as conn:
            conn.execute(text(f"INSERT INTO backup_drills ({_DRILL_COLS}) VALUES (:set_name, :backup_id, "
                              ":started, :finished, :duration_s, :data_age_s, :ok, :message, :checks, "
                              ":target, :rto_target_s, :actor)"), values)

    def drills(self, set_name: str, limit: int = 20) -> list[DrillResult]:
        with self.engine.connect() as conn:
            rows = conn.execute(text(f"SELECT {_DRILL_COLS} FROM backup_drills WHERE set_name = :s "
                                     "ORDER BY id DESC LIMIT :n"), {"s": set_name, "n": limit}).all()
        return [_drill(r) for r in rows]


def _drill(r) -> DrillResult:
    checks = tuple(DrillCheck(**c) for c in json.loads(r[8] or "[]"))
    return DrillResult(r[0], r[1], float(r[2]), float(r[3]), float(r[4]),
                       float(r[5]) if r[5] is not None else None, bool(r[6]), r[7], checks, r[9],
                       float(r[10]) if r[10] is not None else None, r[11])
