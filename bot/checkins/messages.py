"""Posting a check-in's thread and keeping its messages true to the stored state, in place (`chat.update`)."""

import logging
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.checkins.blocks import item_blocks, parent_blocks
from bot.deps import Deps
from bot.slack.kit import message_blocks
from stages import checkin_service
from stages.checkin_service import Board
from stages.checkins import Checkin

log = logging.getLogger(__name__)
GONE = ("message_not_found", "channel_not_found", "cant_update_message")  # a message someone deleted, or its channel


def post_thread(client: WebClient, deps: Deps, board: Board, channel_id: str) -> Checkin:
    """Post the parent message and one reply per item, then record where they are."""
    copy, catalogue = deps.copy, deps.catalogue
    relationship = board.relationship
    fallback = copy("checkins", "parent_fallback", r=relationship, stage=board.stage)
    parent = client.chat_postMessage(
        channel=channel_id, text=fallback, blocks=message_blocks(parent_blocks(copy, catalogue, board))
    )
    thread_ts = str(parent["ts"])
    items: dict[str, str] = {}
    for item in board.stage.items:
        reply = client.chat_postMessage(
            channel=channel_id,
            thread_ts=thread_ts,
            text=copy("checkins", "item_fallback", item=item),
            blocks=message_blocks(item_blocks(copy, board, item)),
        )
        items[item.id] = str(reply["ts"])
    uow = deps.uow(relationship.team_id)
    return checkin_service.posted(uow, board.checkin, channel_id, thread_ts, items, now=deps.clock.now())


def refresh(client: WebClient, deps: Deps, board: Board, items: Iterable[str] = (), *, parent: bool = True) -> None:
    """Show the board's state on the parent (progress, gate) and on the given items' messages."""
    checkin = board.checkin
    if checkin.channel_id is None or checkin.thread_ts is None:
        return
    copy = deps.copy
    if parent:
        _update(
            client,
            checkin.channel_id,
            checkin.thread_ts,
            copy("checkins", "parent_fallback", r=board.relationship, stage=board.stage),
            parent_blocks(copy, deps.catalogue, board),
        )
    for item_id in items:
        ts = checkin.item_messages.get(item_id)
        if ts is None:
            continue
        item = board.item(item_id)
        _update(
            client, checkin.channel_id, ts, copy("checkins", "item_fallback", item=item), item_blocks(copy, board, item)
        )


def refresh_all(client: WebClient, deps: Deps, board: Board) -> None:
    refresh(client, deps, board, [item.id for item in board.stage.items])


def _update(client: WebClient, channel: str, ts: str, text: str, blocks: list) -> None:  # type: ignore[type-arg]
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=message_blocks(blocks))
    except SlackApiError as error:
        # Someone deleted the message: the answer is stored all the same, and shows on the Home tab.
        if error.response.get("error") not in GONE:
            raise
        log.warning("check-in message %s in %s is gone: %s", ts, channel, error.response.get("error"))
