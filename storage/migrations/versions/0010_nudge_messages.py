"""A sent nudge remembers the message it went out in, and when that message was brought up to date: once what it
is about is done or snoozed, the message says so and loses its buttons.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "message_ts IS NOT NULL AND closed_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("nudge") as batch_op:
        batch_op.add_column(sa.Column("message_channel", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("message_ts", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_nudge_open_message",
        "nudge",
        ["team_id", "id"],
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_nudge_open_message", table_name="nudge")
    with op.batch_alter_table("nudge") as batch_op:
        batch_op.drop_column("closed_at")
        batch_op.drop_column("message_ts")
        batch_op.drop_column("message_channel")
