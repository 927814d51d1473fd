"""Joint relationships: the partner's sponsor and relationship manager, which side answered or wrote a note, joint
gates, and check-in threads withdrawn from a channel that came to be shared.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("relationship") as table:
        table.add_column(sa.Column("partner_sponsor_id", sa.String(32), nullable=True))
        table.add_column(sa.Column("partner_manager_id", sa.String(32), nullable=True))
        table.add_column(sa.Column("card_ts", sa.String(32), nullable=True))
    with op.batch_alter_table("answer") as table:
        table.add_column(sa.Column("actor_side", sa.String(8), nullable=False, server_default="home"))
    with op.batch_alter_table("checkin") as table:
        table.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("note") as table:
        table.add_column(sa.Column("author_side", sa.String(8), nullable=False, server_default="home"))
    # Not in batch mode: on SQLite that would copy the table, leaving behind the triggers that keep it append-only.
    op.add_column("audit_event", sa.Column("actor_side", sa.String(8), nullable=False, server_default="home"))
    with op.batch_alter_table("exit_strategy") as table:
        table.add_column(sa.Column("joint", sa.Boolean(), nullable=False, server_default=sa.false()))
        table.add_column(sa.Column("partner_agreed_by", sa.String(32), nullable=True))
        table.add_column(sa.Column("partner_agreed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("dispute_event") as table:
        table.add_column(sa.Column("actor_side", sa.String(8), nullable=False, server_default="home"))
    with op.batch_alter_table("stage_signoff") as table:
        table.add_column(sa.Column("partner_signed_by", sa.String(32), nullable=True))
        table.add_column(sa.Column("partner_signed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "gate_signature",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "relationship_id", sa.Integer(), sa.ForeignKey("relationship.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("signed_by", sa.String(32), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "relationship_id", "stage", "round", "side", name="uq_gate_signature"),
    )


def downgrade() -> None:
    op.drop_table("gate_signature")
    op.drop_column("audit_event", "actor_side")
    with op.batch_alter_table("dispute_event") as table:
        table.drop_column("actor_side")
    with op.batch_alter_table("exit_strategy") as table:
        table.drop_column("partner_agreed_at")
        table.drop_column("partner_agreed_by")
        table.drop_column("joint")
    with op.batch_alter_table("stage_signoff") as table:
        table.drop_column("partner_signed_at")
        table.drop_column("partner_signed_by")
    with op.batch_alter_table("note") as table:
        table.drop_column("author_side")
    with op.batch_alter_table("checkin") as table:
        table.drop_column("withdrawn_at")
    with op.batch_alter_table("answer") as table:
        table.drop_column("actor_side")
    with op.batch_alter_table("relationship") as table:
        table.drop_column("card_ts")
        table.drop_column("partner_manager_id")
        table.drop_column("partner_sponsor_id")
