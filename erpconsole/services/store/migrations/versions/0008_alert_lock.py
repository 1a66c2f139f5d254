"""The store's named leases: one row per duty that one process at a time performs for a store
(``rules``: evaluating alert rules and sending notifications). The holder renews its row;
another process takes it over once ``expires_at`` (the store's own clock, epoch seconds) has
passed, so a killed holder is replaced without anyone clearing it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_lock",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("holder", sa.Text, nullable=False),  # user@host:pid
        sa.Column("expires_at", sa.Float(53), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_lock")
