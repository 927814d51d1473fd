"""The risk register of each relationship.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "relationship_id", sa.Integer(), sa.ForeignKey("relationship.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("form_key", sa.String(64), nullable=False),
        sa.Column("title", sa.String(150), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("breakdown_effect", sa.Text(), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("mitigation", sa.Text(), nullable=False),
        sa.Column("next_review", sa.Date(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("raised_by", sa.String(32), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(32), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.UniqueConstraint("team_id", "form_key", name="uq_risk_form"),
    )
    op.create_index("ix_risk_relationship", "risk", ["team_id", "relationship_id", "closed_at"])
    op.create_index("ix_risk_review", "risk", ["team_id", "closed_at", "next_review"])


def downgrade() -> None:
    op.drop_index("ix_risk_review", table_name="risk")
    op.drop_index("ix_risk_relationship", table_name="risk")
    op.drop_table("risk")
