"""The risk registers of a workspace's relationships."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from stages.nudges import DueRiskReview
from stages.relationships import RelationshipStatus, Side
from stages.risks import Risk, RiskCategory
from storage.mapping import entity_from_row, inserted, row_values, table
from storage.tables import RelationshipRow, RiskRow


class SqlRiskRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, risk: Risk, form_key: str) -> Risk | None:
        """The risk stored; None if the form `form_key` added one already (the same form sent again)."""
        row = RiskRow(team_id=self._team_id, form_key=form_key, **row_values(risk, skip=("id", "team_id")))
        return _risk(row) if inserted(self._session, row) else None

    def get(self, risk_id: int) -> Risk | None:
        row = self._session.exec(select(RiskRow).where(RiskRow.team_id == self._team_id, RiskRow.id == risk_id)).first()
        return _risk(row) if row else None

    def of(self, relationship_id: int, *, closed: bool = False) -> list[Risk]:
        """The relationship's open risks (and, with `closed`, its closed ones too), oldest first."""
        query = select(RiskRow).where(RiskRow.team_id == self._team_id, RiskRow.relationship_id == relationship_id)
        if not closed:
            query = query.where(col(RiskRow.closed_at).is_(None))
        return [_risk(row) for row in self._session.exec(query.order_by(col(RiskRow.id)))]

    def review(self, risk: Risk, seen: date) -> bool:
        """Store the risk's new score and review date if its review date is still `seen`; False if someone reviewed
        it since (the same form sent again) or it closed."""
        scored = {"likelihood": risk.likelihood, "impact": risk.impact, "next_review": risk.next_review}
        return self._change(risk, scored, col(RiskRow.next_review) == seen)

    def owned_by(self, user_id: str) -> list[Risk]:
        """The open risks the person owns."""
        query = select(RiskRow).where(
            RiskRow.team_id == self._team_id, RiskRow.owner_id == user_id, col(RiskRow.closed_at).is_(None)
        )
        return [_risk(row) for row in self._session.exec(query.order_by(col(RiskRow.next_review)))]

    def reviews_due(self, today: date) -> list[DueRiskReview]:
        return reviews_due(self._session, (self._team_id,), today)

    def save(self, risk: Risk) -> bool:
        """Store an open risk's edited words, category and owner; False if it closed meanwhile."""
        words = {"title": risk.title, "description": risk.description, "category": risk.category.value}
        people = {"breakdown_effect": risk.breakdown_effect, "owner_id": risk.owner_id, "mitigation": risk.mitigation}
        return self._change(risk, words | people)

    def close(self, risk: Risk) -> bool:
        """Store that the risk closed; False if it was closed already (a second press, another person)."""
        return self._change(risk, {"closed_at": risk.closed_at, "closed_by": risk.closed_by, "outcome": risk.outcome})

    def _change(self, risk: Risk, values: dict[str, Any], *also: ColumnElement[bool]) -> bool:
        """Write `values` to the risk's row while it is open (and `also` holds); False when it is not."""
        query = select(RiskRow).where(
            RiskRow.team_id == self._team_id, RiskRow.id == risk.id, col(RiskRow.closed_at).is_(None), *also
        )
        row = self._session.exec(query).first()
        if row is None:
            return False
        row.sqlmodel_update(values)
        self._session.add(row)
        self._session.flush()
        return True


def reviews_due(session: Session, team_ids: Sequence[str], today: date) -> list[DueRiskReview]:
    """Open risks of these workspaces' active relationships whose review date has passed: only what the reminder
    rules read, past the ORM."""
    risk, relationship = table(RiskRow).c, table(RelationshipRow).c
    query = (
        sa_select(
            risk.id, risk.relationship_id, risk.team_id, relationship.name, risk.title, risk.owner_id, risk.next_review
        )
        .join(table(RelationshipRow), relationship.id == risk.relationship_id)
        .where(
            risk.team_id.in_(list(team_ids)),
            risk.closed_at.is_(None),
            risk.next_review < today,
            relationship.team_id == risk.team_id,
            relationship.status == RelationshipStatus.ACTIVE.value,
        )
    )
    return [DueRiskReview(*row) for row in session.connection().execute(query)]


def _risk(row: RiskRow) -> Risk:
    return entity_from_row(Risk, row, category=RiskCategory(row.category), side=Side(row.side))
