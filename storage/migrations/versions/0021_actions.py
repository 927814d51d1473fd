"""The actions register of each relationship.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "action_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "relationship_id", sa.Integer(), sa.ForeignKey("relationship.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("form_key", sa.String(64), nullable=False),
        sa.Column("title", sa.String(150), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("owner_side", sa.String(8), nullable=False),
        sa.Column("owner_tz", sa.String(64), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("added_by", sa.String(32), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.UniqueConstraint("team_id", "form_key", name="uq_action_form"),
    )
    op.create_index("ix_action_relationship", "action_item", ["team_id", "relationship_id", "done_at"])
    op.create_index("ix_action_owner", "action_item", ["team_id", "owner_id", "done_at"])
    op.create_index("ix_action_due", "action_item", ["team_id", "done_at", "due"])


def downgrade() -> None:
    op.drop_index("ix_action_due", table_name="action_item")
    op.drop_index("ix_action_owner", table_name="action_item")
    op.drop_index("ix_action_relationship", table_name="action_item")
    op.drop_table("action_item")
