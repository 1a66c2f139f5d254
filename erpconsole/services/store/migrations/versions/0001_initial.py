"""Metric history and event log: series, raw samples, 1-minute and 1-hour rollups, events.

Revision ID: 0001
Revises:
Create Date: 2026-05-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Data tables are clustered on (series_id, time): every read is "one series (or one host's
# series) over a time range", which is then one contiguous B-tree range. In SQLite that means
# WITHOUT ROWID (sqlite_with_rowid=False); PostgreSQL ignores the option.
_CLUSTERED = {"sqlite_with_rowid": False}


def _rollup_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("series_id", sa.Integer, sa.ForeignKey("series.id"), nullable=False),
        sa.Column("bucket_ts", sa.BigInteger, nullable=False),  # bucket start, epoch seconds
        sa.Column("min", sa.Float(53), nullable=False),
        sa.Column("max", sa.Float(53), nullable=False),
        sa.Column("avg", sa.Float(53), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("series_id", "bucket_ts", name=f"pk_{name}"),
        **_CLUSTERED,
    )


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("metric", sa.String(255), nullable=False),
        sa.Column("label", sa.String(255), nullable=False, server_default=""),
        sa.UniqueConstraint("target", "metric", "label", name="uq_series_key"),
    )
    op.create_table(
        "samples",
        sa.Column("series_id", sa.Integer, sa.ForeignKey("series.id"), nullable=False),
        sa.Column("ts", sa.Float(53), nullable=False),
        sa.Column("value", sa.Float(53), nullable=False),
        sa.PrimaryKeyConstraint("series_id", "ts", name="pk_samples"),
        **_CLUSTERED,
    )
    _rollup_table("rollup_1m")
    _rollup_table("rollup_1h")
    op.create_table(
        "rollup_state",  # watermarks: everything before is rolled up
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("watermark", sa.Float(53), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts", sa.Float(53), nullable=False),
        sa.Column("target", sa.String(255), nullable=False, server_default=""),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False, server_default="health"),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_events_ts", "events", ["ts"])
    op.create_index("ix_events_target_ts", "events", ["target", "ts"])


def downgrade() -> None:
    op.drop_index("ix_events_target_ts", table_name="events")
    op.drop_index("ix_events_ts", table_name="events")
    for name in ("events", "rollup_state", "rollup_1h", "rollup_1m", "samples", "series"):
        op.drop_table(name)
