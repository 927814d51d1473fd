"""Relationship names are compared without accents as well as without case (Cafe finds Café): every stored
`name_key` is recomputed with the one folding function the app uses. Nothing is refused: where two names of a
workspace now fold alike, the key already held stays where it is (the older relationship's first), and the
other relationship keeps its key as it was.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from stages.naming import name_key

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RELATIONSHIP = sa.table(
    "relationship",
    sa.column("id", sa.Integer),
    sa.column("team_id", sa.String),
    sa.column("name", sa.String),
    sa.column("name_key", sa.String),
)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_RELATIONSHIP.c.id, _RELATIONSHIP.c.team_id, _RELATIONSHIP.c.name, _RELATIONSHIP.c.name_key).order_by(
            _RELATIONSHIP.c.id
        )
    ).all()
    held = {(row.team_id, row.name_key) for row in rows}  # no key is taken from the row holding it
    for row in rows:  # oldest first
        key = name_key(row.name)
        if (row.team_id, key) in held:
            continue
        held.add((row.team_id, key))
        connection.execute(sa.update(_RELATIONSHIP).where(_RELATIONSHIP.c.id == row.id).values(name_key=key))


def downgrade() -> None:
    """Back to keys that keep accents: names that fold alike were refused meanwhile, so these are unique too."""
    connection = op.get_bind()
    for row in connection.execute(sa.select(_RELATIONSHIP.c.id, _RELATIONSHIP.c.name)).all():
        key = unicodedata.normalize("NFKC", " ".join(unicodedata.normalize("NFKC", row.name).split()).casefold())
        connection.execute(sa.update(_RELATIONSHIP).where(_RELATIONSHIP.c.id == row.id).values(name_key=key))
