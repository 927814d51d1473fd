"""Repositories: the only code that builds queries. Each is bound to one workspace and filters by it."""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import case, null, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from stages.errors import NameTaken
from stages.naming import name_key
from stages.nudges import DueReview
from stages.relationships import Relationship, RelationshipStatus
from storage.mapping import CHUNK, PlainReader, entity_from_row, row_values, table
from storage.tables import RelationshipRow, WorkspaceRow

TABLE = table(RelationshipRow)
PLAIN = PlainReader(Relationship, TABLE, status=RelationshipStatus)


class SqlRelationshipRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, relationship: Relationship) -> Relationship:
        began = relationship.created_at.astimezone(UTC).date()
        row = RelationshipRow(team_id=self._team_id, meetings_from=began, **self._values(relationship))
        self._register_workspace(relationship.created_at)
        self._session.add(row)
        try:
            with self._session.begin_nested():
                self._session.flush()
        except IntegrityError as error:
            # Another request took the name between the caller's check and this insert.
            raise NameTaken(relationship.name, relationship.name) from error
        return relationship_entity(row)

    def update(self, relationship: Relationship) -> Relationship:
        row = self._session.exec(self._select().where(RelationshipRow.id == relationship.id)).one()
        row.sqlmodel_update(self._values(relationship))
        self._session.flush()
        return relationship_entity(row)

    def move(self, relationship: Relationship, *, from_stage: int, to: Relationship) -> bool:
        moved = self._session.exec(
            update(RelationshipRow)
            .where(
                col(RelationshipRow.team_id) == self._team_id,
                col(RelationshipRow.id) == relationship.id,
                col(RelationshipRow.stage) == from_stage,
                col(RelationshipRow.status) == relationship.status.value,
            )
            .values(**self._values(to))
        )
        self._session.expire_all()
        return bool(moved.rowcount == 1)

    def get(self, relationship_id: int) -> Relationship | None:
        row = self._session.exec(self._select().where(RelationshipRow.id == relationship_id)).first()
        return relationship_entity(row) if row else None

    def by_name(self, name: str) -> Relationship | None:
        row = self._session.exec(self._select().where(RelationshipRow.name_key == name_key(name))).first()
        return relationship_entity(row) if row else None

    def names(self) -> list[str]:
        query = select(RelationshipRow.name).where(RelationshipRow.team_id == self._team_id)
        return list(self._session.exec(query))

    def all(self) -> list[Relationship]:
        rows = self._session.exec(self._select().order_by(col(RelationshipRow.name_key)))
        return [relationship_entity(row) for row in rows]

    def partnered_with(self, partner: str) -> list[Relationship]:
        """The joint relationships run here with `partner`'s organisation, active or not, by name."""
        query = self._select().where(RelationshipRow.partner_team_id == partner).order_by(col(RelationshipRow.name_key))
        return [relationship_entity(row) for row in self._session.exec(query)]

    def led_by(self, user_id: str) -> list[Relationship]:
        leads = (RelationshipRow.owner_id == user_id) | (RelationshipRow.sponsor_id == user_id)
        rows = self._session.exec(self._select().where(leads).order_by(col(RelationshipRow.name_key)))
        return [relationship_entity(row) for row in rows]

    def by_ids(self, relationship_ids: Sequence[int]) -> list[Relationship]:
        ids = list(relationship_ids)
        chunks = (ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK))
        return [r for chunk in chunks for r in self._plain(TABLE.c.id.in_(chunk))]

    def reviews_due(self, today: date) -> list[DueReview]:
        return reviews_due(self._session, (self._team_id,), today)

    def exit_reviews_due(self, today: date) -> list[DueReview]:
        return exit_reviews_due(self._session, (self._team_id,), today)

    def _plain(self, *conditions: Any) -> list[Relationship]:
        return PLAIN.read(self._session, PLAIN.select().where(TABLE.c.team_id == self._team_id, *conditions))

    def cards_before(self, layout: int, limit: int) -> list[Relationship]:
        query = self._select().where(
            col(RelationshipRow.card_ts).is_not(None),
            RelationshipRow.card_layout < layout,
            RelationshipRow.status == RelationshipStatus.ACTIVE.value,
        )
        return [
            relationship_entity(row) for row in self._session.exec(query.order_by(col(RelationshipRow.id)).limit(limit))
        ]

    def card_drawn(self, relationship_id: int, layout: int) -> None:
        self._session.exec(
            update(RelationshipRow)
            .where(col(RelationshipRow.team_id) == self._team_id, col(RelationshipRow.id) == relationship_id)
            .values(card_layout=layout)
        )

    def _select(self) -> SelectOfScalar[RelationshipRow]:
        return select(RelationshipRow).where(RelationshipRow.team_id == self._team_id)

    def _register_workspace(self, now: datetime) -> None:
        if self._session.get(WorkspaceRow, self._team_id) is not None:
            return
        try:
            with self._session.begin_nested():
                self._session.add(WorkspaceRow(team_id=self._team_id, created_at=now))
        except IntegrityError:
            pass  # registered by a concurrent first relationship

    def _values(self, relationship: Relationship) -> dict[str, Any]:
        if relationship.team_id != self._team_id:
            raise ValueError("a relationship can only be written by its own workspace's repository")
        return {**row_values(relationship, skip=("id", "team_id")), "name_key": name_key(relationship.name)}


def reviews_due(session: Session, team_ids: Sequence[str], today: date) -> list[DueReview]:
    """Active relationships of these workspaces whose review is due by `today`."""
    return _due(session, team_ids, TABLE.c.next_review_due, today)


def exit_reviews_due(session: Session, team_ids: Sequence[str], today: date) -> list[DueReview]:
    """Active relationships of these workspaces whose exit strategy review is due by `today`."""
    return _due(session, team_ids, TABLE.c.next_exit_review_due, today)


def _due(session: Session, team_ids: Sequence[str], column: Any, today: date) -> list[DueReview]:
    """Only what the reminder rules read, past the ORM: a sweep meets hundreds of thousands."""
    t = TABLE.c
    partner_sponsor = case((t.partner_team_id.is_not(None), t.partner_sponsor_id), else_=null())
    query = sa_select(t.id, t.team_id, t.name, t.owner_id, t.sponsor_id, column, partner_sponsor).where(
        t.team_id.in_(list(team_ids)), t.status == RelationshipStatus.ACTIVE.value, column <= today
    )
    return [DueReview(*row) for row in session.connection().execute(query)]


def relationship_entity(row: RelationshipRow) -> Relationship:
    return entity_from_row(Relationship, row, status=RelationshipStatus(row.status))
