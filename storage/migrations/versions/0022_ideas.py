"""The value-creation ideas register of each relationship.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idea",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "relationship_id", sa.Integer(), sa.ForeignKey("relationship.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("form_key", sa.String(64), nullable=False),
        sa.Column("title", sa.String(150), nullable=False),
        sa.Column("proposer_id", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("value_home", sa.Text(), nullable=False),
        sa.Column("value_partner", sa.Text(), nullable=False),
        sa.Column("expected_amount", sa.String(24), nullable=False),
        sa.Column("expected_unit", sa.String(16), nullable=False),
        sa.Column("expected_words", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("next_decision", sa.Date(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("raised_by", sa.String(32), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("delivered_amount", sa.String(24), nullable=True),
        sa.Column("delivered_unit", sa.String(16), nullable=True),
        sa.Column("drop_reason", sa.Text(), nullable=True),
        sa.UniqueConstraint("team_id", "form_key", name="uq_idea_form"),
    )
    op.create_index("ix_idea_relationship", "idea", ["team_id", "relationship_id", "status"])
    op.create_index("ix_idea_moved", "idea", ["team_id", "status", "moved_on"])


def downgrade() -> None:
    op.drop_index("ix_idea_moved", table_name="idea")
    op.drop_index("ix_idea_relationship", table_name="idea")
    op.drop_table("idea")
