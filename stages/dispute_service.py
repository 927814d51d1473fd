"""Use cases of disputes: raising, acknowledging, updating, escalating and resolving, each kept as an event."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from stages.audit import SYSTEM, AuditEvent, JSONable, snapshot
from stages.disputes import (
    Dispute,
    DisputeEvent,
    DisputeEventKind,
    DisputeMovedOn,
    escalation_reason,
    free_text,
    may_handle,
    summary,
)
from stages.errors import InvalidInput, NotAllowed, Problem, RelationshipNotFound, Stale
from stages.homes import HomesToDraw, homes
from stages.naming import name_prefix, suggest
from stages.nudges import escalation_nudges
from stages.ports import SweepUnitOfWork, UnitOfWork
from stages.relationship_service import find_relationship
from stages.relationships import Relationship, Side, taking_part

LADDER = SYSTEM  # the actor recorded when the escalation ladder itself moves a dispute


@dataclass(frozen=True)
class Case:
    """A dispute with its relationship, as shown and acted on."""

    dispute: Dispute
    relationship: Relationship


@dataclass(frozen=True)
class DisputeRaised:
    """A dispute just raised: its thread is to be started, and these Home tabs drawn again."""

    case: Case
    home_for: HomesToDraw


@dataclass(frozen=True)
class SummaryMissing:
    """`/accord dispute` named a relationship but said nothing of the dispute: nothing was raised."""

    relationship: Relationship


@dataclass(frozen=True)
class DisputeChanged:
    """A change to an open dispute: its thread is to be told `told` (with `text`), and these Home tabs drawn
    again."""

    case: Case
    told: DisputeEventKind
    text: str | None
    home_for: HomesToDraw


def raise_named(uow: UnitOfWork, argument: str, *, by: str, now: datetime) -> DisputeRaised | SummaryMissing:
    """`<relationship> <summary>`: the relationship is the longest run of leading words naming one.

    `RelationshipNotFound` (with near misses) when none does; `InvalidInput` for the summary's problem.
    """
    with uow:
        names = uow.relationships.names()
        split = name_prefix(argument, names)
        if split is None:
            words = argument.split()
            guesses = suggest(" ".join(words[:3]), names) or suggest(" ".join(words[:2]), names)
            raise RelationshipNotFound(" ".join(words[:3]), guesses)
        name, text = split
        relationship = uow.relationships.by_name(name)
        if relationship is None:
            raise RelationshipNotFound(name, [])
        if not text.strip():
            return SummaryMissing(relationship)
        return _raise(uow, relationship, by=by, now=now, text=text)


def raise_dispute(
    uow: UnitOfWork,
    relationship_id: int,
    *,
    by: str,
    now: datetime,
    text: str | None,
    source_link: str | None = None,
    organisation: str | None = None,
) -> DisputeRaised:
    """Raise a dispute on the relationship chosen (`Stale` if it is gone), linked to `source_link` if given, by a
    person of `organisation` (None: the home organisation's), which must be one of the relationship's two."""
    with uow:
        relationship = uow.relationships.get(relationship_id)
        if relationship is None:
            raise Stale(f"relationship {relationship_id}")
        side = taking_part(relationship, organisation) if organisation is not None else Side.HOME
        return _raise(uow, relationship, by=by, now=now, text=text, source_link=source_link, side=side)


def _raise(
    uow: UnitOfWork,
    relationship: Relationship,
    *,
    by: str,
    now: datetime,
    text: str | None,
    source_link: str | None = None,
    side: Side = Side.HOME,
) -> DisputeRaised:
    """Anyone of either organisation may raise a dispute; it starts at tier 1, owned by the relationship's owner."""
    what = summary(text)
    with uow:
        dispute = uow.disputes.add(
            Dispute(
                uow.team_id,
                relationship.id or 0,
                what,
                by,
                now,
                relationship.owner_id,
                tier_since=now,
                source_link=source_link,
            )
        )
        raised = DisputeEvent(uow.team_id, dispute.id or 0, DisputeEventKind.RAISED, by, now, 1, what, actor_side=side)
        uow.disputes.record(raised)
        uow.audit.record(relationship.id, by, now, "dispute.raised", f"dispute {dispute.id}", after=dispute, side=side)
        leaders = homes(uow, now, by, relationship.owner_id, relationship.sponsor_id)
        uow.commit()
    return DisputeRaised(Case(dispute, relationship), leaders)


def posted(uow: UnitOfWork, dispute: Dispute, channel_id: str, thread_ts: str, *, now: datetime) -> Dispute:
    with uow:
        saved = uow.disputes.save(replace(dispute, channel_id=channel_id, thread_ts=thread_ts))
        if saved is None:
            raise Stale(f"dispute {dispute.id} changed while being posted")
        uow.audit.record(
            dispute.relationship_id, SYSTEM, now, "dispute.posted", f"dispute {dispute.id}", dispute, saved
        )
        uow.commit()
        return saved


def case(uow: UnitOfWork, dispute_id: int) -> Case:
    with uow.reading():
        dispute = uow.disputes.get(dispute_id)
        relationship = uow.relationships.get(dispute.relationship_id) if dispute else None
    if dispute is None or relationship is None:
        raise Stale(f"dispute {dispute_id}")
    return Case(dispute, relationship)


def open_case(uow: UnitOfWork, dispute_id: int) -> Case:
    """The dispute, to act on: refused once it is resolved (a button on an old message, or a nudge)."""
    found = case(uow, dispute_id)
    if not found.dispute.open:
        raise InvalidInput([Problem("dispute", "dispute_closed")])
    return found


def open_cases(uow: UnitOfWork, relationship_id: int | None = None) -> list[Case]:
    with uow.reading():
        disputes = uow.disputes.open(relationship_id)
        relationships = {r.id: r for r in uow.relationships.by_ids(sorted({d.relationship_id for d in disputes}))}
    return [Case(d, relationships[d.relationship_id]) for d in disputes if d.relationship_id in relationships]


def _change(
    uow: UnitOfWork,
    dispute_id: int,
    by: str,
    now: datetime,
    kind: DisputeEventKind,
    how: Callable[[Case], Dispute | None],
    text: str | None = None,
    *,
    organisation: str,
    handlers_only: bool = True,
    also: Callable[[Case], None] | None = None,
) -> tuple[Case, HomesToDraw] | None:
    """Apply one change to an open dispute, with its event and whatever `also` adds to the same transaction: the
    dispute after it, and the Home tabs to draw again (those of who acted, the relationship's leaders and the
    dispute's owners before and after; none for a change no Home tab shows, an update); None when it changes
    nothing (a repeat)."""
    with uow:
        current = open_case(uow, dispute_id)
        side = (
            check_handler(current, by, kind, organisation)
            if handlers_only
            else taking_part(current.relationship, organisation)
        )
        changed = how(current)
        if changed is None:
            return None
        saved = uow.disputes.save(changed)
        if saved is None:
            return None  # someone else changed it at the same moment: theirs stands
        uow.disputes.record(DisputeEvent(uow.team_id, dispute_id, kind, by, now, saved.tier, text, actor_side=side))
        after = {**(snapshot(saved) or {}), "text": text} if text else saved
        action, subject = f"dispute.{kind.value}", f"dispute {dispute_id}"
        uow.audit.record(saved.relationship_id, by, now, action, subject, current.dispute, after, side=side)
        changed_case = Case(saved, current.relationship)
        if also is not None:
            also(changed_case)
        r = current.relationship
        shown = (by, r.owner_id, r.sponsor_id, current.dispute.owner_id, saved.owner_id) if handlers_only else ()
        leaders = homes(uow, now, *shown)
        uow.commit()
        return changed_case, leaders


def check_handler(case: Case, user_id: str, kind: DisputeEventKind, organisation: str) -> Side:
    """The side the person acts for: `NotAllowed` unless they own the dispute or lead the relationship (for their
    organisation), `OutsideTheRelationship` for a third organisation's person."""
    side = taking_part(case.relationship, organisation)
    if not may_handle(case.dispute, case.relationship, user_id, side):
        r = case.relationship
        raise NotAllowed(f"dispute_{kind.value}", r.owner_id, r.sponsor_id, also=case.dispute.owner_id)
    return side


def update_form(uow: UnitOfWork, dispute_id: int, *, organisation: str) -> Case:
    """The open dispute, for anyone of either organisation to add an update to."""
    found = open_case(uow, dispute_id)
    taking_part(found.relationship, organisation)
    return found


def acknowledge(
    uow: UnitOfWork, dispute_id: int, *, by: str, organisation: str, now: datetime
) -> DisputeChanged | None:
    kind = DisputeEventKind.ACKNOWLEDGED

    def acknowledged(c: Case) -> Dispute | None:
        return None if c.dispute.acknowledged_at else c.dispute.acknowledged(by, now)

    changed = _change(uow, dispute_id, by, now, kind, acknowledged, organisation=organisation)
    if changed is None:
        return None
    after, leaders = changed
    return DisputeChanged(after, kind, None, leaders)


def add_update(
    uow: UnitOfWork, dispute_id: int, *, by: str, organisation: str, now: datetime, text: str | None
) -> DisputeChanged | None:
    """Anyone of either organisation may add an update to an open dispute; it changes nothing any Home tab shows."""
    update = free_text("update", text, required=True)
    kind = DisputeEventKind.UPDATE
    changed = _change(
        uow, dispute_id, by, now, kind, lambda c: c.dispute, update, organisation=organisation, handlers_only=False
    )
    return None if changed is None else DisputeChanged(changed[0], kind, update, changed[1])


def escalate(
    uow: UnitOfWork,
    dispute_id: int,
    *,
    by: str,
    organisation: str,
    now: datetime,
    from_tier: int,
    reason: str | None,
) -> DisputeChanged:
    """A person moves the dispute up from `from_tier`, the tier they saw, saying why (kept in its history), and a
    new owner is queued a nudge in the same transaction. `DisputeMovedOn` if it is no longer there (a second
    press, an old form)."""
    why = escalation_reason(reason)

    def tell_new_owner(moved: Case) -> None:
        team = uow.joint_teams.of(moved.relationship.id or 0)
        uow.nudges.enqueue(escalation_nudges(moved.dispute, moved.relationship, now, team), now)

    kind = DisputeEventKind.ESCALATED
    moved = _change(
        uow, dispute_id, by, now, kind, _climb(from_tier, now), why, organisation=organisation, also=tell_new_owner
    )
    if moved is None:  # someone moved it at the same moment
        raise DisputeMovedOn(f"dispute {dispute_id} left tier {from_tier}")
    after, leaders = moved
    return DisputeChanged(after, kind, why, leaders)


def climb_many(uow: SweepUnitOfWork, cases: Sequence[Case], *, now: datetime) -> list[Case]:
    """The ladder moves up every dispute that outstayed its tier, together, recorded as done by Accord itself: the
    disputes of a batch of workspaces at once, each recorded in its own workspace.

    Returns the cases moved: one someone moved (or resolved) since it was read is left as they left it. Runs in
    the caller's transaction, which commits the moves together with the nudges they call for.
    """
    read = {c.dispute.id: c for c in cases}
    moved = [
        d
        for tier in sorted({c.dispute.tier for c in cases})
        for d in uow.sweep.move_up([i for i, c in read.items() if i and c.dispute.tier == tier], tier, now)
    ]
    kind = DisputeEventKind.ESCALATED
    uow.sweep.record_dispute_events([DisputeEvent(d.team_id, d.id or 0, kind, LADDER, now, d.tier) for d in moved])
    action = f"dispute.{kind.value}"
    uow.sweep.record_audit(
        [
            AuditEvent(d.team_id, d.relationship_id, LADDER, now, action, f"dispute {d.id}", *_change_of(read, d))
            for d in moved
        ]
    )
    return [Case(d, read[d.id].relationship) for d in moved]


def _change_of(read: dict[int | None, Case], moved: Dispute) -> tuple[JSONable | None, JSONable | None]:
    return snapshot(read[moved.id].dispute), snapshot(moved)


def _climb(from_tier: int, now: datetime) -> Callable[[Case], Dispute | None]:
    def up(c: Case) -> Dispute | None:
        if c.dispute.tier != from_tier:
            raise DisputeMovedOn(f"dispute {c.dispute.id} is at tier {c.dispute.tier}, not {from_tier}")
        return c.dispute.escalated(now, c.relationship)

    return up


def resolve(
    uow: UnitOfWork,
    dispute_id: int,
    *,
    by: str,
    organisation: str,
    now: datetime,
    resolution: str | None,
    root_cause: str | None,
) -> DisputeChanged | None:
    solved = free_text("resolution", resolution, required=True) or ""
    cause = free_text("root_cause", root_cause, required=True) or ""
    kind = DisputeEventKind.RESOLVED
    changed = _change(
        uow,
        dispute_id,
        by,
        now,
        kind,
        lambda c: c.dispute.resolved(by, now, solved, cause),
        solved,
        organisation=organisation,
    )
    if changed is None:
        return None
    after, leaders = changed
    return DisputeChanged(after, kind, solved, leaders)


def escalation_form(uow: UnitOfWork, dispute_id: int, *, by: str, organisation: str, seen_tier: int) -> Case:
    """The dispute, for its handler to say why it should climb from `seen_tier`, the tier the button showed:
    `DisputeMovedOn` if it has moved since."""
    found = open_case(uow, dispute_id)
    check_handler(found, by, DisputeEventKind.ESCALATED, organisation)
    if found.dispute.tier != seen_tier:
        raise DisputeMovedOn(f"dispute {dispute_id} left tier {seen_tier}")
    return found


def resolution_form(uow: UnitOfWork, dispute_id: int, *, by: str, organisation: str) -> Case:
    """The open dispute, for one who may resolve it."""
    found = open_case(uow, dispute_id)
    check_handler(found, by, DisputeEventKind.RESOLVED, organisation)
    return found


def open_cases_named(uow: UnitOfWork, name: str | None) -> tuple[Relationship | None, list[Case]]:
    """The open disputes of the relationship called `name` (`RelationshipNotFound` if none is), or of all."""
    with uow.reading():
        scope = find_relationship(uow, name) if name else None
        return scope, open_cases(uow, scope.id if scope else None)


def history(uow: UnitOfWork, dispute_id: int) -> list[DisputeEvent]:
    with uow.reading():
        return uow.disputes.events(dispute_id)
