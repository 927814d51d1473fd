"""The joint management team of a relationship: its roles, each held by a person of either side; and reviews and
evidence kept internal to the home organisation.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "team_pair",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "relationship_id", sa.Integer(), sa.ForeignKey("relationship.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(60), nullable=False),
        sa.Column("home_id", sa.String(32), nullable=True),
        sa.Column("partner_id", sa.String(32), nullable=True),
        sa.UniqueConstraint("team_id", "relationship_id", "position", name="uq_team_pair_position"),
    )
    op.create_index("ix_team_pair_relationship_id", "team_pair", ["relationship_id"])
    op.create_index("ix_relationship_partner", "relationship", ["partner_team_id"])
    with op.batch_alter_table("review") as table:
        table.add_column(sa.Column("internal", sa.Boolean(), nullable=False, server_default=sa.false()))
    for kept in ("item_state", "answer"):
        op.add_column(kept, sa.Column("evidence_internal", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_index("ix_relationship_partner", table_name="relationship")
    for kept in ("answer", "item_state"):
        with op.batch_alter_table(kept) as table:
            table.drop_column("evidence_internal")
    with op.batch_alter_table("review") as table:
        table.drop_column("internal")
    op.drop_index("ix_team_pair_relationship_id", table_name="team_pair")
    op.drop_table("team_pair")
