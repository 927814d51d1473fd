"""Stage sign-offs, and their reopening."""

from sqlmodel import Session, col, select

from stages.checkins import SignOff
from storage.mapping import entity_from_row, row_values
from storage.tables import SignOffRow


class SqlSignOffRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, sign_off: SignOff) -> SignOff:
        row = SignOffRow(team_id=self._team_id, **row_values(sign_off, skip=("id", "team_id")))
        self._session.add(row)
        self._session.flush()
        return entity_from_row(SignOff, row)

    def update(self, sign_off: SignOff) -> SignOff:
        row = self._session.exec(
            select(SignOffRow).where(SignOffRow.team_id == self._team_id, SignOffRow.id == sign_off.id)
        ).one()
        row.sqlmodel_update(row_values(sign_off, skip=("id", "team_id")))
        self._session.flush()
        return entity_from_row(SignOff, row)

    def for_relationship(self, relationship_id: int) -> list[SignOff]:
        query = (
            select(SignOffRow)
            .where(SignOffRow.team_id == self._team_id, SignOffRow.relationship_id == relationship_id)
            .order_by(col(SignOffRow.id))
        )
        return [entity_from_row(SignOff, row) for row in self._session.exec(query)]

    def active(self, relationship_id: int, stage: int) -> SignOff | None:
        query = (
            select(SignOffRow)
            .where(
                SignOffRow.team_id == self._team_id,
                SignOffRow.relationship_id == relationship_id,
                SignOffRow.stage == stage,
                col(SignOffRow.reopened_at).is_(None),
            )
            .order_by(col(SignOffRow.id).desc())
        )
        row = self._session.exec(query).first()
        return entity_from_row(SignOff, row) if row else None
