"""Use cases of the value-creation ideas register: read a relationship's open ideas and the value delivered, add
one, move one on (agreed, in delivery, delivered with its value, or dropped with a reason), or keep a stale one
going by a new decision date.

Anyone of either organisation taking part may read and write the register; an idea kept internal is seen only by
the organisation that recorded it.
"""

from dataclasses import dataclass
from datetime import date, datetime

from stages.audit import Action
from stages.ideas import (
    Amount,
    Idea,
    IdeaDraft,
    IdeaMove,
    IdeaStatus,
    IdeaSummary,
    delivered_totals,
    idea_subject,
    ranked,
    summary,
)
from stages.ports import UnitOfWork
from stages.register_access import relationship_of, taking_part_in, visible
from stages.relationships import Relationship, Side, taking_part


@dataclass(frozen=True)
class Register:
    """The open ideas one side may see, the soonest decision first, and the value delivered by those it sees."""

    relationship: Relationship
    side: Side
    ideas: tuple[Idea, ...]
    delivered: tuple[Amount, ...]


def register(uow: UnitOfWork, which: int | str, organisation: str) -> Register:
    with uow.reading():
        relationship = relationship_of(uow, which)
        side = taking_part(relationship, organisation)
        seen = [i for i in uow.ideas.of(relationship.id or 0, closed=True) if i.seen_by(side)]
    return Register(relationship, side, tuple(ranked(seen)), tuple(delivered_totals(seen)))


def summary_of(uow: UnitOfWork, relationship_id: int, side: Side, today: date, stale_days: int) -> IdeaSummary:
    """The open ideas `side` sees, how many are stale, and the value delivered (for `/accord status`)."""
    with uow.reading():
        return summary(uow.ideas.of(relationship_id, closed=True), side, today, stale_days)


@dataclass(frozen=True)
class Added:
    relationship: Relationship
    idea: Idea
    first: bool  # False: the same form was sent again, and added nothing more


def add_idea(
    uow: UnitOfWork,
    relationship_id: int,
    draft: IdeaDraft,
    *,
    by: str,
    organisation: str,
    now: datetime,
    form_key: str,
) -> Added:
    """Add the idea to the register as proposed, audited; a form sent twice adds it once. The proposer and the
    owner are checked to be of either organisation before (by who Slack says they are)."""
    with uow:
        relationship = relationship_of(uow, relationship_id)
        side = taking_part(relationship, organisation)
        wanted = Idea(
            uow.team_id,
            relationship_id,
            draft.title,
            draft.proposer_id,
            draft.owner_id,
            draft.value_home,
            draft.value_partner,
            draft.expected.number,
            draft.expected.unit,
            draft.expected_words,
            IdeaStatus.PROPOSED,
            draft.next_decision,
            draft.internal,
            side,
            by,
            now,
            now.date(),
        )
        saved = uow.ideas.add(wanted, form_key)
        if saved is None:
            return Added(relationship, wanted, first=False)
        after: dict[str, object] = {
            "title": saved.title,
            "proposer_id": saved.proposer_id,
            "owner_id": saved.owner_id,
            "expected": f"{saved.expected_amount} {saved.expected_unit}",
            "next_decision": saved.next_decision.isoformat(),
            "internal": saved.internal,
        }
        uow.audit.record(
            relationship_id, by, now, Action.IDEA_ADDED, idea_subject(saved.id or 0), after=after, side=side
        )
        uow.commit()
    return Added(relationship, saved, first=True)


@dataclass(frozen=True)
class Moved:
    relationship: Relationship
    idea: Idea
    first: bool  # False: it moved since the form was opened (the same form sent again), or closed


def move_idea(
    uow: UnitOfWork,
    idea_id: int,
    move: IdeaMove,
    *,
    seen: IdeaStatus,
    by: str,
    organisation: str,
    now: datetime,
) -> Moved:
    """Move the idea, opened at status `seen`, to its next status (or drop it), audited with what the status
    needs; the same form sent again moves nothing more."""
    with uow:
        idea, relationship, side = _visible(uow, idea_id, organisation)
        if idea.status is not seen:
            return Moved(relationship, idea, first=False)
        updated = idea.moved(move, now.date())
        if not uow.ideas.move(updated, seen):
            return Moved(relationship, idea, first=False)
        after: dict[str, object] = {"status": move.to.value}
        if move.next_decision is not None:
            after["next_decision"] = move.next_decision.isoformat()
        if move.delivered is not None:
            after["delivered"] = f"{move.delivered.number} {move.delivered.unit}"
        if move.reason is not None:
            after["reason"] = move.reason
        uow.audit.record(
            relationship.id or 0,
            by,
            now,
            Action.IDEA_MOVED,
            idea_subject(idea_id),
            before={"status": idea.status.value},
            after=after,
            side=side,
        )
        uow.commit()
    return Moved(relationship, updated, first=True)


def keep_going(
    uow: UnitOfWork,
    idea_id: int,
    next_decision: date,
    *,
    seen: date,
    by: str,
    organisation: str,
    now: datetime,
) -> Moved:
    """Decide to carry on with the idea, unmoved since `seen`, by a new decision date, audited: it is no longer
    stale; the same form sent again records nothing more."""
    with uow:
        idea, relationship, side = _visible(uow, idea_id, organisation)
        updated = idea.kept_going(next_decision, now.date())
        if idea.moved_on != seen or not uow.ideas.keep_going(updated, seen):
            return Moved(relationship, idea, first=False)
        uow.audit.record(
            relationship.id or 0,
            by,
            now,
            Action.IDEA_KEPT_GOING,
            idea_subject(idea_id),
            before={"next_decision": idea.next_decision.isoformat()},
            after={"next_decision": next_decision.isoformat()},
            side=side,
        )
        uow.commit()
    return Moved(relationship, updated, first=True)


def idea_of(uow: UnitOfWork, idea_id: int, organisation: str) -> tuple[Idea, Relationship]:
    """An idea the person's organisation may see (to open its forms); `Stale` otherwise."""
    with uow.reading():
        idea, relationship, _side = _visible(uow, idea_id, organisation)
    return idea, relationship


def relationship_for(uow: UnitOfWork, which: int | str, organisation: str) -> Relationship:
    """The relationship whose register the person's organisation takes part in."""
    return taking_part_in(uow, which, organisation)


def _visible(uow: UnitOfWork, idea_id: int, organisation: str) -> tuple[Idea, Relationship, Side]:
    return visible(uow, uow.ideas.get(idea_id), f"idea {idea_id}", organisation)
