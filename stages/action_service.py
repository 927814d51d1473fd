"""Use cases of the actions register: read a relationship's open actions (or a person's own), add one from any
source, complete one with a note.

Anyone of either organisation taking part may read the register and add to it; an action is completed by its
owner or by who leads the owner's side. An action kept internal, or coming out of something internal (a risk or
review kept to one side), is seen only by the organisation that recorded it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import assert_never

from stages.actions import (
    Action,
    ActionDraft,
    ActionSource,
    ActionSummary,
    action_subject,
    completers,
    completion_note,
    known_zone,
    may_complete,
    ranked,
    summary,
)
from stages.audit import Action as Did
from stages.errors import InvalidInput, NotAllowed, Problem, Stale
from stages.ports import UnitOfWork
from stages.register_access import relationship_of, taking_part_in, visible
from stages.relationships import Relationship, Side, taking_part


@dataclass(frozen=True)
class Register:
    """The open actions one side may see: the person's own first, then the soonest due."""

    relationship: Relationship
    side: Side
    actions: tuple[Action, ...]


def register(uow: UnitOfWork, which: int | str, organisation: str, user_id: str) -> Register:
    with uow.reading():
        relationship = relationship_of(uow, which)
        side = taking_part(relationship, organisation)
        seen = [a for a in uow.actions.of(relationship.id or 0) if a.seen_by(side)]
    return Register(relationship, side, tuple(ranked(seen, user_id)))


def mine(uow: UnitOfWork, user_id: str, organisation: str) -> list[tuple[Relationship, Action]]:
    """The person's own open actions, the soonest due first, in the relationships their organisation takes part
    in (an internal action only where their side recorded it)."""
    found: list[tuple[Relationship, Action]] = []
    with uow.reading():
        relationships = {r.id: r for r in uow.relationships.all()}
        for action in uow.actions.owned_by(user_id):
            relationship = relationships.get(action.relationship_id)
            side = relationship.side_of(organisation) if relationship else None
            if relationship is not None and side is not None and action.seen_by(side):
                found.append((relationship, action))
    return found


def summary_of(uow: UnitOfWork, relationship_id: int, side: Side, now: datetime) -> ActionSummary:
    """The open actions `side` sees and how many are overdue (for `/accord status`)."""
    with uow.reading():
        return summary(uow.actions.of(relationship_id), side, now)


@dataclass(frozen=True)
class Added:
    relationship: Relationship
    action: Action
    first: bool  # False: the same form was sent again, and added nothing more


@dataclass(frozen=True)
class Owner:
    """The action's owner as Slack describes them: their organisation's side and their time zone."""

    side: Side
    tz: str


def add_action(
    uow: UnitOfWork,
    relationship_id: int,
    draft: ActionDraft,
    *,
    owner: Owner,
    source: ActionSource = ActionSource.HAND,
    source_id: int | None = None,
    by: str,
    organisation: str,
    now: datetime,
    form_key: str,
) -> Added:
    """Add the action to the register, audited; a form sent twice adds it once. An action out of an internal risk
    or review is internal too, and an internal action's owner must be of the side that keeps it."""
    with uow:
        relationship = relationship_of(uow, relationship_id)
        side = taking_part(relationship, organisation)
        internal = draft.internal or _source_internal(uow, relationship, side, source, source_id, by)
        if internal and owner.side is not side:
            raise InvalidInput([Problem("action_owner", "action_owner_internal")])
        wanted = Action(
            uow.team_id,
            relationship_id,
            draft.title,
            draft.owner_id,
            owner.side,
            owner.tz,
            draft.due,
            source,
            source_id,
            internal,
            side,
            by,
            now,
        )
        saved = uow.actions.add(wanted, form_key)
        if saved is None:
            return Added(relationship, wanted, first=False)
        uow.audit.record(
            relationship_id,
            by,
            now,
            Did.ACTION_ADDED,
            action_subject(saved.id or 0),
            after=_public(saved),
            side=side,
        )
        uow.commit()
    return Added(relationship, saved, first=True)


def source_internal(
    uow: UnitOfWork, relationship_id: int, organisation: str, source: ActionSource, source_id: int | None, by: str
) -> bool:
    """Whether an action out of this source is internal whatever its form says (to show the form so); refused
    as `add_action` would refuse it."""
    with uow.reading():
        relationship = relationship_of(uow, relationship_id)
        side = taking_part(relationship, organisation)
        return _source_internal(uow, relationship, side, source, source_id, by)


def _source_internal(
    uow: UnitOfWork, relationship: Relationship, side: Side, source: ActionSource, source_id: int | None, by: str
) -> bool:
    """Whether the source keeps the action to one side; `Stale` if the source is not of this relationship, or is
    hidden from this side. A health check's gaps are turned into actions by the relationship's owner."""
    if source is ActionSource.HEALTH_GAP and by != relationship.owner_id:
        raise NotAllowed("action_from_gap", relationship.owner_id, relationship.sponsor_id)
    if source is ActionSource.HAND:
        return False
    if source_id is None:
        raise Stale(f"{source.value} without an id")
    of: int | None = None
    internal = False
    match source:
        case ActionSource.RISK:
            risk = uow.risks.get(source_id)
            if risk is not None and risk.seen_by(side):
                of, internal = risk.relationship_id, risk.internal
        case ActionSource.REVIEW:
            review = uow.reviews.get(source_id)
            if review is not None and (side is Side.HOME or not review.internal):  # an internal review is home's
                of, internal = review.relationship_id, review.internal
        case ActionSource.HEALTH_GAP:
            health_round = uow.health.get(source_id)
            of = health_round.relationship_id if health_round else None
        case ActionSource.DISPUTE:
            dispute = uow.disputes.get(source_id)
            of = dispute.relationship_id if dispute else None
        case ActionSource.MEETING:
            held = next((m for m in uow.meetings.of(relationship.id or 0) if m.id == source_id), None)
            if held is not None and held.seen_by(side):
                of, internal = held.relationship_id, held.internal
        case unknown:
            assert_never(unknown)
    if of != relationship.id:
        raise Stale(f"{source.value} {source_id}")
    return internal


@dataclass(frozen=True)
class Completed:
    relationship: Relationship
    action: Action
    first: bool  # False: it was completed already


def complete_action(
    uow: UnitOfWork, action_id: int, *, by: str, organisation: str, now: datetime, note: str | None
) -> Completed:
    """Complete an open action with what was done, audited; by its owner or who leads the owner's side, and once."""
    text = completion_note(note)
    with uow:
        action, relationship, side = _visible(uow, action_id, organisation)
        _may_complete(action, relationship, by)
        if not action.open:
            return Completed(relationship, action, first=False)
        done = action.completed(now, by, text)
        if not uow.actions.complete(done):
            return Completed(relationship, action, first=False)
        uow.audit.record(
            relationship.id or 0,
            by,
            now,
            Did.ACTION_COMPLETED,
            action_subject(action_id),
            before={"title": action.title},
            after={"note": text, "internal": action.internal},
            side=side,
        )
        uow.commit()
    return Completed(relationship, done, first=True)


def owner_moved(uow: UnitOfWork, owner_id: str, tz: str) -> int:
    """The person's open actions follow them to the time zone Slack now gives for them: an action is overdue once
    its due date has passed where its owner is. A zone Python does not know changes nothing. How many moved."""
    if not known_zone(tz):
        return 0
    with uow:
        moved = uow.actions.move_owner(owner_id, tz)
        uow.commit()
    return moved


def action_of(uow: UnitOfWork, action_id: int, organisation: str) -> tuple[Action, Relationship]:
    """An action the person's organisation may see (to open its forms); `Stale` otherwise."""
    with uow.reading():
        action, relationship, _side = _visible(uow, action_id, organisation)
    return action, relationship


def completable(uow: UnitOfWork, action_id: int, organisation: str, user_id: str) -> tuple[Action, Relationship]:
    """An action the person may complete (to open its form); `NotAllowed` for anyone else."""
    action, relationship = action_of(uow, action_id, organisation)
    _may_complete(action, relationship, user_id)
    return action, relationship


def _may_complete(action: Action, relationship: Relationship, user_id: str) -> None:
    if not may_complete(action, relationship, user_id):
        first, second = (*completers(action, relationship), "", "")[:2]
        raise NotAllowed("action_complete", first, second, also=action.owner_id)


def relationship_for(uow: UnitOfWork, which: int | str, organisation: str) -> Relationship:
    """The relationship whose register the person's organisation takes part in."""
    return taking_part_in(uow, which, organisation)


def _visible(uow: UnitOfWork, action_id: int, organisation: str) -> tuple[Action, Relationship, Side]:
    return visible(uow, uow.actions.get(action_id), f"action {action_id}", organisation)


def _public(action: Action) -> dict[str, object]:
    """What the audit trail keeps of a new action."""
    return {
        "title": action.title,
        "owner_id": action.owner_id,
        "due": action.due.isoformat(),
        "source": action.source.value,
        "source_id": action.source_id,
        "internal": action.internal,
    }
