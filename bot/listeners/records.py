"""The relationship's record: `/accord history` shows the audit trail, newest first."""

from contextlib import suppress

from slack_sdk.models.blocks import Block

from bot.blocks.kit import context, header, message_blocks, section
from bot.command_line import Invocation, name_and_number
from bot.listeners.turn import Turn
from stages import services
from stages.errors import RelationshipNotFound
from stages.relationships import Relationship

DEFAULT_COUNT = 10
MAX_COUNT = 40
LINES_PER_SECTION = 10  # keeps each section well within Slack's 3000 characters


def show_history(turn: Turn, invocation: Invocation) -> None:
    """`/accord history <relationship> [count]`: the latest changes, newest first."""
    relationship, count = relationship_and_number(turn, invocation.argument)
    wanted = count or DEFAULT_COUNT
    events = services.latest_changes(turn.uow(), relationship.id or 0, min(wanted, MAX_COUNT))
    copy = turn.deps.copy
    title = copy("history", "title", r=relationship, count=len(events))
    blocks: list[Block] = [header(title)]
    if not events:
        blocks.append(section(copy("history", "empty", r=relationship)))
    lines = [copy("history", "line", e=event) for event in events]
    for start in range(0, len(lines), LINES_PER_SECTION):
        blocks.append(section("\n".join(lines[start : start + LINES_PER_SECTION])))
    if wanted > MAX_COUNT:
        blocks.append(context(copy("history", "capped", limit=MAX_COUNT)))
    turn.tell(title, message_blocks(blocks))


def relationship_and_number(turn: Turn, argument: str) -> tuple[Relationship, int | None]:
    """`<relationship> [number]`: the whole text as a name first, then a trailing number apart."""
    (literal, _), *others = name_and_number(argument)
    try:
        return services.find_relationship(turn.uow(), literal), None
    except RelationshipNotFound:
        for name, number in others:
            with suppress(RelationshipNotFound):
                return services.find_relationship(turn.uow(), name), number
        raise
