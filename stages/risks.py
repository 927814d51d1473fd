"""The joint risk register: what could go wrong in the relationship, how likely and how bad, who watches it and
what is done about it. BS 11000 asks each relationship to consider what effect a breakdown would have; the
register keeps that answer live, reviewed on a date, instead of a line in a plan.

Rules only: what a risk holds, its score, who may see it, and when its review is overdue.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from stages.errors import InvalidInput, Problem
from stages.naming import checked_text, hidden_characters, normal
from stages.relationships import Side

TITLE_MAX = 150
TEXT_MAX = 2000
SCALE = range(1, 6)  # likelihood and impact, 1 (rare, minor) to 5 (almost certain, severe)


class RiskCategory(StrEnum):
    STRATEGIC = "strategic"
    OPERATIONAL = "operational"
    FINANCIAL = "financial"
    RELATIONSHIP = "relationship"  # relationship and behaviour
    BREAKDOWN = "breakdown"  # breakdown and exit


CATEGORY_WORDS = {
    RiskCategory.STRATEGIC.value: "Strategic",
    RiskCategory.OPERATIONAL.value: "Operational",
    RiskCategory.FINANCIAL.value: "Financial",
    RiskCategory.RELATIONSHIP.value: "Relationship and behaviour",
    RiskCategory.BREAKDOWN.value: "Breakdown and exit",
}  # what the plan and the evidence pack call each category


@dataclass(frozen=True)
class RiskDraft:
    """A risk as typed in its form, checked."""

    title: str
    description: str
    category: RiskCategory
    breakdown_effect: str
    likelihood: int
    impact: int
    owner_id: str
    mitigation: str
    next_review: date
    internal: bool


@dataclass(frozen=True)
class Risk:
    team_id: str
    relationship_id: int
    title: str
    description: str
    category: RiskCategory
    breakdown_effect: str
    likelihood: int
    impact: int
    owner_id: str
    mitigation: str
    next_review: date
    internal: bool  # seen only by the side that recorded it
    side: Side  # the organisation that recorded it
    raised_by: str
    raised_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None
    outcome: str | None = None
    id: int | None = None

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def open(self) -> bool:
        return self.closed_at is None

    def seen_by(self, side: Side) -> bool:
        """An internal risk is its own organisation's business: the other side never sees it."""
        return not self.internal or side is self.side

    def review_overdue(self, today: date) -> bool:
        """The review date has passed without a review (the review is due on its day, overdue the day after)."""
        return self.open and self.next_review < today

    def edited(self, change: "RiskEdit") -> "Risk":
        return replace(
            self,
            title=change.title,
            description=change.description,
            category=change.category,
            breakdown_effect=change.breakdown_effect,
            owner_id=change.owner_id,
            mitigation=change.mitigation,
        )

    def reviewed(self, review: "RiskReview") -> "Risk":
        return replace(self, likelihood=review.likelihood, impact=review.impact, next_review=review.next_review)

    def closed(self, now: datetime, by: str, outcome: str) -> "Risk":
        return replace(self, closed_at=now, closed_by=by, outcome=outcome)


@dataclass(frozen=True)
class RiskSummary:
    """How many open risks one side sees, and of those how many wait for their review."""

    open: int
    overdue: int


def summary(risks: Sequence[Risk], side: Side, today: date) -> RiskSummary:
    seen = [r for r in risks if r.open and r.seen_by(side)]
    return RiskSummary(len(seen), sum(r.review_overdue(today) for r in seen))


def level(score: int) -> str:
    """The band a score falls in, as the heat map colours it."""
    if score >= 15:
        return "high"
    if score >= 8:
        return "medium"
    return "low"


def ranked(risks: Sequence[Risk]) -> list[Risk]:
    """Open risks, the highest score first, then the soonest review."""
    return sorted((r for r in risks if r.open), key=lambda r: (-r.score, r.next_review, r.id or 0))


def heat_map(risks: Sequence[Risk]) -> list[list[int]]:
    """How many open risks sit in each cell: rows by impact 5 down to 1, columns by likelihood 1 to 5."""
    cells = [[0] * len(SCALE) for _ in SCALE]
    for risk in risks:
        if risk.open:
            cells[len(SCALE) - risk.impact][risk.likelihood - 1] += 1
    return cells


def category_of(raw: str | None, problems: list[Problem]) -> RiskCategory:
    try:
        return RiskCategory(raw or "")
    except ValueError:
        problems.append(Problem("category", "risk_category_missing"))
        return RiskCategory.OPERATIONAL


def rating(field: str, raw: str | None, problems: list[Problem]) -> int:
    """A likelihood or impact from 1 to 5."""
    text = (raw or "").strip()
    if text.isdigit() and text.isascii() and int(text) in SCALE:
        return int(text)
    problems.append(Problem(field, "risk_rating_missing"))
    return 1


def review_day(raw: str | None, today: date, problems: list[Problem]) -> date:
    """The next review date: a calendar date, today or later (a review already missed is no plan)."""
    if raw is None or not raw.strip():
        problems.append(Problem("next_review", "risk_review_missing"))
        return today
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        problems.append(Problem("next_review", "date_invalid", {"value": raw}))
        return today
    if day < today:
        problems.append(Problem("next_review", "risk_review_past"))
    return day


def risk_draft(
    *,
    title: str | None,
    description: str | None,
    category: str | None,
    breakdown_effect: str | None,
    likelihood: str | None,
    impact: str | None,
    owner_id: str | None,
    mitigation: str | None,
    next_review: str | None,
    internal: bool,
    today: date,
) -> RiskDraft:
    """The form's answers as a risk, or `InvalidInput` naming each field that is wrong."""
    problems: list[Problem] = []
    name = " ".join(normal(title or "").split())
    if not name:
        problems.append(Problem("title", "risk_title_missing"))
    elif len(name) > TITLE_MAX:
        problems.append(Problem("title", "too_long", {"limit": TITLE_MAX, "length": len(name)}))
    else:
        problems += hidden_characters("title", name)
    draft = RiskDraft(
        title=name,
        description=checked_text("description", description, problems, limit=TEXT_MAX),
        category=category_of(category, problems),
        breakdown_effect=checked_text(
            "breakdown_effect", breakdown_effect, problems, limit=TEXT_MAX, missing="risk_effect_missing"
        ),
        likelihood=rating("likelihood", likelihood, problems),
        impact=rating("impact", impact, problems),
        owner_id=owner_id or "",
        mitigation=checked_text("mitigation", mitigation, problems, limit=TEXT_MAX),
        next_review=review_day(next_review, today, problems),
        internal=internal,
    )
    if not owner_id:
        problems.append(Problem("risk_owner", "risk_owner_missing"))
    if problems:
        raise InvalidInput(problems)
    return draft


@dataclass(frozen=True)
class RiskEdit:
    """What editing a risk changes: its words, its category and its owner (its score and review date change by a
    review)."""

    title: str
    description: str
    category: RiskCategory
    breakdown_effect: str
    owner_id: str
    mitigation: str


def risk_edit(
    *,
    title: str | None,
    description: str | None,
    category: str | None,
    breakdown_effect: str | None,
    owner_id: str | None,
    mitigation: str | None,
    today: date,
) -> RiskEdit:
    """The edit form's answers, checked as when the risk was added."""
    draft = risk_draft(
        title=title,
        description=description,
        category=category,
        breakdown_effect=breakdown_effect,
        likelihood="1",
        impact="1",
        owner_id=owner_id,
        mitigation=mitigation,
        next_review=today.isoformat(),
        internal=False,
        today=today,
    )
    return RiskEdit(
        draft.title, draft.description, draft.category, draft.breakdown_effect, draft.owner_id, draft.mitigation
    )


@dataclass(frozen=True)
class RiskReview:
    """A review of a risk as typed: what was found, the score now, and when to look again."""

    note: str
    likelihood: int
    impact: int
    next_review: date


def risk_review(
    *, note: str | None, likelihood: str | None, impact: str | None, next_review: str | None, today: date
) -> RiskReview:
    """The review form's answers, or `InvalidInput` naming each field that is wrong; the next review falls after
    today (a review that leaves the risk due at once has set no date)."""
    problems: list[Problem] = []
    review = RiskReview(
        checked_text("note", note, problems, limit=TEXT_MAX, missing="risk_note_missing"),
        rating("likelihood", likelihood, problems),
        rating("impact", impact, problems),
        review_day(next_review, today, problems),
    )
    if review.next_review <= today and not any(p.field == "next_review" for p in problems):
        problems.append(Problem("next_review", "date_not_future"))
    if problems:
        raise InvalidInput(problems)
    return review


def outcome_text(raw: str | None) -> str:
    """How a closed risk ended, required."""
    problems: list[Problem] = []
    text = checked_text("outcome", raw, problems, limit=TEXT_MAX, missing="risk_outcome_missing")
    if problems:
        raise InvalidInput(problems)
    return text


def risk_subject(risk_id: int) -> str:
    """How the audit trail names a risk."""
    return f"risk {risk_id}"
