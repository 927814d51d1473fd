"""Use cases of the risk register: read a relationship's open risks, add one, close one with its outcome.

Anyone of either organisation taking part may read and write the register; a risk kept internal is seen only by
the organisation that recorded it.
"""

from dataclasses import dataclass
from datetime import date, datetime

from stages.audit import Action, snapshot
from stages.ports import UnitOfWork
from stages.register_access import relationship_of, taking_part_in, visible
from stages.relationships import Relationship, Side, taking_part
from stages.risks import (
    Risk,
    RiskDraft,
    RiskEdit,
    RiskReview,
    RiskSummary,
    outcome_text,
    ranked,
    risk_subject,
    summary,
)
from stages.sentences import RISK_EDITABLE


@dataclass(frozen=True)
class Register:
    """The open risks one side may see, the highest score first."""

    relationship: Relationship
    side: Side
    risks: tuple[Risk, ...]


def register(uow: UnitOfWork, which: int | str, organisation: str) -> Register:
    with uow.reading():
        relationship = relationship_of(uow, which)
        side = taking_part(relationship, organisation)
        seen = [r for r in uow.risks.of(relationship.id or 0) if r.seen_by(side)]
    return Register(relationship, side, tuple(ranked(seen)))


def channel_register(uow: UnitOfWork, which: int | str, organisation: str) -> Register:
    """The open risks everyone in the relationship's channel may see: in a channel shared with the partner, the
    joint ones only (an internal risk is never shown there, not even as a count)."""
    found = register(uow, which, organisation)
    if not found.relationship.is_joint:
        return found
    return Register(found.relationship, found.side, tuple(r for r in found.risks if not r.internal))


def summary_of(uow: UnitOfWork, relationship_id: int, side: Side, today: date) -> RiskSummary:
    """The open risks `side` sees and how many are overdue for review (for `/accord status`)."""
    with uow.reading():
        return summary(uow.risks.of(relationship_id), side, today)


@dataclass(frozen=True)
class Added:
    relationship: Relationship
    risk: Risk
    first: bool  # False: the same form was sent again, and added nothing more


def add_risk(
    uow: UnitOfWork,
    relationship_id: int,
    draft: RiskDraft,
    *,
    by: str,
    organisation: str,
    now: datetime,
    form_key: str,
) -> Added:
    """Add the risk to the register, audited; a form sent twice adds it once. The owner is checked to be of
    either organisation before (by who Slack says they are)."""
    with uow:
        relationship = relationship_of(uow, relationship_id)
        side = taking_part(relationship, organisation)
        wanted = Risk(
            uow.team_id,
            relationship_id,
            draft.title,
            draft.description,
            draft.category,
            draft.breakdown_effect,
            draft.likelihood,
            draft.impact,
            draft.owner_id,
            draft.mitigation,
            draft.next_review,
            draft.internal,
            side,
            by,
            now,
        )
        saved = uow.risks.add(wanted, form_key)
        if saved is None:
            return Added(relationship, wanted, first=False)
        uow.audit.record(
            relationship_id, by, now, Action.RISK_ADDED, risk_subject(saved.id or 0), after=_public(saved), side=side
        )
        uow.commit()
    return Added(relationship, saved, first=True)


@dataclass(frozen=True)
class Edited:
    relationship: Relationship
    risk: Risk
    changed: bool  # False: nothing differed (the same form sent again), or it closed meanwhile


def edit_risk(uow: UnitOfWork, risk_id: int, change: RiskEdit, *, by: str, organisation: str, now: datetime) -> Edited:
    """Change the risk's words, category or owner, audited with what each was before; the same form sent again
    changes nothing more."""
    with uow:
        risk, relationship, side = _visible(uow, risk_id, organisation)
        updated = risk.edited(change)
        before, after = snapshot(risk) or {}, snapshot(updated) or {}
        changed = [k for k in RISK_EDITABLE if before.get(k) != after.get(k)]
        if not changed or not uow.risks.save(updated):
            return Edited(relationship, risk, changed=False)
        uow.audit.record(
            relationship.id or 0,
            by,
            now,
            Action.RISK_EDITED,
            risk_subject(risk_id),
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            side=side,
        )
        uow.commit()
    return Edited(relationship, updated, changed=True)


@dataclass(frozen=True)
class Reviewed:
    relationship: Relationship
    risk: Risk
    first: bool  # False: it was reviewed since the form was opened (the same form sent again), or closed


def review_risk(
    uow: UnitOfWork,
    risk_id: int,
    review: RiskReview,
    *,
    seen: date,
    by: str,
    organisation: str,
    now: datetime,
) -> Reviewed:
    """Record a review of the risk opened when its review date was `seen`: its new score and next review date,
    and the note in the audit trail; the same form sent again records nothing more."""
    with uow:
        risk, relationship, side = _visible(uow, risk_id, organisation)
        updated = risk.reviewed(review)
        if not uow.risks.review(updated, seen):
            return Reviewed(relationship, risk, first=False)
        uow.audit.record(
            relationship.id or 0,
            by,
            now,
            Action.RISK_REVIEWED,
            risk_subject(risk_id),
            before={"score": risk.score, "next_review": risk.next_review.isoformat()},
            after={"score": updated.score, "next_review": updated.next_review.isoformat(), "note": review.note},
            side=side,
        )
        uow.commit()
    return Reviewed(relationship, updated, first=True)


@dataclass(frozen=True)
class Closed:
    relationship: Relationship
    risk: Risk
    first: bool  # False: it was closed already


def close_risk(
    uow: UnitOfWork, risk_id: int, *, by: str, organisation: str, now: datetime, outcome: str | None
) -> Closed:
    """Close an open risk with how it ended, audited; closing it again changes nothing."""
    text = outcome_text(outcome)
    with uow:
        risk, relationship, _side = _visible(uow, risk_id, organisation)
        if not risk.open:
            return Closed(relationship, risk, first=False)
        closed = risk.closed(now, by, text)
        if not uow.risks.close(closed):
            return Closed(relationship, risk, first=False)
        uow.audit.record(
            relationship.id or 0,
            by,
            now,
            Action.RISK_CLOSED,
            risk_subject(risk_id),
            before={"title": risk.title},
            after={"outcome": text},
            side=relationship.side_of(organisation) or Side.HOME,
        )
        uow.commit()
    return Closed(relationship, closed, first=True)


def risk_of(uow: UnitOfWork, risk_id: int, organisation: str) -> tuple[Risk, Relationship]:
    """A risk the person's organisation may see (to open its forms); `Stale` otherwise."""
    with uow.reading():
        risk, relationship, _side = _visible(uow, risk_id, organisation)
    return risk, relationship


def relationship_for(uow: UnitOfWork, which: int | str, organisation: str) -> Relationship:
    """The relationship whose register the person's organisation takes part in."""
    return taking_part_in(uow, which, organisation)


def _visible(uow: UnitOfWork, risk_id: int, organisation: str) -> tuple[Risk, Relationship, Side]:
    return visible(uow, uow.risks.get(risk_id), f"risk {risk_id}", organisation)


def _public(risk: Risk) -> dict[str, object]:
    """What the audit trail keeps of a new risk."""
    kept = snapshot(risk) or {}
    return {k: kept[k] for k in ("title", "category", "likelihood", "impact", "owner_id", "next_review", "internal")}
