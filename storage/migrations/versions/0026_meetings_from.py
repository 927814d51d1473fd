"""The day each relationship's meeting cadence counts from, kept on the relationship, so the nudge sweep reads only
the relationships due to meet instead of every relationship's meetings.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_SQLITE = (
    "UPDATE relationship SET meetings_from = COALESCE((SELECT max(meeting.held_on) FROM meeting"
    " WHERE meeting.team_id = relationship.team_id AND meeting.relationship_id = relationship.id"
    " AND NOT meeting.internal), date(created_at))"
)
BACKFILL_POSTGRESQL = (
    "UPDATE relationship SET meetings_from = COALESCE((SELECT max(meeting.held_on) FROM meeting"
    " WHERE meeting.team_id = relationship.team_id AND meeting.relationship_id = relationship.id"
    " AND NOT meeting.internal), (created_at AT TIME ZONE 'UTC')::date)"
)


def upgrade() -> None:
    with op.batch_alter_table("relationship") as batch:
        batch.add_column(sa.Column("meetings_from", sa.Date(), nullable=True))
    # The last joint meeting, or the day the relationship began (in UTC) before the first.
    op.execute(BACKFILL_SQLITE if op.get_bind().dialect.name == "sqlite" else BACKFILL_POSTGRESQL)
    with op.batch_alter_table("relationship") as batch:
        batch.alter_column("meetings_from", existing_type=sa.Date(), nullable=False)
        batch.create_index("ix_relationship_meetings", ["team_id", "status", "meetings_from"])


def downgrade() -> None:
    with op.batch_alter_table("relationship") as batch:
        batch.drop_index("ix_relationship_meetings")
        batch.drop_column("meetings_from")
