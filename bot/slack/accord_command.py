"""`/accord`: syntax is checked and answered in the ack; anything touching data runs after it."""

from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from bot.checkins.messages import post_thread
from bot.deps import Deps
from bot.disputes import listeners as disputes
from bot.governance import listeners as governance
from bot.records import listeners as records
from bot.records.listeners import relationship_and_number
from bot.relationships import listeners as views
from bot.relationships.blocks import list_blocks, status_blocks
from bot.relationships.modal import new_relationship_modal
from bot.slack import ids
from bot.slack.help import help_blocks
from bot.slack.kit import message_blocks
from bot.slack.refusals import explaining
from bot.slack.subcommands import Invocation, UsageError, parse
from bot.slack.turn import Turn, lazy
from bot.slack.wording import Copy
from stages import checkin_service, services
from stages.catalogue import Stage
from stages.checkins import Checkin
from stages.errors import RelationshipNotFound
from stages.relationships import Relationship, RelationshipDraft

# Subcommands whose work opens a modal: Slack allows that only within three seconds, so it jumps the work queue.
OPENS_A_MODAL = frozenset({"new", "edit", "review", "exit"})


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


def _checkin(turn: Turn, invocation: Invocation) -> None:
    """Start the stage's check-in thread here, or point to the one already running."""
    deps = turn.deps
    relationship, requested = relationship_and_number(turn, invocation.argument)
    with explaining(turn, relationship_name=relationship.name):
        stage = checkin_service.choose_stage(deps.catalogue, relationship, requested)
        checkin, claimed = checkin_service.claim(turn.uow(), relationship, stage, by=turn.user_id, now=turn.now())
        if not claimed:
            _point_to(turn, checkin, relationship, stage)
            return
        board = checkin_service.board(turn.uow(), deps.catalogue, checkin.id or 0)
        try:
            post_thread(turn.client, deps, board, turn.body["channel_id"])
        except SlackApiError as error:
            checkin_service.abandon(turn.uow(), checkin, now=turn.now())
            if error.response.get("error") not in ("not_in_channel", "channel_not_found"):
                raise
            turn.tell(deps.copy("checkins", "not_in_channel"))


def _point_to(turn: Turn, checkin: Checkin, relationship: Relationship, stage: Stage) -> None:
    copy = turn.deps.copy
    if checkin.channel_id is None or checkin.thread_ts is None:
        turn.tell(copy("checkins", "being_started", stage=stage, r=relationship))
        return
    link = turn.client.chat_getPermalink(channel=checkin.channel_id, message_ts=checkin.thread_ts)["permalink"]
    turn.tell(copy("checkins", "already_open", stage=stage, r=relationship, link=link))


_HANDLERS = {
    "new": _new,
    "list": _list,
    "status": _status,
    "checkin": _checkin,
    "review": governance.start_review,
    "exit": governance.start_exit,
    "dispute": disputes.start_dispute,
    "disputes": disputes.list_disputes,
    "edit": views.start_edit,
    "history": records.show_history,
    "plan": records.show_plan,
}
