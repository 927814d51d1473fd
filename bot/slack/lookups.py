"""Finding what a person named in an `/accord` argument."""

from contextlib import suppress

from bot.slack.subcommands import name_and_number
from bot.slack.turn import Turn
from stages import relationship_service
from stages.errors import RelationshipNotFound
from stages.relationships import Relationship


def relationship_and_number(turn: Turn, argument: str) -> tuple[Relationship, int | None]:
    """`<relationship> [number]`: the whole text as a name first, then a trailing number apart."""
    (literal, _), *others = name_and_number(argument)
    try:
        return relationship_service.find_relationship(turn.uow(), literal), None
    except RelationshipNotFound:
        for name, number in others:
            with suppress(RelationshipNotFound):
                return relationship_service.find_relationship(turn.uow(), name), number
        raise
