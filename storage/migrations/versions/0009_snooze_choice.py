"""A snooze remembers the nudge and the choice it came from, once: pressing the same button again is a repeat.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("snooze") as batch_op:
        batch_op.add_column(sa.Column("nudge_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("days", sa.Integer(), nullable=True))
    op.create_index("uq_snooze_choice", "snooze", ["team_id", "nudge_id", "user_id", "days"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_snooze_choice", table_name="snooze")
    with op.batch_alter_table("snooze") as batch_op:
        batch_op.drop_column("days")
        batch_op.drop_column("nudge_id")
