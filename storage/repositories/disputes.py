"""Disputes, with optimistic versions so two people (or two scheduler processes) cannot both move one."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import assert_never

from sqlalchemy import ScalarSelect, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from stages.catalogue import Cadences
from stages.disputes import (
    TOP_TIER,
    Dispute,
    DisputeEvent,
    DisputeEventKind,
    DisputeStatus,
    OwnerRole,
    Tier,
    owner_role,
)
from stages.relationships import Relationship, Side
from storage.mapping import CHUNK, PlainReader, entity_from_row, insert_many, row_values, table
from storage.repositories import relationships
from storage.tables import DisputeEventRow, DisputeRow

_DISPUTES = table(DisputeRow)
_PLAIN = PlainReader(Dispute, _DISPUTES, status=DisputeStatus)


class SqlDisputeRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, dispute: Dispute) -> Dispute:
        values = row_values(dispute, skip=("id", "team_id", "version"))
        row = DisputeRow(team_id=self._team_id, version=1, **values)
        self._session.add(row)
        self._session.flush()
        return _dispute(row)

    def get(self, dispute_id: int) -> Dispute | None:
        row = self._session.exec(self._select().where(DisputeRow.id == dispute_id)).first()
        return _dispute(row) if row else None

    def save(self, dispute: Dispute) -> Dispute | None:
        values = row_values(dispute, skip=("id", "team_id", "version"))
        saved = self._session.exec(
            update(DisputeRow)
            .where(
                col(DisputeRow.team_id) == self._team_id,
                col(DisputeRow.id) == dispute.id,
                col(DisputeRow.version) == dispute.version,
            )
            .values(version=dispute.version + 1, **values)
        )
        self._session.expire_all()
        return self.get(dispute.id or 0) if saved.rowcount == 1 else None

    def record(self, event: DisputeEvent) -> DisputeEvent:
        row = DisputeEventRow(team_id=self._team_id, **row_values(event, skip=("id", "team_id")))
        self._session.add(row)
        self._session.flush()
        return _event(row)

    def events(self, dispute_id: int) -> list[DisputeEvent]:
        query = (
            select(DisputeEventRow)
            .where(DisputeEventRow.team_id == self._team_id, DisputeEventRow.dispute_id == dispute_id)
            .order_by(col(DisputeEventRow.id))
        )
        return [_event(row) for row in self._session.exec(query)]

    def open(self, relationship_id: int | None = None) -> list[Dispute]:
        query = self._select().where(DisputeRow.status == DisputeStatus.OPEN.value)
        if relationship_id is not None:
            query = query.where(DisputeRow.relationship_id == relationship_id)
        return [_dispute(row) for row in self._session.exec(query.order_by(col(DisputeRow.raised_at)))]

    def for_relationship(self, relationship_id: int) -> list[Dispute]:
        query = self._select().where(DisputeRow.relationship_id == relationship_id).order_by(col(DisputeRow.raised_at))
        return [_dispute(row) for row in self._session.exec(query)]

    def involving(self, user_id: str, relationship_ids: Sequence[int]) -> list[Dispute]:
        theirs = or_(col(DisputeRow.owner_id) == user_id, col(DisputeRow.relationship_id).in_(list(relationship_ids)))
        query = self._select().where(DisputeRow.status == DisputeStatus.OPEN.value, theirs)
        return [_dispute(row) for row in self._session.exec(query.order_by(col(DisputeRow.raised_at)))]

    def past_limit(self, now: datetime, cadences: Cadences) -> list[tuple[Dispute, Relationship]]:
        return past_limit(self._session, (self._team_id,), now, cadences)

    def _select(self) -> SelectOfScalar[DisputeRow]:
        return select(DisputeRow).where(DisputeRow.team_id == self._team_id)


def move_up(
    session: Session, team_ids: Sequence[str], dispute_ids: Sequence[int], from_tier: int, now: datetime
) -> list[Dispute]:
    """Move these open disputes of these workspaces one tier up, each to the owner of that tier in its
    relationship; those moved (one already moved or closed by someone else is left alone)."""
    moved: list[Dispute] = []
    new_owner = _owner_at(Tier(from_tier + 1))
    for start in range(0, len(dispute_ids), CHUNK):
        rows = session.execute(
            update(_DISPUTES)
            .where(
                _DISPUTES.c.team_id.in_(list(team_ids)),
                _DISPUTES.c.status == DisputeStatus.OPEN.value,
                _DISPUTES.c.tier == from_tier,
                _DISPUTES.c.id.in_(list(dispute_ids[start : start + CHUNK])),
            )
            .values(tier=from_tier + 1, tier_since=now, owner_id=new_owner, version=_DISPUTES.c.version + 1)
            .returning(*_PLAIN.columns)
        )
        moved += [_PLAIN.entity(row) for row in rows]
    return moved


def past_limit(
    session: Session, team_ids: Sequence[str], now: datetime, cadences: Cadences
) -> list[tuple[Dispute, Relationship]]:
    """Open disputes of these workspaces past their tier's limit, with their relationships. Uses the open-dispute
    index: one range per tier, on when the dispute reached that tier."""
    overdue = [
        (_DISPUTES.c.tier == tier) & (_DISPUTES.c.tier_since <= now - timedelta(days=days))
        for tier in range(1, TOP_TIER)
        if (days := cadences.tier_days(tier)) is not None
    ]
    if not overdue:
        return []
    query = (
        sa_select(*_PLAIN.columns, *relationships.PLAIN.columns)
        .join_from(_DISPUTES, relationships.TABLE, relationships.TABLE.c.id == _DISPUTES.c.relationship_id)
        .where(_DISPUTES.c.team_id.in_(list(team_ids)), _DISPUTES.c.status == DisputeStatus.OPEN.value, or_(*overdue))
    )
    split = len(_PLAIN.columns)
    rows = session.connection().execute(query)
    return [(_PLAIN.entity(row[:split]), relationships.PLAIN.entity(row[split:])) for row in rows]


def record_events(session: Session, events: Sequence[DisputeEvent]) -> None:
    """Each event in its own workspace."""
    insert_many(
        session,
        table(DisputeEventRow),
        [row_values(e) for e in events],
    )


def _owner_at(tier: Tier) -> ScalarSelect[str]:
    """The owner a dispute has at `tier`, read from its relationship in the same statement."""
    match owner_role(tier):
        case OwnerRole.RELATIONSHIP_OWNER:
            column = relationships.TABLE.c.owner_id
        case OwnerRole.EXECUTIVE_SPONSOR:
            column = relationships.TABLE.c.sponsor_id
        case unknown:
            assert_never(unknown)
    return sa_select(column).where(relationships.TABLE.c.id == _DISPUTES.c.relationship_id).scalar_subquery()


def _dispute(row: DisputeRow) -> Dispute:
    return entity_from_row(Dispute, row, status=DisputeStatus(row.status))


def _event(row: DisputeEventRow) -> DisputeEvent:
    return entity_from_row(DisputeEvent, row, kind=DisputeEventKind(row.kind), actor_side=Side(row.actor_side))
