"""The joint management team's meetings of each relationship.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "relationship_id", sa.Integer(), sa.ForeignKey("relationship.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("form_key", sa.String(64), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("home_attendees", sa.Text(), nullable=False),
        sa.Column("partner_attendees", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("decisions", sa.Text(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("one_side_reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "form_key", name="uq_meeting_form"),
    )
    op.create_index("ix_meeting_relationship", "meeting", ["team_id", "relationship_id", "held_on"])


def downgrade() -> None:
    op.drop_index("ix_meeting_relationship", table_name="meeting")
    op.drop_table("meeting")
