"""Use cases of the exit strategy: each save is a new version and counts as its joint review."""

from dataclasses import dataclass
from datetime import datetime

from stages.catalogue import Catalogue
from stages.errors import Stale
from stages.exits import ExitDraft, ExitStrategy
from stages.homes import HomesToDraw, homes
from stages.nudges import exit_review_notices
from stages.ports import UnitOfWork
from stages.relationships import Relationship
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


def latest(uow: UnitOfWork, relationship_id: int) -> ExitStrategy | None:
    with uow.reading():
        return uow.exit_strategies.latest(relationship_id)
