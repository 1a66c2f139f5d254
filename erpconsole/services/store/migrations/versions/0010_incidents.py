"""Incidents: one row per incident opened from one or several alerts (its title, who opened it
and when, and once closed: cause, fix and follow-ups), and the alerts it holds. Its timeline is
not copied here: it is read from what the store already holds (alerts, notes, audit, events).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TS = sa.Float(53)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("opened_by", sa.Text, nullable=False),
        sa.Column("closed_at", _TS),
        sa.Column("closed_by", sa.Text),
        sa.Column("cause", sa.Text),
        sa.Column("fix", sa.Text),
        sa.Column("follow_ups", sa.Text),
    )
    op.create_table(
        "incident_alerts",
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("alert_id", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "alert_id"),
    )
    op.create_index("ix_incident_alerts_alert", "incident_alerts", ["alert_id"])


def downgrade() -> None:
    op.drop_table("incident_alerts")
    op.drop_table("incidents")
