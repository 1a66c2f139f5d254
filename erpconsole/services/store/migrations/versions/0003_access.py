"""Access review: campaigns, what each collection read, and every decision made.

Decisions are appended, never updated: the current decision of an account is the last one
not taken back by an undo, and the whole history goes into the evidence.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_campaigns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("created_ts", sa.Float(53), nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("signed_ts", sa.Float(53), nullable=True),
        sa.Column("signed_by", sa.Text, nullable=False, server_default=""),
        sa.Column("signed_actor", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "access_extractions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("access_campaigns.id"), nullable=False),
        sa.Column("ts", sa.Float(53), nullable=False),
        sa.Column("body", sa.Text, nullable=False),  # the Extraction as JSON
    )
    op.create_index("ix_access_extractions_campaign", "access_extractions", ["campaign_id", "id"])
    op.create_table(
        "access_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("access_campaigns.id"), nullable=False),
        sa.Column("account_key", sa.Text, nullable=False),
        sa.Column("op", sa.Text, nullable=False),  # decide | undo
        sa.Column("decision", sa.Text, nullable=False, server_default=""),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("reviewer", sa.Text, nullable=False),
        sa.Column("ts", sa.Float(53), nullable=False),
    )
    op.create_index("ix_access_decisions_campaign", "access_decisions", ["campaign_id", "id"])


def downgrade() -> None:
    op.drop_table("access_decisions")
    op.drop_table("access_extractions")
    op.drop_table("access_campaigns")
