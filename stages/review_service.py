"""Use cases of reviews: recording one (by the owner or sponsor) moves the next review date on."""

from dataclasses import dataclass
from datetime import date, datetime

from stages.catalogue import Catalogue
from stages.errors import NotAllowed, Stale
from stages.ports import UnitOfWork
from stages.relationships import Relationship
from stages.reviews import Review, review
from stages.rmp import save_version


@dataclass(frozen=True)
class Reviewed:
    relationship: Relationship
    review: Review


def leading(uow: UnitOfWork, relationship_id: int, user_id: str, action: str) -> Relationship:
    """The relationship, if the person is its owner or sponsor; `NotAllowed` (or `Stale`) otherwise."""
    with uow.reading():
        relationship = uow.relationships.get(relationship_id)
    if relationship is None:
        raise Stale(f"relationship {relationship_id}")
    if not relationship.is_leader(user_id):
        raise NotAllowed(action, relationship.owner_id, relationship.sponsor_id)
    return relationship


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
) -> Reviewed:
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
        )
        saved = uow.reviews.add(checked)
        updated = uow.relationships.update(relationship.reviewed(now, checked.next_review_due))
        uow.audit.record(relationship_id, by, now, "review.recorded", f"review of {now:%Y-%m-%d}", after=saved)
        save_version(uow, catalogue, relationship_id, reason="review", by=by, now=now)
        uow.commit()
    return Reviewed(updated, saved)


def recent(uow: UnitOfWork, relationship_id: int, limit: int = 5) -> list[Review]:
    with uow.reading():
        return uow.reviews.recent(relationship_id, limit)
