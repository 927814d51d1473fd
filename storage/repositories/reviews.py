"""Reviews and exit strategy versions: both append-only records of the relationship's governance (a version's one
later change is the partner's agreement to it)."""

from sqlalchemy import update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from stages.exits import ExitStrategy
from stages.reviews import Review, ReviewView, ViewStored
from storage.mapping import entity_from_row, inserted, row_values
from storage.tables import ExitStrategyRow, ReviewRow, ReviewViewRow


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
        row = self._session.get(ReviewRow, review_id)
        return entity_from_row(Review, row) if row is not None and row.team_id == self._team_id else None

    def give_view(self, view: ReviewView) -> tuple[ReviewView, ViewStored]:
        """The person's view of the review, stored in place of the one they gave before (the same view sent again,
        or twice at once, changes nothing)."""
        mine = self._mine(view.review_id, view.given_by)
        row = self._session.exec(mine).first()
        if row is None:
            row = ReviewViewRow(team_id=self._team_id, **row_values(view, skip=("id", "team_id")))
            if inserted(self._session, row):
                return entity_from_row(ReviewView, row), ViewStored.NEW
            row = self._session.exec(mine).one()
        if entity_from_row(ReviewView, row).same_as(view):
            return entity_from_row(ReviewView, row), ViewStored.SAME
        for name in ("given_at", "summary", *view.ratings):
            setattr(row, name, getattr(view, name))
        self._session.flush()
        return entity_from_row(ReviewView, row), ViewStored.CHANGED

    def view_of(self, review_id: int, given_by: str) -> ReviewView | None:
        row = self._session.exec(self._mine(review_id, given_by)).first()
        return entity_from_row(ReviewView, row) if row is not None else None

    def _mine(self, review_id: int, given_by: str) -> SelectOfScalar[ReviewViewRow]:
        return self._views().where(ReviewViewRow.review_id == review_id, ReviewViewRow.given_by == given_by)

    def views(self, relationship_id: int) -> list[ReviewView]:
        """The partner's views of the relationship's reviews, in the order they were first given."""
        query = self._views().where(ReviewViewRow.relationship_id == relationship_id).order_by(col(ReviewViewRow.id))
        return [entity_from_row(ReviewView, row) for row in self._session.exec(query)]

    def _views(self) -> SelectOfScalar[ReviewViewRow]:
        return select(ReviewViewRow).where(ReviewViewRow.team_id == self._team_id)


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
