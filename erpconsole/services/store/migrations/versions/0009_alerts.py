"""Alerts: one row per alert (pending, firing, acknowledged, silenced, resolved), notes on them,
silences, and the outbox of notifications written in the same transaction as the transition
that causes them (a sender marks each row sent). The lease of the one process that evaluates
is 0008's alert_lock.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TS = sa.Float(53)


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("severity", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False, server_default=""),
        sa.Column("value", sa.Text, nullable=False, server_default=""),
        sa.Column("runbook", sa.Text, nullable=False, server_default=""),
        sa.Column("started_at", _TS, nullable=False),  # the condition first held (first seen)
        sa.Column("fired_at", _TS),
        sa.Column("last_seen", _TS, nullable=False),
        sa.Column("resolved_at", _TS),
        sa.Column("acked_by", sa.Text),
        sa.Column("acked_at", _TS),
        sa.Column("comment", sa.Text),
        sa.Column("escalated_at", _TS),
        sa.Column("notified_at", _TS),  # the last firing, escalation or reminder row written
    )
    op.create_index("ix_alerts_open", "alerts", ["state", "started_at"])
    op.create_index("ix_alerts_started", "alerts", ["started_at"])
    op.create_table(
        "alert_notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.Text, nullable=False, index=True),
        sa.Column("ts", _TS, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),  # note | ack | unack
        sa.Column("text", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "silences",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("target", sa.Text),
        sa.Column("tag", sa.Text),
        sa.Column("starts_at", _TS, nullable=False),
        sa.Column("ends_at", _TS, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("removed_at", _TS),
        sa.Column("removed_by", sa.Text),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.Text, nullable=False),
        sa.Column("transition", sa.Text, nullable=False),  # firing | resolved | escalated | reminder
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_try_at", _TS),
        sa.Column("sent_at", _TS),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("alert_id", "transition", "channel", "created_at", name="uq_outbox_transition"),
    )
    op.create_index("ix_outbox_due", "outbox", ["sent_at", "next_try_at"])


def downgrade() -> None:
    for table in ("outbox", "silences", "alert_notes", "alerts"):
        op.drop_table(table)
