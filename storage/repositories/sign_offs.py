"""Stage sign-offs, their reopening, and the signatures of each side on a joint gate."""

from sqlmodel import Session, col, select

from stages.checkins import GateSignature, SignOff
from stages.relationships import Side
from storage.mapping import entity_from_row, inserted, row_values
from storage.tables import GateSignatureRow, SignOffRow


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


class SqlGateSignatureRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, signature: GateSignature) -> bool:
        """Keep a side's signature; False if that side signed this round of the gate already (a double click)."""
        return inserted(
            self._session, GateSignatureRow(team_id=self._team_id, **row_values(signature, skip=("id", "team_id")))
        )

    def of_round(self, relationship_id: int, stage: int, round: int) -> list[GateSignature]:
        query = (
            select(GateSignatureRow)
            .where(
                GateSignatureRow.team_id == self._team_id,
                GateSignatureRow.relationship_id == relationship_id,
                GateSignatureRow.stage == stage,
                GateSignatureRow.round == round,
            )
            .order_by(col(GateSignatureRow.id))
        )
        return [entity_from_row(GateSignature, row, side=Side(row.side)) for row in self._session.exec(query)]
