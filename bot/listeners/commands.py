"""`/accord`: syntax is checked and answered in the ack; anything touching data runs after it."""

from typing import Any

from slack_bolt import Ack, App

from bot import ids
from bot.blocks.help import help_blocks
from bot.blocks.kit import message_blocks
from bot.blocks.new_relationship import new_relationship_modal
from bot.blocks.relationships import list_blocks, status_blocks
from bot.command_line import Invocation, UsageError, parse
from bot.copy import Copy
from bot.deps import Deps
from bot.listeners.turn import Turn, lazy
from stages import services
from stages.errors import RelationshipNotFound
from stages.relationships import RelationshipDraft


def register(app: App, deps: Deps) -> None:
    copy = deps.copy

    def acknowledge(ack: Ack, command: dict[str, Any]) -> None:
        try:
            invocation = parse(command.get("text", ""))
        except UsageError as error:
            ack(response_type="ephemeral", text=usage_message(copy, error))
            return
        if invocation.command.name == "help":
            ack(
                response_type="ephemeral",
                text=copy("commands", "help_fallback"),
                blocks=message_blocks(help_blocks(copy)),
            )
            return
        ack()

    app.command(ids.COMMAND)(ack=acknowledge, lazy=[lazy(deps, run)])


def usage_message(copy: Copy, error: UsageError) -> str:
    usage = error.command.usage if error.command else ""
    return copy("commands", error.code, word=error.word, suggestion=error.suggestion, usage=usage)


def run(turn: Turn) -> None:
    try:
        invocation = parse(turn.body.get("text", ""))
    except UsageError:
        return  # answered in the ack
    handler = _HANDLERS.get(invocation.command.name)
    if handler is None:
        return
    try:
        handler(turn, invocation)
    except RelationshipNotFound as missing:
        turn.tell(turn.deps.copy("commands", "not_found", name=missing.name, suggestions=missing.suggestions))


def _new(turn: Turn, invocation: Invocation) -> None:
    prefill = (
        RelationshipDraft(invocation.argument, "", turn.user_id, None, None, None) if invocation.argument else None
    )
    view = new_relationship_modal(turn.deps.copy, draft=prefill, owner_id=turn.user_id)
    turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def _list(turn: Turn, invocation: Invocation) -> None:
    deps = turn.deps
    relationships = services.list_relationships(turn.uow())
    blocks = message_blocks(list_blocks(deps.copy, relationships, deps.catalogue, turn.today()))
    turn.tell(deps.copy("relationships", "list_title", count=len(relationships)), blocks)


def _status(turn: Turn, invocation: Invocation) -> None:
    deps = turn.deps
    report = services.relationship_status(turn.uow(), deps.catalogue, invocation.argument, turn.today())
    blocks = message_blocks(status_blocks(deps.copy, report))
    turn.tell(deps.copy("relationships", "status_title", r=report.relationship), blocks)


_HANDLERS = {"new": _new, "list": _list, "status": _status}
