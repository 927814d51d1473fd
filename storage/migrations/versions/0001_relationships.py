"""Relationships.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "relationship",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("name_key", sa.String(80), nullable=False),
        sa.Column("partner", sa.String(120), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("sponsor_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("review_cadence_days", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_review_due", sa.Date(), nullable=False),
        sa.Column("intro_ts", sa.String(32), nullable=True),
        sa.UniqueConstraint("team_id", "name_key", name="uq_relationship_team_name"),
    )
    op.create_index("ix_relationship_team_id", "relationship", ["team_id"])


def downgrade() -> None:
    op.drop_index("ix_relationship_team_id", table_name="relationship")
    op.drop_table("relationship")
