"""`/accord`: syntax is checked and answered in the ack; anything touching data runs after it."""

from typing import Any

from slack_bolt import Ack, App

from bot.deps import Deps
from bot.slack import ids
from bot.slack.help import help_blocks
from bot.slack.kit import message_blocks
from bot.slack.subcommands import HELP, Registry, UsageError
from bot.slack.turn import Turn, lazy
from bot.slack.wording import Copy
from stages.errors import RelationshipNotFound

WORK = "run"  # the name Bolt knows the command's work (its lazy listener) by


def silent_ack(subcommands: Registry, text: str) -> bool:
    """Whether `/accord <text>` is acknowledged with nothing, all it says coming after: well formed, and not help."""
    try:
        return subcommands.parse(text).command is not HELP
    except UsageError:
        return False


def register(app: App, deps: Deps, subcommands: Registry) -> None:
    """`/accord`: each feature's subcommands, as the composition root gathered them."""
    copy = deps.copy

    def acknowledge(ack: Ack, command: dict[str, Any]) -> None:
        try:
            invocation = subcommands.parse(command.get("text", ""))
        except UsageError as error:
            ack(response_type="ephemeral", text=usage_message(copy, error))
            return
        if invocation.command is HELP:
            ack(
                response_type="ephemeral",
                text=copy("commands", "help_fallback"),
                blocks=message_blocks(help_blocks(copy, subcommands, subcommands.topic(invocation))),
            )
            return
        ack()

    def run(turn: Turn) -> None:  # named WORK
        try:
            invocation = subcommands.parse(turn.body.get("text", ""))
        except UsageError:
            return  # answered in the ack
        handler = invocation.command.handler
        if handler is None:
            return  # help: answered in the ack
        try:
            handler(turn, invocation)
        except RelationshipNotFound as missing:
            turn.tell(turn.deps.copy("commands", "not_found", name=missing.name, suggestions=missing.suggestions))

    app.command(ids.COMMAND)(ack=acknowledge, lazy=[lazy(deps, run)])


def usage_message(copy: Copy, error: UsageError) -> str:
    command = error.command
    return copy(
        "commands",
        error.code,
        word=error.word,
        suggestion=error.suggestion,
        usage=command.usage if command else "",
        name=command.name if command else "",
        limit=command.max_length if command else 0,
        length=error.length,
        topics=list(error.topics),
    )
