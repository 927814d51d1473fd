"""Reviews and exit strategy versions: both append-only records of the relationship's governance (a version's one
later change is the partner's agreement to it)."""

from sqlalchemy import update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from stages.exits import ExitStrategy
from stages.reviews import Review
from storage.mapping import entity_from_row, row_values
from storage.tables import ExitStrategyRow, ReviewRow


class SqlReviewRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, review: Review) -> Review:
        row = ReviewRow(team_id=self._team_id, **row_values(review, skip=("id", "team_id")))
        self._session.add(row)
        self._session.flush()
        return entity_from_row(Review, row)

    def recent(self, relationship_id: int, limit: int) -> list[Review]:
        query = (
            select(ReviewRow)
            .where(ReviewRow.team_id == self._team_id, ReviewRow.relationship_id == relationship_id)
            .order_by(col(ReviewRow.reviewed_at).desc(), col(ReviewRow.id).desc())
            .limit(limit)
        )
        return [entity_from_row(Review, row) for row in self._session.exec(query)]

    def get(self, review_id: int) -> Review | None:
        query = select(ReviewRow).where(ReviewRow.team_id == self._team_id, ReviewRow.id == review_id)
        row = self._session.exec(query).first()
        return entity_from_row(Review, row) if row else None


class SqlExitStrategyRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, strategy: ExitStrategy) -> ExitStrategy:
        values = row_values(strategy, skip=("id", "team_id")) | {"reviewed_with": " ".join(strategy.reviewed_with)}
        row = ExitStrategyRow(team_id=self._team_id, **values)
        self._session.add(row)
        self._session.flush()
        return _strategy(row)

    def agree(self, strategy: ExitStrategy) -> bool:
        """Record the partner's agreement, if no one recorded it first."""
        agreed = self._session.exec(
            update(ExitStrategyRow)
            .where(
                col(ExitStrategyRow.team_id) == self._team_id,
                col(ExitStrategyRow.id) == strategy.id,
                col(ExitStrategyRow.partner_agreed_by).is_(None),
            )
            .values(partner_agreed_by=strategy.partner_agreed_by, partner_agreed_at=strategy.partner_agreed_at)
        )
        self._session.expire_all()
        return bool(agreed.rowcount == 1)

    def latest(self, relationship_id: int) -> ExitStrategy | None:
        row = self._session.exec(self._versions(relationship_id)).first()
        return _strategy(row) if row else None

    def all(self, relationship_id: int) -> list[ExitStrategy]:
        return [_strategy(row) for row in self._session.exec(self._versions(relationship_id))]

    def _versions(self, relationship_id: int) -> SelectOfScalar[ExitStrategyRow]:
        return (
            select(ExitStrategyRow)
            .where(ExitStrategyRow.team_id == self._team_id, ExitStrategyRow.relationship_id == relationship_id)
            .order_by(col(ExitStrategyRow.version).desc())
        )


def _strategy(row: ExitStrategyRow) -> ExitStrategy:
    return entity_from_row(ExitStrategy, row, reviewed_with=tuple(row.reviewed_with.split()))
