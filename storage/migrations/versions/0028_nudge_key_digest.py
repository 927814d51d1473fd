"""The nudge outbox's unique key is a 16-byte digest of (workspace, kind, subject, tier, period, recipient)
instead of an index over those six columns, and a partial index finds the health check invitations to withdraw.

A sweep of a million relationships adds some 870,000 rows to the outbox; each paid PostgreSQL two descents of a
wide index of text (the conflict check, then the insert), most of filling the outbox. The digest is computed by
`storage.nudge_keys.nudge_key`, the one definition the outbox and this backfill share.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.nudge_keys import nudge_key

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = ("team_id", "kind", "subject", "tier", "period", "recipient_id")
_HEALTH_CHECK = sa.text("kind = 'health_check'")
_BATCH = 5_000


def upgrade() -> None:
    with op.batch_alter_table("nudge") as batch:
        batch.add_column(sa.Column("key_digest", sa.LargeBinary(16), nullable=True))
    _fill_digests()
    with op.batch_alter_table("nudge") as batch:
        batch.alter_column("key_digest", existing_type=sa.LargeBinary(16), nullable=False)
        batch.drop_constraint("uq_nudge_key", type_="unique")
        batch.create_unique_constraint("uq_nudge_key", ["key_digest"])
        batch.create_index(
            "ix_nudge_health_check",
            ["team_id", "subject", "recipient_id"],
            postgresql_where=_HEALTH_CHECK,
            sqlite_where=_HEALTH_CHECK,
        )


def _fill_digests() -> None:
    connection = op.get_bind()
    nudge = sa.table("nudge", sa.column("id"), sa.column("key_digest"), *(sa.column(name) for name in _KEY))
    fill = sa.update(nudge).where(nudge.c.id == sa.bindparam("row_id")).values(key_digest=sa.bindparam("digest"))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(nudge.c.id, *(nudge.c[name] for name in _KEY))
            .where(nudge.c.id > last)
            .order_by(nudge.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        connection.execute(fill, [{"row_id": row[0], "digest": nudge_key(*row[1:])} for row in rows])
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("nudge") as batch:
        batch.drop_index("ix_nudge_health_check")
        batch.drop_constraint("uq_nudge_key", type_="unique")
        batch.create_unique_constraint("uq_nudge_key", list(_KEY))
        batch.drop_column("key_digest")
