"""Health checks: rounds, who answered them (as keyed hashes) and their answers (under other keyed hashes).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "health_round",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "relationship_id", sa.Integer(), sa.ForeignKey("relationship.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("dimensions", sa.Text(), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("opened_by", sa.String(32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("one_sided", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(32), nullable=True),
        sa.Column("results_ts", sa.String(32), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.UniqueConstraint("team_id", "relationship_id", "number", name="uq_health_round_number"),
    )
    op.create_index(
        "uq_health_round_open",
        "health_round",
        ["team_id", "relationship_id"],
        unique=True,
        postgresql_where=sa.text("closed_at IS NULL"),
        sqlite_where=sa.text("closed_at IS NULL"),
    )
    op.create_index("ix_health_round_closing", "health_round", ["team_id", "closed_at", "closes_at"])
    op.create_table(
        "health_respondent",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("health_round.id", ondelete="CASCADE"), nullable=False),
        sa.Column("respondent", sa.String(64), nullable=False),
        sa.UniqueConstraint("round_id", "respondent", name="uq_health_respondent"),
    )
    op.create_table(
        "health_answer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("health_round.id", ondelete="CASCADE"), nullable=False),
        sa.Column("answer_key", sa.String(64), nullable=False),
        sa.Column("answer_group", sa.String(16), nullable=False),
        sa.Column("scores", sa.Text(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("improve", sa.Text(), nullable=True),
        sa.UniqueConstraint("round_id", "answer_key", name="uq_health_answer"),
    )


def downgrade() -> None:
    op.drop_table("health_answer")
    op.drop_table("health_respondent")
    op.drop_index("ix_health_round_closing", table_name="health_round")
    op.drop_index("uq_health_round_open", table_name="health_round")
    op.drop_table("health_round")
