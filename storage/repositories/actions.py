"""The actions registers of a workspace's relationships."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, select

from stages.actions import Action, ActionSource
from stages.nudges import DueAction
from stages.relationships import RelationshipStatus, Side
from storage.mapping import entity_from_row, inserted, row_values, table
from storage.tables import ActionRow, RelationshipRow


class SqlActionRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, action: Action, form_key: str) -> Action | None:
        """The action stored; None if the form `form_key` added one already (the same form sent again)."""
        row = ActionRow(team_id=self._team_id, form_key=form_key, **row_values(action, skip=("id", "team_id")))
        return _action(row) if inserted(self._session, row) else None

    def get(self, action_id: int) -> Action | None:
        query = select(ActionRow).where(ActionRow.team_id == self._team_id, ActionRow.id == action_id)
        row = self._session.exec(query).first()
        return _action(row) if row else None

    def of(self, relationship_id: int, *, done: bool = False) -> list[Action]:
        """The relationship's open actions (and, with `done`, its completed ones too), oldest first."""
        query = select(ActionRow).where(
            ActionRow.team_id == self._team_id, ActionRow.relationship_id == relationship_id
        )
        if not done:
            query = query.where(col(ActionRow.done_at).is_(None))
        return [_action(row) for row in self._session.exec(query.order_by(col(ActionRow.id)))]

    def owned_by(self, user_id: str) -> list[Action]:
        """The open actions the person owns, across the workspace's relationships, the soonest due first."""
        query = select(ActionRow).where(
            ActionRow.team_id == self._team_id, ActionRow.owner_id == user_id, col(ActionRow.done_at).is_(None)
        )
        return [_action(row) for row in self._session.exec(query.order_by(col(ActionRow.due), col(ActionRow.id)))]

    def move_owner(self, user_id: str, tz: str) -> int:
        action = table(ActionRow).c
        moving = (
            sa_update(table(ActionRow))
            .where(
                action.team_id == self._team_id,
                action.owner_id == user_id,
                action.done_at.is_(None),
                action.owner_tz != tz,
            )
            .values(owner_tz=tz)
        )
        return self._session.connection().execute(moving).rowcount

    def due_before(self, day: date) -> list[DueAction]:
        return due_before(self._session, (self._team_id,), day)

    def complete(self, action: Action) -> bool:
        """Store that the action was completed; False if it was already (a second press, another person)."""
        done: dict[str, Any] = {"done_at": action.done_at, "done_by": action.done_by, "note": action.note}
        query = select(ActionRow).where(
            ActionRow.team_id == self._team_id, ActionRow.id == action.id, col(ActionRow.done_at).is_(None)
        )
        row = self._session.exec(query).first()
        if row is None:
            return False
        row.sqlmodel_update(done)
        self._session.add(row)
        self._session.flush()
        return True


def due_before(session: Session, team_ids: Sequence[str], day: date) -> list[DueAction]:
    """Open actions of these workspaces' active relationships due before `day`: only what the reminder rules read,
    past the ORM."""
    action, relationship = table(ActionRow).c, table(RelationshipRow).c
    query = (
        sa_select(
            action.id,
            action.relationship_id,
            action.team_id,
            relationship.name,
            action.title,
            action.owner_id,
            action.owner_side,
            action.owner_tz,
            action.due,
            action.internal,
            relationship.sponsor_id,
            relationship.partner_sponsor_id,
        )
        .join(table(RelationshipRow), relationship.id == action.relationship_id)
        .where(
            action.team_id.in_(list(team_ids)),
            action.done_at.is_(None),
            action.due < day,
            relationship.team_id == action.team_id,
            relationship.status == RelationshipStatus.ACTIVE.value,
        )
    )
    return [DueAction(*tuple(row)) for row in session.connection().execute(query)]


def _action(row: ActionRow) -> Action:
    return entity_from_row(
        Action, row, owner_side=Side(row.owner_side), source=ActionSource(row.source), side=Side(row.side)
    )
