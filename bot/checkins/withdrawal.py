"""Strategy-phase check-in threads taken out of a channel once another organisation shares it (Slack Connect).

Stages 1 to 3 are one organisation's own preparation. When their thread's channel comes to be shared, Accord
deletes its own messages of those threads there (people's replies are theirs to delete), keeps every answer and
note, and tells each relationship's owner where the stage can be started again: an internal channel.
"""

import logging
from itertools import groupby

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.checkins.messages import GONE
from bot.slack.posting import direct_message
from bot.slack.turn import Turn
from stages import checkin_service

log = logging.getLogger(__name__)


def take_internal_out(turn: Turn, channel_id: str) -> None:
    """Withdraw the strategy-phase threads posted in `channel_id`, now shared, and tell their owners."""
    deps = turn.deps
    boards = checkin_service.internal_threads(turn.uow(), deps.catalogue, channel_id)
    if not boards:
        return
    for board in boards:  # Slack first: a retry after a crash deletes what is left, then records it
        checkin = board.checkin
        for ts in [*checkin.item_messages.values(), *([checkin.thread_ts] if checkin.thread_ts else [])]:
            _delete(turn.client, channel_id, ts)
    checkin_service.withdraw(turn.uow(), [board.checkin for board in boards], now=turn.now())
    for _, together in groupby(boards, key=lambda board: board.relationship.id):
        mine = list(together)
        relationship = mine[0].relationship
        stages = [board.stage for board in mine]
        text = deps.copy("checkins", "internal_withdrawn", r=relationship, stages=stages, channel=channel_id)
        direct_message(turn.client, relationship.owner_id, text)


def _delete(client: WebClient, channel_id: str, ts: str) -> None:
    try:
        client.chat_delete(channel=channel_id, ts=ts)
    except SlackApiError as error:
        if error.response.get("error") not in GONE:
            raise
        log.info("check-in message %s in %s was gone already", ts, channel_id)
