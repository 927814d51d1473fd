"""The value-creation ideas registers of a workspace's relationships."""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from stages.ideas import Idea, IdeaStatus
from stages.nudges import DueIdea
from stages.relationships import RelationshipStatus, Side
from storage.mapping import entity_from_row, inserted, row_values, table
from storage.tables import IdeaRow, RelationshipRow

OPEN = [s.value for s in IdeaStatus if s.open]


class SqlIdeaRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, idea: Idea, form_key: str) -> Idea | None:
        """The idea stored; None if the form `form_key` added one already (the same form sent again)."""
        values = row_values(idea, skip=("id", "team_id", *_AMOUNTS)) | _amounts(idea)
        row = IdeaRow(team_id=self._team_id, form_key=form_key, **values)
        return _idea(row) if inserted(self._session, row) else None

    def get(self, idea_id: int) -> Idea | None:
        row = self._session.exec(select(IdeaRow).where(IdeaRow.team_id == self._team_id, IdeaRow.id == idea_id)).first()
        return _idea(row) if row else None

    def of(self, relationship_id: int, *, closed: bool = False) -> list[Idea]:
        """The relationship's open ideas (and, with `closed`, its delivered and dropped ones too), oldest first."""
        query = select(IdeaRow).where(IdeaRow.team_id == self._team_id, IdeaRow.relationship_id == relationship_id)
        if not closed:
            query = query.where(col(IdeaRow.status).in_(OPEN))
        return [_idea(row) for row in self._session.exec(query.order_by(col(IdeaRow.id)))]

    def owned_by(self, user_id: str) -> list[Idea]:
        """The open ideas the person owns, the longest unmoved first."""
        query = select(IdeaRow).where(
            IdeaRow.team_id == self._team_id, IdeaRow.owner_id == user_id, col(IdeaRow.status).in_(OPEN)
        )
        return [_idea(row) for row in self._session.exec(query.order_by(col(IdeaRow.moved_on), col(IdeaRow.id)))]

    def move(self, idea: Idea, seen: IdeaStatus) -> bool:
        """Store the idea's new status (and what it needs) if its status is still `seen`; False if it moved since
        (the same form sent again, another person)."""
        values: dict[str, Any] = {"status": idea.status.value, "next_decision": idea.next_decision}
        values |= {"moved_on": idea.moved_on, "drop_reason": idea.drop_reason, "delivered_unit": idea.delivered_unit}
        values |= _amounts(idea)
        return self._change(idea, values, col(IdeaRow.status) == seen.value)

    def keep_going(self, idea: Idea, seen: date) -> bool:
        """Store a decision to carry on by a new date if the idea has not moved since `seen`; False otherwise."""
        values = {"next_decision": idea.next_decision, "moved_on": idea.moved_on}
        return self._change(idea, values, col(IdeaRow.moved_on) == seen)

    def stale(self, today: date, stale_days: int) -> list[DueIdea]:
        return stale(self._session, (self._team_id,), today, stale_days)

    def _change(self, idea: Idea, values: dict[str, Any], *also: ColumnElement[bool]) -> bool:
        """Write `values` to the idea's row while it is open (and `also` holds); False when it is not."""
        query = select(IdeaRow).where(
            IdeaRow.team_id == self._team_id, IdeaRow.id == idea.id, col(IdeaRow.status).in_(OPEN), *also
        )
        row = self._session.exec(query).first()
        if row is None:
            return False
        row.sqlmodel_update(values)
        self._session.add(row)
        self._session.flush()
        return True


def stale(session: Session, team_ids: Sequence[str], today: date, stale_days: int) -> list[DueIdea]:
    """Open ideas of these workspaces' active relationships unmoved for `stale_days` days or more: only what the
    reminder rules read, past the ORM."""
    idea, relationship = table(IdeaRow).c, table(RelationshipRow).c
    query = (
        sa_select(
            idea.id, idea.relationship_id, idea.team_id, relationship.name, idea.title, idea.owner_id, idea.moved_on
        )
        .join(table(RelationshipRow), relationship.id == idea.relationship_id)
        .where(
            idea.team_id.in_(list(team_ids)),
            idea.status.in_(OPEN),
            idea.moved_on <= today - timedelta(days=stale_days),
            relationship.team_id == idea.team_id,
            relationship.status == RelationshipStatus.ACTIVE.value,
        )
    )
    return [DueIdea(*row) for row in session.connection().execute(query)]


_AMOUNTS = ("expected_amount", "delivered_amount")


def _amounts(idea: Idea) -> dict[str, Any]:
    """Amounts as written out (a decimal kept exactly, on SQLite too)."""
    delivered = idea.delivered_amount
    return {
        "expected_amount": str(idea.expected_amount),
        "delivered_amount": None if delivered is None else str(delivered),
    }


def _idea(row: IdeaRow) -> Idea:
    delivered = row.delivered_amount
    return entity_from_row(
        Idea,
        row,
        status=IdeaStatus(row.status),
        side=Side(row.side),
        expected_amount=Decimal(row.expected_amount),
        delivered_amount=None if delivered is None else Decimal(delivered),
    )
