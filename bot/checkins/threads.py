"""Replies in check-in threads become notes: kept, attached to the item they name, and confirmed with 📝.

Edits and deletions follow the message. The app's own messages and other bots' are ignored, and a retried
event changes nothing (each message is captured once, by its timestamp).
"""

import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.checkins.messages import refresh
from bot.deps import Deps
from bot.slack import ids
from bot.slack.refusals import explaining
from bot.slack.turn import Turn, ack_silently, lazy, log_only
from stages import checkin_service
from stages.checkin_service import NoteChange

log = logging.getLogger(__name__)
CAPTURED = "memo"


def register(app: App, deps: Deps) -> None:
    app.event(ids.EVENT_MESSAGE)(ack=ack_silently, lazy=[lazy(deps, on_message, on_failure=log_only)])


def on_message(turn: Turn) -> None:
    event: dict[str, Any] = turn.body["event"]
    subtype = event.get("subtype")
    if subtype is None:
        _captured(turn, event)
    elif subtype == "message_changed":
        _edited(turn, event)
    elif subtype == "message_deleted":
        _deleted(turn, event)


def _by_a_person(message: dict[str, Any]) -> bool:
    return bool(message.get("user")) and not message.get("bot_id") and message.get("subtype") != "bot_message"


def _in_thread(message: dict[str, Any]) -> bool:
    return bool(message.get("thread_ts")) and message.get("thread_ts") != message.get("ts")


def _captured(turn: Turn, message: dict[str, Any]) -> None:
    if not (_by_a_person(message) and _in_thread(message)):
        return
    change = None
    with explaining(turn):  # a third organisation's person in the channel: told their message is not kept
        change = checkin_service.capture(
            turn.uow(),
            turn.deps.catalogue,
            channel_id=message["channel"],
            thread_ts=message["thread_ts"],
            message_ts=message["ts"],
            author_id=message["user"],
            organisation=turn.organisation,
            text=message.get("text") or "",
            now=turn.now(),
        )
    if change is None:
        return
    try:
        turn.client.reactions_add(channel=message["channel"], timestamp=message["ts"], name=CAPTURED)
    except SlackApiError as error:
        if error.response.get("error") != "already_reacted":
            raise
    _show(turn, change)


def _edited(turn: Turn, event: dict[str, Any]) -> None:
    message = {**event.get("message", {}), "channel": event["channel"]}
    if not (_by_a_person(message) and _in_thread(message)):
        return
    with explaining(turn):  # an edit naming a never-share item: told it is not kept, the note stays as it was
        change = checkin_service.revise(
            turn.uow(),
            turn.deps.catalogue,
            channel_id=message["channel"],
            message_ts=message["ts"],
            text=message.get("text") or "",
            now=turn.now(),
        )
        if change is None:  # not captured before (say, written before the check-in existed): capture it now
            _captured(turn, message)
            return
        _show(turn, change)


def _deleted(turn: Turn, event: dict[str, Any]) -> None:
    ts = event.get("deleted_ts") or event.get("previous_message", {}).get("ts")
    if not ts:
        return
    change = checkin_service.forget(
        turn.uow(), turn.deps.catalogue, channel_id=event["channel"], message_ts=ts, now=turn.now()
    )
    if change is not None:
        _show(turn, change)


def _show(turn: Turn, change: NoteChange) -> None:
    if change.items:
        refresh(turn.client, turn.deps, change.board, change.items, parent=False)
