"""The partner's people's views of the reviews the home side shares with them.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_view",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "relationship_id", sa.Integer(), sa.ForeignKey("relationship.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("review.id", ondelete="CASCADE"), nullable=False),
        sa.Column("given_by", sa.String(32), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("delivery", sa.Integer(), nullable=False),
        sa.Column("trust", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("governance", sa.Integer(), nullable=False),
        sa.UniqueConstraint("team_id", "review_id", "given_by", name="uq_review_view_person"),
    )
    op.create_index("ix_review_view_relationship", "review_view", ["team_id", "relationship_id"])


def downgrade() -> None:
    op.drop_index("ix_review_view_relationship", table_name="review_view")
    op.drop_table("review_view")
