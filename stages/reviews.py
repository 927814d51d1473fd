"""Relationship reviews: "DO monitor the relationship over time". Each review rates the relationship's health,
records decisions, and sets when the next one is due. In a joint relationship the partner's people add their own
view of a review the home side shared, so that the review hears both organisations."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from stages.errors import InvalidInput, Problem
from stages.naming import checked_text

# The areas a review rates, 1 (poor) to 5 (excellent), with how they are shown.
RATING_AREAS = {
    "delivery": "Delivery",
    "trust": "Trust and behaviours",
    "value": "Value",
    "governance": "Governance",
}
RATING_MIN, RATING_MAX = 1, 5
TEXT_MAX = 3000
FURTHEST_NEXT_REVIEW = timedelta(days=730)


class Rated:
    """The four ratings of a review or of the partner's view of it, and their mean."""

    summary: str
    delivery: int
    trust: int
    value: int
    governance: int

    @property
    def ratings(self) -> dict[str, int]:
        return {area: getattr(self, area) for area in RATING_AREAS}

    @property
    def health(self) -> float:
        """The mean rating, for a one-glance view of how the relationship is doing."""
        return sum(self.ratings.values()) / len(RATING_AREAS)


@dataclass(frozen=True)
class Review(Rated):
    team_id: str
    relationship_id: int
    reviewed_by: str
    reviewed_at: datetime
    summary: str
    delivery: int
    trust: int
    value: int
    governance: int
    next_review_due: date
    decisions: str | None = None
    # Kept to the home organisation: never posted in a channel the partner reads (a joint relationship's).
    internal: bool = False
    id: int | None = None


class ViewStored(Enum):
    """What storing a partner's view of a review did: the person's first view of it, a change to theirs, or
    nothing (the same view sent again, or twice at once)."""

    NEW = "new"
    CHANGED = "changed"
    SAME = "same"


@dataclass(frozen=True)
class ReviewView(Rated):
    """One of the partner's people's view of a review the home side shared: their own ratings and words. Each
    person gives one view of a review, and may change it until the next review is recorded."""

    team_id: str
    relationship_id: int
    review_id: int
    given_by: str
    given_at: datetime
    summary: str
    delivery: int
    trust: int
    value: int
    governance: int
    id: int | None = None

    def same_as(self, other: "ReviewView") -> bool:
        """Whether it says what `other` says (a form sent again changes nothing)."""
        return (self.summary, self.ratings) == (other.summary, other.ratings)


def review(
    team_id: str,
    relationship_id: int,
    *,
    by: str,
    at: datetime,
    summary: str | None,
    ratings: dict[str, str | int | None],
    decisions: str | None,
    next_review_due: date | str | None,
    internal: bool = False,
) -> Review:
    """A review from what was typed, or `InvalidInput` naming each field that is wrong."""
    problems: list[Problem] = []
    text = checked_text("summary", summary, problems, limit=TEXT_MAX, missing="summary_missing")
    scores = {area: _rating(area, ratings.get(area), problems) for area in RATING_AREAS}
    decided = checked_text("decisions", decisions, problems, limit=TEXT_MAX)
    due = _next_date(next_review_due, at.date(), problems)
    if problems:
        raise InvalidInput(problems)
    return Review(
        team_id,
        relationship_id,
        by,
        at,
        text,
        next_review_due=due,
        decisions=decided or None,
        internal=internal,
        **scores,
    )


def review_view(
    team_id: str,
    relationship_id: int,
    review_id: int,
    *,
    by: str,
    at: datetime,
    summary: str | None,
    ratings: dict[str, str | int | None],
) -> ReviewView:
    """The partner's view from what was typed, or `InvalidInput` naming each field that is wrong."""
    problems: list[Problem] = []
    text = checked_text("summary", summary, problems, limit=TEXT_MAX, missing="summary_missing")
    scores = {area: _rating(area, ratings.get(area), problems) for area in RATING_AREAS}
    if problems:
        raise InvalidInput(problems)
    return ReviewView(team_id, relationship_id, review_id, by, at, text, **scores)


def _rating(area: str, raw: str | int | None, problems: list[Problem]) -> int:
    try:
        value = int(str(raw))
    except ValueError:
        problems.append(Problem(area, "rating_missing"))
        return 0
    if not RATING_MIN <= value <= RATING_MAX:
        problems.append(Problem(area, "rating_missing"))
        return 0
    return value


def _next_date(raw: date | str | None, today: date, problems: list[Problem]) -> date:
    if raw is None or not str(raw).strip():
        problems.append(Problem("next_review", "date_missing"))
        return today
    try:
        due = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
    except ValueError:  # no such day (30 February) or not a date at all
        problems.append(Problem("next_review", "date_invalid", {"value": str(raw)}))
        return today
    if due <= today:
        problems.append(Problem("next_review", "date_not_future"))
    elif due > today + FURTHEST_NEXT_REVIEW:
        problems.append(Problem("next_review", "date_too_far", {"days": FURTHEST_NEXT_REVIEW.days}))
    return due
