"""Domain refusals (not allowed, not ready, out of order, out of date) in words, told privately or in a modal."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import assert_never

from bot.slack.references import Subject, Unreadable
from bot.slack.turn import Turn
from bot.slack.wording import Copy
from stages.disputes import DisputeMovedOn
from stages.errors import (
    DomainError,
    GateNotReady,
    InvalidInput,
    NotAllowed,
    OutsideTheRelationship,
    StageOutOfOrder,
    Stale,
)
from stages.health import NotAParticipant, RoundAlreadyOpen, RoundClosed
from stages.review_service import AlreadyRecorded, Record


def explanation(copy: Copy, error: DomainError, about: Subject = Subject.CHECKIN) -> str | None:
    """Why the domain refused, in words; a `Stale` not saying what went stale is taken to be about `about`."""
    if isinstance(error, NotAllowed):
        return copy(
            "refusals", "not_allowed", action=error.action, owner_id=error.owner_id, sponsor_id=error.sponsor_id,
            also=error.also,
        )  # fmt: skip
    if isinstance(error, OutsideTheRelationship):
        return copy("refusals", "outside", name=error.relationship_name, partner=error.partner)
    if isinstance(error, GateNotReady):
        return copy(
            "refusals", "gate_not_ready", stage=error.stage, still_open=list(error.still_open),
            needing_evidence=list(error.needing_evidence), all_not_applicable=error.all_not_applicable,
        )  # fmt: skip
    if isinstance(error, StageOutOfOrder):
        return copy(
            "refusals", "out_of_order", code=error.code, stage=error.stage, current=error.current,
            r={"name": error.relationship_name},
        )  # fmt: skip
    if isinstance(error, RoundClosed):
        return copy("refusals", "health_closed", name=error.relationship_name, closed=error.closed)
    if isinstance(error, RoundAlreadyOpen):
        return copy("refusals", "health_open", name=error.relationship_name, closes=error.closes_at)
    if isinstance(error, NotAParticipant):
        return copy("refusals", "health_not_asked", name=error.relationship_name)
    if isinstance(error, DisputeMovedOn):
        return copy("refusals", "dispute_moved_on")
    if isinstance(error, AlreadyRecorded):
        return _already_recorded(copy, error)
    if isinstance(error, Unreadable):
        return _gone(copy, error.subject)
    if isinstance(error, Stale):
        return _gone(copy, about)
    if isinstance(error, InvalidInput) and error.problems:
        return copy.problem(error.problems[0])
    return None


def _gone(copy: Copy, subject: Subject) -> str:
    match subject:
        case Subject.CHECKIN:
            return copy("refusals", "stale")
        case Subject.DISPUTE:
            return copy("refusals", "dispute_moved_on")
        case Subject.RELATIONSHIP:
            return copy("refusals", "relationship_changed")
        case Subject.MESSAGE:
            return copy("refusals", "source_unreadable")
        case Subject.NUDGE:
            return copy("refusals", "nudge_changed")
        case _:
            assert_never(subject)


def _already_recorded(copy: Copy, error: AlreadyRecorded) -> str:
    match error.record:
        case Record.REVIEW:
            return copy("refusals", "review_already_recorded", by=error.by, at=error.at)
        case Record.EXIT_STRATEGY:
            return copy("refusals", "exit_already_saved", by=error.by, at=error.at)
        case _:
            assert_never(error.record)


@contextmanager
def explaining(turn: Turn, *, about: Subject = Subject.CHECKIN) -> Iterator[None]:
    """Tell the person privately why the domain refused; anything else is left to the failure handler."""
    try:
        yield
    except DomainError as error:
        text = explanation(turn.deps.copy, error, about)
        if text is None:
            raise
        turn.tell(text)
