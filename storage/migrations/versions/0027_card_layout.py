"""The layout each joint relationship's pinned card was last drawn in, so that cards drawn before Accord offered
what it offers now are drawn again (0: any card drawn before this revision).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("relationship") as batch:
        batch.add_column(sa.Column("card_layout", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("relationship") as batch:
        batch.drop_column("card_layout")
