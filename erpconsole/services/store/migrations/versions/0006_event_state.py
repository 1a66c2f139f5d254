"""Events carry the state a target was left in ("ok", "unreachable", "late", ...): at start the
console compares each target's new state against the last one stored and logs a change only,
so a restart does not repeat "is ok" or the critical of a host that is still down.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("state", sa.Text, nullable=False, server_default=""))
    # The last state per target: a few rows among the notes and actions, found by index.
    op.create_index("ix_events_state", "events", ["kind", "target", "id"],
                    sqlite_where=sa.text("state != ''"), postgresql_where=sa.text("state != ''"))


def downgrade() -> None:
    op.drop_index("ix_events_state", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("state")
