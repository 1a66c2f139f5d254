"""Backups: every verification and every restore drill, kept for the figures (drills passed,
measured RTO over time) and for the Backups page after a restart.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backup_verifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("set_name", sa.Text, nullable=False),
        sa.Column("backup_id", sa.Text, nullable=False),
        sa.Column("ts", sa.Float(53), nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("duration_s", sa.Float(53), nullable=False),
    )
    op.create_index("ix_backup_verifications_set", "backup_verifications", ["set_name", "id"])
    op.create_table(
        "backup_drills",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("set_name", sa.Text, nullable=False),
        sa.Column("backup_id", sa.Text, nullable=False),
        sa.Column("started", sa.Float(53), nullable=False),
        sa.Column("finished", sa.Float(53), nullable=False),
        sa.Column("duration_s", sa.Float(53), nullable=False),
        sa.Column("data_age_s", sa.Float(53), nullable=True),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("checks", sa.Text, nullable=False),  # JSON list of DrillCheck
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("rto_target_s", sa.Float(53), nullable=True),
        sa.Column("actor", sa.Text, nullable=False),
    )
    op.create_index("ix_backup_drills_set", "backup_drills", ["set_name", "id"])


def downgrade() -> None:
    op.drop_table("backup_drills")
    op.drop_table("backup_verifications")
