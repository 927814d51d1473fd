"""The partner organisation's Slack workspace of a relationship, recorded once its channel is shared with it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("relationship") as table:
        table.add_column(sa.Column("partner_team_id", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("relationship") as table:
        table.drop_column("partner_team_id")
