"""Finding what a person named in an `/accord` argument."""

from bot.slack.subcommands import name_and_number
from bot.slack.turn import Turn
from stages import relationship_service
from stages.relationships import Relationship


def relationship_and_number(turn: Turn, argument: str) -> tuple[Relationship, int | None]:
    """`<relationship> [number]`: the whole text as a name first, then a trailing number apart."""
    return relationship_service.relationship_and_number(turn.uow(), name_and_number(argument))
