"""The relationship's record: `/accord history` (the audit trail, newest first) and `/accord plan` (the RMP)."""

import re
from datetime import UTC

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot.records.blocks import diff_blocks, summary_blocks
from bot.records.plan_document import render_html
from bot.slack.kit import context, header, message_blocks, section
from bot.slack.partners import partners_told
from bot.slack.people import SlackNames
from bot.slack.posting import post_in_channel
from bot.slack.sharing import Sharing, sharing
from bot.slack.subcommands import Invocation, Subcommand, name_and_number
from bot.slack.turn import Turn
from stages import relationship_service, rmp
from stages.relationships import Relationship
from stages.sentences import describe

DEFAULT_COUNT = 10
MAX_COUNT = 40
LINES_PER_SECTION = 10  # keeps each section well within Slack's 3000 characters


def show_history(turn: Turn, invocation: Invocation) -> None:
    """`/accord history <relationship> [count]`: the latest changes, newest first, each told as a sentence."""
    readings = name_and_number(invocation.argument)
    with partners_told(turn, [name for name, _ in readings], lambda r: _partners_records(turn, r, "history")):
        _history(turn, readings)


def _partners_records(turn: Turn, relationship: Relationship, what: str) -> str:
    """Where the joint records of a relationship the partner runs are: its plan and trail are the host's records
    (its own preparation in them)."""
    return turn.deps.copy("plan_summary", "partners_records", r=relationship, what=what)


def _history(turn: Turn, readings: list[tuple[str, int | None]]) -> None:
    shown = relationship_service.history(turn.uow(), readings, default=DEFAULT_COUNT, most=MAX_COUNT)
    relationship, wanted, events = shown.relationship, shown.wanted, shown.events
    copy = turn.deps.copy
    names = SlackNames(turn.client, turn.uow(), turn.now())
    blocks: list[Block] = [header(copy.plain("history", "title", r=relationship, count=len(events)))]
    if wanted == 0:
        blocks.append(section(copy("history", "none_asked", r=relationship, limit=MAX_COUNT)))
    elif not events:
        blocks.append(section(copy("history", "empty", r=relationship)))
    lines = [copy("history", "line", at=event.at, sentence=describe(event, names)) for event in events]
    for start in range(0, len(lines), LINES_PER_SECTION):
        blocks.append(section("\n".join(lines[start : start + LINES_PER_SECTION])))
    if wanted > MAX_COUNT:
        blocks.append(context(copy("history", "capped", limit=MAX_COUNT)))
    turn.tell(copy("history", "title", r=relationship, count=len(events)), message_blocks(blocks))


def show_plan(turn: Turn, invocation: Invocation) -> None:
    """`/accord plan <relationship> [diff]`: the summary here with the document in its thread, or the changes."""
    readings = [invocation.argument, invocation.argument.removesuffix(" diff")]
    with partners_told(turn, readings, lambda r: _partners_records(turn, r, "plan")):
        _plan(turn, invocation.argument)


def _plan(turn: Turn, argument: str) -> None:
    deps = turn.deps
    asked = rmp.plan_asked(turn.uow(), deps.catalogue, argument, turn.now(), deps.health, deps.meeting_cadence_days)
    names = SlackNames(turn.client, turn.uow(), turn.now())
    if isinstance(asked, rmp.PlanChanges):
        relationship = asked.relationship
        blocks = message_blocks(diff_blocks(deps.copy, relationship, asked.diff, names))
        turn.tell(deps.copy("plan_summary", "diff_title", r=relationship), blocks)
        return
    plan, relationship = asked, asked.relationship
    channel = turn.body["channel_id"]
    status = sharing(turn.client, channel)
    if not status.may_hold_internal and status is not Sharing.UNSEEN:
        # The plan holds this organisation's own preparation and what it marked internal: never where another
        # organisation reads (nor where Slack does not say it does not). It goes to the person instead.
        channel = turn.client.conversations_open(users=turn.user_id)["channel"]["id"]
        turn.tell(deps.copy("plan_summary", "sent_privately", r=relationship, here=turn.body["channel_id"]))
    try:
        posted = post_in_channel(
            turn.client,
            channel,
            deps.copy("plan_summary", "fallback", r=relationship),
            message_blocks(summary_blocks(deps.copy, plan, turn.today())),
        )
    except SlackApiError as error:
        if error.response.get("error") not in (
            "not_in_channel",
            "channel_not_found",
            "method_not_supported_for_channel_type",
        ):
            raise
        turn.tell(deps.copy("plan_summary", "not_posted"))
        return
    document = render_html(plan, names, names.zone(turn.user_id) or UTC)
    turn.client.files_upload_v2(
        channel=channel,
        thread_ts=str(posted["ts"]),
        content=document,
        filename=f"{slug(relationship.name)}-rmp.html",
        title=f"Relationship Management Plan · {relationship.name}",
        initial_comment=deps.copy("plan_summary", "comment", r=relationship),
    )


def slug(name: str) -> str:
    """A file name made of a relationship's name: lower case letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "relationship"


SUBCOMMANDS = [
    Subcommand("history", f"<relationship> [count, up to {MAX_COUNT}]", required=True, handler=show_history),
    Subcommand("plan", "<relationship> [diff]", required=True, handler=show_plan),
]
