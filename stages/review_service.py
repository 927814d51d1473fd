"""Use cases of reviews: recording one (by the owner or sponsor) moves the next review date on; in a joint
relationship the partner's people then give their view of the review the home side shared."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from stages.catalogue import Catalogue
from stages.errors import NotAllowed, Stale
from stages.homes import HomesToDraw, homes
from stages.ports import UnitOfWork
from stages.relationship_service import find_relationship
from stages.relationships import Relationship, Side, taking_part
from stages.reviews import Review, ReviewView, ViewStored, review, review_view
from stages.rmp import save_version


class Record(StrEnum):
    REVIEW = "review"
    EXIT_STRATEGY = "exit_strategy"


class AlreadyRecorded(Stale):
    """Since the form was opened, someone recorded what it would (another tab, a double click, the other
    leader): `by` and `at` say who and when. Nothing more is saved."""

    def __init__(self, record: Record, by: str, at: datetime) -> None:
        super().__init__(f"{record} already recorded by {by} at {at:%Y-%m-%d %H:%M}")
        self.record = record
        self.by = by
        self.at = at


@dataclass(frozen=True)
class Reviewed:
    """A review recorded: it is to be posted in the relationship's channel, and these Home tabs drawn again."""

    relationship: Relationship
    review: Review
    home_for: HomesToDraw


@dataclass(frozen=True)
class ViewForm:
    """What the partner's view form starts from: the review and the view the person gave of it already, if any."""

    relationship: Relationship
    review: Review
    mine: ReviewView | None


@dataclass(frozen=True)
class ViewGiven:
    """A partner's view stored: `first` of the person's on this review; `changed`: False when the same view was
    sent again."""

    relationship: Relationship
    review: Review
    view: ReviewView
    first: bool
    changed: bool


@dataclass(frozen=True)
class ReviewForm:
    """What the review form starts from: the relationship and its latest review, if any."""

    relationship: Relationship
    latest: Review | None


def leading(uow: UnitOfWork, relationship_id: int, user_id: str, action: str) -> Relationship:
    """The relationship, if the person is its owner or sponsor; `NotAllowed` (or `Stale`) otherwise."""
    with uow.reading():
        relationship = uow.relationships.get(relationship_id)
    if relationship is None:
        raise Stale(f"relationship {relationship_id}")
    if not relationship.is_leader(user_id):
        raise NotAllowed(action, relationship.owner_id, relationship.sponsor_id)
    return relationship


def leading_one(uow: UnitOfWork, which: int | str, user_id: str, action: str) -> Relationship:
    """The relationship with this id, or called this name (`RelationshipNotFound` if none is), if the person leads
    it; `NotAllowed` (or `Stale`) otherwise."""
    with uow.reading():
        relationship_id = (find_relationship(uow, which).id or 0) if isinstance(which, str) else which
        return leading(uow, relationship_id, user_id, action)


def review_form(uow: UnitOfWork, which: int | str, by: str) -> ReviewForm:
    """The review form of the relationship with this id or name, for its owner or sponsor."""
    with uow.reading():
        relationship = leading_one(uow, which, by, "review")
        latest = uow.reviews.recent(relationship.id or 0, 1)
    return ReviewForm(relationship, latest[0] if latest else None)


def record_review(
    uow: UnitOfWork,
    catalogue: Catalogue,
    relationship_id: int,
    *,
    by: str,
    now: datetime,
    summary: str | None,
    ratings: dict[str, str | int | None],
    decisions: str | None,
    next_review_due: date | str | None,
    seen_review_id: int | None,
    internal: bool = False,
) -> Reviewed:
    """Record a review from a form opened after review `seen_review_id` (None: before any); `AlreadyRecorded` if
    another has been recorded since. `internal`: the home organisation's own, kept from the partner (only a joint
    relationship's review can be; any other is never posted where another organisation reads)."""
    with uow:
        relationship = leading(uow, relationship_id, by, "review")
        checked = review(
            uow.team_id,
            relationship_id,
            by=by,
            at=now,
            summary=summary,
            ratings=ratings,
            decisions=decisions,
            next_review_due=next_review_due,
            internal=internal and relationship.is_joint,
        )
        latest = uow.reviews.recent(relationship_id, 1)
        if latest and latest[0].id != seen_review_id:
            raise AlreadyRecorded(Record.REVIEW, latest[0].reviewed_by, latest[0].reviewed_at)
        if not latest and seen_review_id is not None:
            raise Stale(f"review {seen_review_id} of relationship {relationship_id} is gone")
        saved = uow.reviews.add(checked)
        updated = uow.relationships.update(relationship.reviewed(now, checked.next_review_due))
        uow.audit.record(relationship_id, by, now, "review.recorded", f"review of {now:%Y-%m-%d}", after=saved)
        save_version(uow, catalogue, relationship_id, reason="review", by=by, now=now)
        leaders = homes(uow, now, by, updated.owner_id, updated.sponsor_id)
        uow.commit()
    return Reviewed(updated, saved, leaders)


def view_form(uow: UnitOfWork, review_id: int, *, by: str, organisation: str) -> ViewForm:
    """The form for the partner's view of a shared review, for one of the partner's people."""
    with uow.reading():
        relationship, shared = _viewed(uow, review_id, by, organisation)
        return ViewForm(relationship, shared, uow.reviews.view_of(review_id, by))


def give_view(
    uow: UnitOfWork,
    catalogue: Catalogue,
    review_id: int,
    *,
    by: str,
    organisation: str,
    now: datetime,
    summary: str | None,
    ratings: dict[str, str | int | None],
) -> ViewGiven:
    """Store the person's view of the review (in place of their earlier one), audited as the partner's doing."""
    with uow:
        relationship, shared = _viewed(uow, review_id, by, organisation)
        checked = review_view(
            uow.team_id, shared.relationship_id, review_id, by=by, at=now, summary=summary, ratings=ratings
        )
        saved, stored = uow.reviews.give_view(checked)
        changed = stored is not ViewStored.SAME
        if changed:
            subject = f"view of the review of {shared.reviewed_at:%Y-%m-%d}"
            uow.audit.record(
                shared.relationship_id, by, now, "review.partner_view", subject, after=saved, side=Side.PARTNER
            )
            save_version(uow, catalogue, shared.relationship_id, reason="partner's view of a review", by=by, now=now)
        uow.commit()
    return ViewGiven(relationship, shared, saved, stored is ViewStored.NEW, changed)


def _viewed(uow: UnitOfWork, review_id: int, by: str, organisation: str) -> tuple[Relationship, Review]:
    """The relationship and its latest review, shared with the partner, which the person (one of the partner's
    people) may give a view of; `Stale` if the review is gone or a newer one was recorded since."""
    shared = uow.reviews.get(review_id)
    relationship = uow.relationships.get(shared.relationship_id) if shared else None
    if shared is None or relationship is None or shared.internal or not relationship.is_joint:
        raise Stale(f"review {review_id}")
    if taking_part(relationship, organisation) is not Side.PARTNER:
        r = relationship
        raise NotAllowed("review_view", r.owner_id, r.sponsor_id)
    latest = uow.reviews.recent(shared.relationship_id, 1)
    if latest[0].id != review_id:
        raise Stale(f"review {review_id} of relationship {shared.relationship_id} is not the latest")
    return relationship, shared


def recent(uow: UnitOfWork, relationship_id: int, limit: int = 5) -> list[Review]:
    with uow.reading():
        return uow.reviews.recent(relationship_id, limit)
