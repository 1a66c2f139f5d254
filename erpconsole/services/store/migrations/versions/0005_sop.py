"""SOP runs: one row per run (the template as it was when the run started) and the steps'
history as events. Events are append-only, refused UPDATE and DELETE by the database itself:
a step's state is its newest event, and a tick by mistake is undone by a newer event, never by
rewriting the old one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER sop_events_no_update BEFORE UPDATE ON sop_events "
    "BEGIN SELECT RAISE(ABORT, 'SOP step history is append-only'); END",
    "CREATE TRIGGER sop_events_no_delete BEFORE DELETE ON sop_events "
    "BEGIN SELECT RAISE(ABORT, 'SOP step history is append-only'); END",
)
_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION erpconsole_sop_events_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'SOP step history is append-only'; END; $$ LANGUAGE plpgsql"
)
_PG_TRIGGER = (
    "CREATE TRIGGER sop_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON sop_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION erpconsole_sop_events_append_only()"
)


def upgrade() -> None:
    op.create_table(
        "sop_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("template_id", sa.Text, nullable=False),
        sa.Column("template_json", sa.Text, nullable=False),
        sa.Column("started", sa.Float(53), nullable=False),
        sa.Column("started_by", sa.Text, nullable=False),
        sa.Column("due", sa.Float(53), nullable=True),
        sa.Column("finished", sa.Float(53), nullable=True),
        sa.Column("signed_by", sa.Text, nullable=False, server_default=""),
        sa.Column("signed_actor", sa.Text, nullable=False, server_default=""),
        sa.Column("signed_ts", sa.Float(53), nullable=True),
    )
    op.create_index("ix_sop_runs_template", "sop_runs", ["template_id", "id"])
    op.create_index("ix_sop_runs_due", "sop_runs", ["template_id", "due"])
    op.create_table(
        "sop_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("sop_runs.id"), nullable=False),
        sa.Column("step_id", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("ts", sa.Float(53), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("values_json", sa.Text, nullable=False),  # JSON list of [name, value]
    )
    op.create_index("ix_sop_events_run", "sop_events", ["run_id", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        for sql in _SQLITE_TRIGGERS:
            op.execute(sql)


def downgrade() -> None:
    op.drop_table("sop_events")
    op.drop_table("sop_runs")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS erpconsole_sop_events_append_only()")
