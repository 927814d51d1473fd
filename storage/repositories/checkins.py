"""Check-ins and the thread message of each of their items."""

from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import Session, col, delete, select
from sqlmodel.sql.expression import SelectOfScalar

from stages.checkins import Checkin, CheckinStatus
from storage.mapping import entity_from_row, inserted, row_values
from storage.tables import CheckinMessageRow, CheckinRow


class SqlCheckinRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def claim(self, checkin: Checkin) -> Checkin | None:
        row = CheckinRow(**row_values(checkin, skip=("id", "item_messages")))
        row.team_id = self._team_id
        if not inserted(self._session, row):
            return None  # the relationship's stage already has a check-in
        return self._entity(row)

    def update(self, checkin: Checkin) -> Checkin:
        row = self._session.exec(self._select().where(CheckinRow.id == checkin.id)).one()
        row.sqlmodel_update(row_values(checkin, skip=("id", "team_id", "item_messages")))
        self._session.exec(delete(CheckinMessageRow).where(col(CheckinMessageRow.checkin_id) == row.id))
        for item_id, ts in checkin.item_messages.items():
            self._session.add(CheckinMessageRow(checkin_id=row.id or 0, item_id=item_id, ts=ts))
        self._session.flush()
        return self._entity(row)

    def delete(self, checkin: Checkin) -> None:
        row = self._session.exec(self._select().where(CheckinRow.id == checkin.id)).first()
        if row is not None:
            self._session.delete(row)
            self._session.flush()

    def get(self, checkin_id: int) -> Checkin | None:
        row = self._session.exec(self._select().where(CheckinRow.id == checkin_id)).first()
        return self._entity(row) if row else None

    def for_stage(self, relationship_id: int, stage: int) -> Checkin | None:
        query = self._select().where(CheckinRow.relationship_id == relationship_id, CheckinRow.stage == stage)
        row = self._session.exec(query).first()
        return self._entity(row) if row else None

    def by_thread(self, channel_id: str, thread_ts: str) -> Checkin | None:
        query = self._select().where(CheckinRow.channel_id == channel_id, CheckinRow.thread_ts == thread_ts)
        row = self._session.exec(query).first()
        return self._entity(row) if row else None

    def in_channel(self, channel_id: str) -> list[Checkin]:
        query = self._select().where(CheckinRow.channel_id == channel_id).order_by(col(CheckinRow.id))
        return [self._entity(row) for row in self._session.exec(query)]

    def repost(self, checkin: Checkin) -> bool:
        """Take a withdrawn check-in back for posting; False if someone else took it first."""
        taken = self._session.exec(
            update(CheckinRow)
            .where(
                col(CheckinRow.team_id) == self._team_id,
                col(CheckinRow.id) == checkin.id,
                col(CheckinRow.withdrawn_at).is_not(None),
            )
            .values(withdrawn_at=None)
        )
        self._session.expire_all()
        return bool(taken.rowcount == 1)

    def for_relationships(self, relationship_ids: Sequence[int]) -> list[Checkin]:
        query = self._select().where(col(CheckinRow.relationship_id).in_(relationship_ids))
        return [self._entity(row) for row in self._session.exec(query)]

    def _select(self) -> SelectOfScalar[CheckinRow]:
        return select(CheckinRow).where(CheckinRow.team_id == self._team_id)

    def _entity(self, row: CheckinRow) -> Checkin:
        messages = self._session.exec(select(CheckinMessageRow).where(CheckinMessageRow.checkin_id == row.id))
        return entity_from_row(
            Checkin, row, status=CheckinStatus(row.status), item_messages={m.item_id: m.ts for m in messages}
        )
