"""Bringing a sent nudge DM up to date: once what an item is about is done or snoozed, the item says so and its
buttons go. The message is edited as Slack shows it, so the rest of it reads as it did when it was sent."""

import logging
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot.slack.kit import context, message_blocks
from bot.slack.wording import Copy
from stages import nudge_service
from stages.nudges import QueuedNudge, Settled
from stages.ports import UnitOfWork

log = logging.getLogger(__name__)


def item_block_id(nudge_id: int) -> str:
    """The block holding one nudge's buttons in its message."""
    return f"nudge:{nudge_id}"


def note(copy: Copy, nudge: QueuedNudge, settled: Settled) -> str:
    """What became of what the nudge is about, in a line of its message."""
    facts = {"n": nudge, "by": settled.by, "on": settled.on, "tier": settled.tier}
    return copy("nudges", f"settled_{settled.outcome.value}", **facts)


def closed_blocks(blocks: Sequence[Mapping[str, Any]], notes: Mapping[int, str]) -> list[dict[str, Any]] | None:
    """The message's blocks with each noted nudge's buttons replaced by its note; None if it shows none of them."""
    wanted = {item_block_id(nudge_id): text for nudge_id, text in notes.items()}
    if not any(block.get("block_id") in wanted for block in blocks):
        return None
    rebuilt: list[Block] = []
    for block in blocks:
        block_id = block.get("block_id")
        if isinstance(block_id, str) and block_id in wanted:
            rebuilt.append(context(wanted[block_id], block_id=block_id))
        else:
            parsed = Block.parse(dict(block))
            if parsed is None:
                raise ValueError(f"a block of the message cannot be read: {block.get('type')}")
            rebuilt.append(parsed)
    return message_blocks(rebuilt)


def close_items(client: WebClient, channel: str, message: Mapping[str, Any], notes: Mapping[int, str]) -> None:
    """Edit the message in place (`chat.update`), if it shows any of these nudges' buttons."""
    blocks = closed_blocks(message.get("blocks") or [], notes)
    if blocks is not None:
        client.chat_update(channel=channel, ts=str(message["ts"]), text=str(message.get("text") or ""), blocks=blocks)


def current(client: WebClient, channel: str, ts: str) -> Mapping[str, Any] | None:
    """The message as Slack shows it now, or None if it is gone."""
    page = client.conversations_history(channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1)
    messages: list[Mapping[str, Any]] = page.get("messages", [])
    return next((m for m in messages if m.get("ts") == ts), None)


def bring_up_to_date(client: WebClient, copy: Copy, uow: UnitOfWork, now: datetime, gone: Collection[str]) -> int:
    """Bring up to date the DMs whose items were done since they were sent (a review recorded, a dispute
    resolved): each such item says what happened, and its buttons go. Returns how many messages were edited;
    one Slack will not let be edited (an error in `gone`) is left as it is, any other is tried again later."""
    by_message: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    for nudge, settled in nudge_service.settled_since_sent(uow):
        if nudge.id is not None and nudge.message_channel and nudge.message_ts:
            by_message[(nudge.message_channel, nudge.message_ts)][nudge.id] = note(copy, nudge, settled)
    edited = 0
    for (channel, ts), notes in by_message.items():
        try:
            message = current(client, channel, ts)
            if message is not None:
                close_items(client, channel, message, notes)
        except SlackApiError as error:
            if error.response.get("error") not in gone:
                log.warning("could not update nudge message %s: %s", ts, error.response.get("error"))
                continue  # tried again later
        nudge_service.close(uow, list(notes), now)
        edited += 1
    return edited
