"""The nudge outbox keeps no foreign key to its relationship, and indexes only its failed rows by relationship.

Checking the key made the database lock every relationship row a sweep nudged about, a third of the cost of
filling the outbox. Relationships are never deleted (they exit), and a nudge whose relationship is gone is
cancelled when its turn comes, so the key protected nothing the sender does not check anyway.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite keeps the key unnamed; this names it while the table is copied, so it can be dropped by name.
_NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
_FAILED = sa.text("status = 'failed'")


def _key_name() -> str:
    postgresql = op.get_bind().dialect.name == "postgresql"
    return "nudge_relationship_id_fkey" if postgresql else "fk_nudge_relationship_id_relationship"


def upgrade() -> None:
    with op.batch_alter_table("nudge", naming_convention=_NAMING) as batch_op:
        batch_op.drop_constraint(_key_name(), type_="foreignkey")
        batch_op.drop_index("ix_nudge_relationship_id")
        batch_op.create_index(
            "ix_nudge_failed", ["team_id", "relationship_id"], postgresql_where=_FAILED, sqlite_where=_FAILED
        )


def downgrade() -> None:
    with op.batch_alter_table("nudge", naming_convention=_NAMING) as batch_op:
        batch_op.drop_index("ix_nudge_failed")
        batch_op.create_index("ix_nudge_relationship_id", ["relationship_id"])
        batch_op.create_foreign_key(_key_name(), "relationship", ["relationship_id"], ["id"], ondelete="CASCADE")
