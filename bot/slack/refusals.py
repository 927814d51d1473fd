"""Domain refusals (not allowed, not ready, out of order, out of date) in words, told privately or in a modal."""

from collections.abc import Iterator
from contextlib import contextmanager

from bot.slack.turn import Turn
from bot.slack.wording import Copy
from stages.disputes import DisputeMovedOn
from stages.errors import DomainError, GateNotReady, InvalidInput, NotAllowed, StageOutOfOrder, Stale


def explanation(copy: Copy, error: DomainError, relationship_name: str = "") -> str | None:
    if isinstance(error, NotAllowed):
        return copy(
            "refusals", "not_allowed", action=error.action, owner_id=error.owner_id, sponsor_id=error.sponsor_id,
            also=error.also,
        )  # fmt: skip
    if isinstance(error, GateNotReady):
        return copy("refusals", "gate_not_ready", stage=error.stage, outstanding=list(error.outstanding))
    if isinstance(error, StageOutOfOrder):
        return copy(
            "refusals", "out_of_order", code=error.code, stage=error.stage, current=error.current,
            r={"name": relationship_name},
        )  # fmt: skip
    if isinstance(error, DisputeMovedOn):
        return copy("refusals", "dispute_moved_on")
    if isinstance(error, Stale):
        return copy("refusals", "stale")
    if isinstance(error, InvalidInput) and error.problems:
        return copy.problem(error.problems[0])
    return None


@contextmanager
def explaining(turn: Turn, *, relationship_name: str = "") -> Iterator[None]:
    """Tell the person privately why the domain refused; anything else is left to the failure handler."""
    try:
        yield
    except DomainError as error:
        text = explanation(turn.deps.copy, error, relationship_name)
        if text is None:
            raise
        turn.tell(text)
