"""Data rights: the audit trail lets exactly a tenant's purge delete its events and a person's erasure replace
their identity in them, while it still refuses every other change; and the erasures a tenant had done, numbered.

A purge or an erasure writes a `data_right` row naming the tenant at the start of its transaction and deletes it
before committing, so the row is never seen outside that transaction: the triggers let the change through only
while it is there, and only the change it names (a purge deletes, an erasure may rewrite who acted and the user ids
in before and after, nothing else).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit events are append-only"
PURGING = "EXISTS (SELECT 1 FROM data_right WHERE team_id = OLD.team_id AND kind = 'purge')"
ERASING = "EXISTS (SELECT 1 FROM data_right WHERE team_id = OLD.team_id AND kind = 'erasure')"
# What an erasure leaves as it was: the event itself. Only actor_id, before and after may change.
KEPT = ("id", "team_id", "relationship_id", '"at"', "action", "subject")


def upgrade() -> None:
    op.create_table(
        "data_right",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "kind"),
    )
    op.create_table(
        "erasure",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "number"),
    )
    if op.get_bind().dialect.name == "postgresql":
        unchanged = " AND ".join(f"NEW.{column} IS NOT DISTINCT FROM OLD.{column}" for column in KEPT)
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'DELETE' AND {PURGING} THEN RETURN OLD; END IF; "
            f"IF TG_OP = 'UPDATE' AND {ERASING} AND {unchanged} THEN RETURN NEW; END IF; "
            f"RAISE EXCEPTION '{REFUSAL}'; END; $$"
        )
        return
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in KEPT)
    _sqlite_triggers(delete_unless=PURGING, update_unless=f"{ERASING} AND NOT ({changed})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END; $$"
        )
    else:
        _sqlite_triggers(delete_unless=None, update_unless=None)
    op.drop_table("erasure")
    op.drop_table("data_right")


def _sqlite_triggers(*, delete_unless: str | None, update_unless: str | None) -> None:
    """The triggers of migration 0004 again, refusing a change unless its condition holds (None: always)."""
    for change, allowed in (("DELETE", delete_unless), ("UPDATE", update_unless)):
        name = f"audit_event_no_{change.lower()}"
        op.execute(f"DROP TRIGGER {name}")
        when = f"WHEN NOT ({allowed}) " if allowed else ""
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {change} ON audit_event {when}BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        )
