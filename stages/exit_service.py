"""Use cases of the exit strategy: each save is a new version and counts as its joint review."""

from dataclasses import dataclass
from datetime import datetime

from stages.catalogue import Catalogue
from stages.errors import NotAllowed, Stale
from stages.exits import ExitDraft, ExitStrategy
from stages.homes import HomesToDraw, homes
from stages.nudges import exit_review_notices
from stages.ports import UnitOfWork
from stages.relationship_service import find_relationship
from stages.relationships import Relationship, Side, taking_part
from stages.review_service import AlreadyRecorded, Record, leading, leading_one
from stages.rmp import save_version


@dataclass(frozen=True)
class ExitSaved:
    """A version of the exit strategy saved: it is to be posted in the relationship's channel, and these Home tabs
    drawn again."""

    relationship: Relationship
    strategy: ExitStrategy
    home_for: HomesToDraw


@dataclass(frozen=True)
class ExitForm:
    """What the exit strategy form starts from: the relationship and its latest version, if any."""

    relationship: Relationship
    latest: ExitStrategy | None


def exit_form(uow: UnitOfWork, which: int | str, by: str) -> ExitForm:
    """The exit strategy form of the relationship with this id or name, for its owner or sponsor."""
    with uow.reading():
        relationship = leading_one(uow, which, by, "exit")
        return ExitForm(relationship, uow.exit_strategies.latest(relationship.id or 0))


def partner_form(uow: UnitOfWork, which: int | str, organisation: str) -> ExitForm | None:
    """The exit strategy as the partner's people see it, for one of them (of `organisation`) in a joint
    relationship: the home side saves its versions and theirs agrees each. None for anyone else."""
    with uow.reading():
        relationship = find_relationship(uow, which) if isinstance(which, str) else uow.relationships.get(which)
        if relationship is None or relationship.side_of(organisation) is not Side.PARTNER:
            return None
        return ExitForm(relationship, uow.exit_strategies.latest(relationship.id or 0))


def save(
    uow: UnitOfWork,
    catalogue: Catalogue,
    relationship_id: int,
    draft: ExitDraft,
    *,
    by: str,
    now: datetime,
    seen_version: int,
) -> ExitSaved:
    """Save the strategy from a form opened at version `seen_version` (0: before any) as the next version, telling
    the people it was reviewed with; `AlreadyRecorded` if another version has been saved since."""
    with uow:
        relationship = leading(uow, relationship_id, by, "exit")
        previous = uow.exit_strategies.latest(relationship_id)
        if (previous.version if previous else 0) != seen_version:
            if previous is None:
                raise Stale(f"exit strategy v{seen_version} of relationship {relationship_id} is gone")
            raise AlreadyRecorded(Record.EXIT_STRATEGY, previous.saved_by, previous.saved_at)
        strategy = uow.exit_strategies.add(
            ExitStrategy(
                uow.team_id,
                relationship_id,
                (previous.version if previous else 0) + 1,
                draft.triggers,
                draft.plan,
                draft.continuity,
                draft.assets,
                draft.reviewed_with,
                by,
                now,
                joint=relationship.is_joint,
            )
        )
        updated = uow.relationships.update(relationship.exit_reviewed(now.date()))
        subject = f"exit strategy v{strategy.version}"
        uow.audit.record(relationship_id, by, now, "exit_strategy.saved", subject, previous, strategy)
        save_version(uow, catalogue, relationship_id, reason=subject, by=by, now=now)
        uow.nudges.enqueue(exit_review_notices(updated, strategy), now)
        leaders = homes(uow, now, by, updated.owner_id, updated.sponsor_id)
        uow.commit()
    return ExitSaved(updated, strategy, leaders)


@dataclass(frozen=True)
class ExitAgreed:
    """The partner agreed a version of the joint exit strategy (`changed`: now; else before, a second press)."""

    relationship: Relationship
    strategy: ExitStrategy
    changed: bool


def agree(
    uow: UnitOfWork,
    catalogue: Catalogue,
    relationship_id: int,
    version: int,
    *,
    by: str,
    organisation: str,
    now: datetime,
) -> ExitAgreed:
    """The partner's executive sponsor (or relationship manager) agrees version `version`, which must still be the
    latest (`Stale` if a newer one was saved since)."""
    with uow:
        relationship = uow.relationships.get(relationship_id)
        if relationship is None:
            raise Stale(f"relationship {relationship_id}")
        side = taking_part(relationship, organisation)
        if side is not Side.PARTNER or not relationship.signs_for(by, side):
            r = relationship
            raise NotAllowed("exit_agree", r.owner_id, r.sponsor_id, also=r.partner_sponsor_id)
        strategy = uow.exit_strategies.latest(relationship_id)
        if strategy is None or strategy.version != version or not strategy.joint:
            raise Stale(f"exit strategy v{version} of relationship {relationship_id} is not the latest")
        agreed = strategy.agreed_by_partner(by, now)
        if strategy.agreed or not uow.exit_strategies.agree(agreed):
            return ExitAgreed(relationship, strategy, changed=False)
        subject = f"exit strategy v{version}"
        uow.audit.record(relationship_id, by, now, "exit_strategy.agreed", subject, strategy, agreed, side=side)
        save_version(uow, catalogue, relationship_id, reason=f"{subject} agreed", by=by, now=now)
        uow.commit()
    return ExitAgreed(relationship, agreed, changed=True)


def latest(uow: UnitOfWork, relationship_id: int) -> ExitStrategy | None:
    with uow.reading():
        return uow.exit_strategies.latest(relationship_id)
