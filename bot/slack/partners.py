"""A joint relationship asked for by name through the partner's own Accord: its records are the host's, kept by
the host's Accord and reached on its messages in the shared channel, so the command says where they are."""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from bot.slack.turn import Turn
from stages import partner_view
from stages.errors import RelationshipNotFound
from stages.relationships import Relationship


@contextmanager
def partners_told(turn: Turn, names: Sequence[str], said: Callable[[Relationship], str]) -> Iterator[None]:
    """A relationship this organisation does not run, but takes part in for the partner through the person (by
    any of `names`, the readings of what they typed): they are told `said` of it instead of "no such
    relationship". Anyone else of the organisation learns nothing of it."""
    try:
        yield
    except RelationshipNotFound as ours:
        hosts = turn.deps.partner_records(turn.team_id)
        for name in names:
            try:
                theirs = partner_view.partner_relationship(hosts, turn.team_id, turn.user_id, name)
            except RelationshipNotFound:
                continue
            turn.tell(said(theirs))
            return
        raise ours from None
