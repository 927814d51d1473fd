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
from stages.errors import InvalidInput, NotAllowed, Problem, Stale
from stages.nudges import escalation_nudges
from stages.ports import UnitOfWork
from stages.relationships import Relationship

LADDER = SYSTEM  # the actor recorded when the escalation ladder itself moves a dispute


@dataclass(frozen=True)
class Case:
    """A dispute with its relationship, as shown and acted on."""

    dispute: Dispute
    relationship: Relationship


def raise_dispute(
    uow: UnitOfWork,
    relationship: Relationship,
    *,
    by: str,
    now: datetime,
    text: str | None,
    source_link: str | None = None,
) -> Case:
    """Anyone may raise a dispute; it starts at tier 1, owned by the relationship's owner."""
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
        uow.disputes.record(DisputeEvent(uow.team_id, dispute.id or 0, DisputeEventKind.RAISED, by, now, 1, what))
        uow.audit.record(relationship.id, by, now, "dispute.raised", f"dispute {dispute.id}", after=dispute)
        uow.commit()
    return Case(dispute, relationship)


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
    handlers_only: bool = True,
    also: Callable[[Case], None] | None = None,
) -> Case | None:
    """Apply one change to an open dispute, with its event and whatever `also` adds to the same transaction; None
    when it changes nothing (a repeat)."""
    with uow:
        current = open_case(uow, dispute_id)
        if handlers_only:
            check_handler(current, by, kind)
        changed = how(current)
        if changed is None:
            return None
        saved = uow.disputes.save(changed)
        if saved is None:
            return None  # someone else changed it at the same moment: theirs stands
        uow.disputes.record(DisputeEvent(uow.team_id, dispute_id, kind, by, now, saved.tier, text))
        after = {**(snapshot(saved) or {}), "text": text} if text else saved
        uow.audit.record(
            saved.relationship_id, by, now, f"dispute.{kind.value}", f"dispute {dispute_id}", current.dispute, after
        )
        changed_case = Case(saved, current.relationship)
        if also is not None:
            also(changed_case)
        uow.commit()
        return changed_case


def check_handler(case: Case, user_id: str, kind: DisputeEventKind) -> None:
    """`NotAllowed` unless the person owns the dispute or leads the relationship."""
    if not may_handle(case.dispute, case.relationship, user_id):
        r = case.relationship
        raise NotAllowed(f"dispute_{kind.value}", r.owner_id, r.sponsor_id, also=case.dispute.owner_id)


def acknowledge(uow: UnitOfWork, dispute_id: int, *, by: str, now: datetime) -> Case | None:
    return _change(
        uow,
        dispute_id,
        by,
        now,
        DisputeEventKind.ACKNOWLEDGED,
        lambda c: None if c.dispute.acknowledged_at else c.dispute.acknowledged(by, now),
    )


def add_update(uow: UnitOfWork, dispute_id: int, *, by: str, now: datetime, text: str | None) -> Case | None:
    """Anyone may add an update to an open dispute."""
    update = free_text("update", text, required=True)
    return _change(uow, dispute_id, by, now, DisputeEventKind.UPDATE, lambda c: c.dispute, update, handlers_only=False)


def escalate(uow: UnitOfWork, dispute_id: int, *, by: str, now: datetime, from_tier: int, reason: str | None) -> Case:
    """A person moves the dispute up from `from_tier`, the tier they saw, saying why (kept in its history), and a
    new owner is queued a nudge in the same transaction. `DisputeMovedOn` if it is no longer there (a second
    press, an old form)."""
    why = escalation_reason(reason)

    def tell_new_owner(moved: Case) -> None:
        uow.nudges.enqueue(escalation_nudges(moved.dispute, moved.relationship, now), now)

    kind = DisputeEventKind.ESCALATED
    moved = _change(uow, dispute_id, by, now, kind, _climb(from_tier, now), why, also=tell_new_owner)
    if moved is None:  # someone moved it at the same moment
        raise DisputeMovedOn(f"dispute {dispute_id} left tier {from_tier}")
    return moved


def climb(uow: UnitOfWork, cases: Sequence[Case], *, now: datetime) -> list[Case]:
    """The ladder moves up every dispute that outstayed its tier, together, recorded as done by Accord itself.

    Returns the cases moved: one someone moved (or resolved) since it was read is left as they left it. Runs in
    the caller's unit of work, which commits the moves together with the nudges they call for.
    """
    read = {c.dispute.id: c for c in cases}
    with uow.reading():
        moved = [
            d
            for tier in sorted({c.dispute.tier for c in cases})
            for d in uow.disputes.move_up([i for i, c in read.items() if i and c.dispute.tier == tier], tier, now)
        ]
        kind = DisputeEventKind.ESCALATED
        uow.disputes.record_many([DisputeEvent(uow.team_id, d.id or 0, kind, LADDER, now, d.tier) for d in moved])
        action = f"dispute.{kind.value}"
        uow.audit.record_many(
            [
                AuditEvent(uow.team_id, d.relationship_id, LADDER, now, action, f"dispute {d.id}", *_change_of(read, d))
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
    uow: UnitOfWork, dispute_id: int, *, by: str, now: datetime, resolution: str | None, root_cause: str | None
) -> Case | None:
    solved = free_text("resolution", resolution, required=True) or ""
    cause = free_text("root_cause", root_cause, required=True) or ""
    return _change(
        uow,
        dispute_id,
        by,
        now,
        DisputeEventKind.RESOLVED,
        lambda c: c.dispute.resolved(by, now, solved, cause),
        solved,
    )


def history(uow: UnitOfWork, dispute_id: int) -> list[DisputeEvent]:
    with uow.reading():
        return uow.disputes.events(dispute_id)
