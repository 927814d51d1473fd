"""The knowledge map of each relationship.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "knowledge_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "relationship_id", sa.Integer(), sa.ForeignKey("relationship.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("form_key", sa.String(64), nullable=False),
        sa.Column("title", sa.String(150), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("classification", sa.String(8), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("added_by", sa.String(32), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(32), nullable=True),
        sa.UniqueConstraint("team_id", "form_key", name="uq_knowledge_form"),
    )
    op.create_index("ix_knowledge_relationship", "knowledge_item", ["team_id", "relationship_id", "retired_at"])


def downgrade() -> None:
    op.drop_index("ix_knowledge_relationship", table_name="knowledge_item")
    op.drop_table("knowledge_item")
