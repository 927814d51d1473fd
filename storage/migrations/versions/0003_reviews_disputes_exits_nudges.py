"""Reviews, disputes, exit strategy versions, the nudge outbox, snoozes, time zones and workspaces.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "profile",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    op.create_table(
        "snooze",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("snooze", schema=None) as batch_op:
        batch_op.create_index("ix_snooze_until", ["team_id", "until"], unique=False)

    op.create_table(
        "workspace",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
    )
    op.create_table(
        "dispute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("relationship_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(32), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("tier_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("acknowledged_by", sa.String(32), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(32), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("thread_ts", sa.String(32), nullable=True),
        sa.Column("source_link", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["relationship_id"], ["relationship.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dispute", schema=None) as batch_op:
        batch_op.create_index("ix_dispute_open", ["team_id", "status", "tier_since"], unique=False)
        batch_op.create_index(batch_op.f("ix_dispute_relationship_id"), ["relationship_id"], unique=False)

    op.create_table(
        "exit_strategy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("relationship_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("triggers", sa.Text(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("continuity", sa.Text(), nullable=True),
        sa.Column("assets", sa.Text(), nullable=True),
        sa.Column("reviewed_with", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(32), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["relationship_id"], ["relationship.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("relationship_id", "version", name="uq_exit_strategy_version"),
    )
    op.create_table(
        "nudge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(32), nullable=False),
        sa.Column("recipient_id", sa.String(32), nullable=False),
        sa.Column("relationship_id", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["relationship_id"], ["relationship.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "kind", "subject", "tier", "period", "recipient_id", name="uq_nudge_key"),
    )
    with op.batch_alter_table("nudge", schema=None) as batch_op:
        batch_op.create_index("ix_nudge_ready", ["team_id", "status", "not_before"], unique=False)
        batch_op.create_index(batch_op.f("ix_nudge_relationship_id"), ["relationship_id"], unique=False)

    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("relationship_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_by", sa.String(32), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("delivery", sa.Integer(), nullable=False),
        sa.Column("trust", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("governance", sa.Integer(), nullable=False),
        sa.Column("decisions", sa.Text(), nullable=True),
        sa.Column("next_review_due", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["relationship_id"], ["relationship.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index("ix_review_relationship", ["relationship_id", "reviewed_at"], unique=False)

    op.create_table(
        "dispute_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["dispute_id"], ["dispute.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dispute_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispute_event_dispute_id"), ["dispute_id"], unique=False)

    with op.batch_alter_table("relationship", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exit_review_cadence_days", sa.Integer(), server_default="180", nullable=False))
        batch_op.add_column(sa.Column("next_exit_review_due", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("last_reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_relationship_exit_due", ["team_id", "status", "next_exit_review_due"], unique=False)
        batch_op.create_index("ix_relationship_review_due", ["team_id", "status", "next_review_due"], unique=False)

    # Existing relationships: register their workspaces, and plan the first exit review one cadence on.
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "INSERT INTO workspace (team_id, created_at)"
            " SELECT team_id, MIN(created_at) FROM relationship GROUP BY team_id"
        )
    )
    for relationship_id, created_at in bind.execute(sa.text("SELECT id, created_at FROM relationship")).all():
        created = created_at if isinstance(created_at, datetime) else datetime.fromisoformat(str(created_at))
        bind.execute(
            sa.text("UPDATE relationship SET next_exit_review_due = :due WHERE id = :id"),
            {"due": created.date() + timedelta(days=180), "id": relationship_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("relationship", schema=None) as batch_op:
        batch_op.drop_index("ix_relationship_review_due")
        batch_op.drop_index("ix_relationship_exit_due")
        batch_op.drop_column("last_reviewed_at")
        batch_op.drop_column("next_exit_review_due")
        batch_op.drop_column("exit_review_cadence_days")

    with op.batch_alter_table("dispute_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_event_dispute_id"))

    op.drop_table("dispute_event")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index("ix_review_relationship")

    op.drop_table("review")
    with op.batch_alter_table("nudge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nudge_relationship_id"))
        batch_op.drop_index("ix_nudge_ready")

    op.drop_table("nudge")
    op.drop_table("exit_strategy")
    with op.batch_alter_table("dispute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_relationship_id"))
        batch_op.drop_index("ix_dispute_open")

    op.drop_table("dispute")
    op.drop_table("workspace")
    with op.batch_alter_table("snooze", schema=None) as batch_op:
        batch_op.drop_index("ix_snooze_until")

    op.drop_table("snooze")
    op.drop_table("profile")
